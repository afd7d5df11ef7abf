/// A `module.name` reference as a pickle's GLOBAL, STACK_GLOBAL, INST or OBJ names it.
///
/// It is only ever compared against an allowlist; nothing is imported or looked up.
public struct PickleGlobal: Hashable, Sendable, CustomStringConvertible {
    public var module: String
    public var name: String

    public init(module: String, name: String) {
        self.module = module
        self.name = name
    }

    /// `module.name`, as Python prints a qualified name.
    public var description: String { "\(module).\(name)" }
}
