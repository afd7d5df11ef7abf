/// Mutable table used while parsing (TOML's define-once rules need to know how a table came to be).
final class TOMLTableNode {
    enum Origin { case implicit, header, dotted, inline }
    enum Entry {
        case value(TOMLValue)
        case table(TOMLTableNode)
        case tableArray(TOMLArrayNode)
    }

    var origin: Origin
    var position: TOMLPosition?
    private(set) var entries: [String: Entry] = [:]
    private var order: [(String, TOMLPosition)] = []

    init(origin: Origin, position: TOMLPosition?) {
        self.origin = origin
        self.position = position
    }

    func insert(_ key: String, _ entry: Entry, at position: TOMLPosition) {
        entries[key] = entry
        order.append((key, position))
    }

    /// The immutable table.
    func build() -> TOMLTable {
        var table = TOMLTable(position: position)
        for (key, position) in order {
            switch entries[key]! {
            case .value(let v): table.set(key, v, at: position)
            case .table(let node): table.set(key, .table(node.build()), at: position)
            case .tableArray(let array): table.set(key, .array(array.tables.map { .table($0.build()) }), at: position)
            }
        }
        return table
    }
}
