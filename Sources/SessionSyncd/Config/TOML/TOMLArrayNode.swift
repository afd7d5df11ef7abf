/// An array of tables (`[[name]]`) while parsing; unlike a static array it can still grow.
final class TOMLArrayNode {
    var tables: [TOMLTableNode] = []
}
