/// One component of a (possibly dotted) key and where it was written.
struct TOMLKeyComponent {
    var name: String
    var position: TOMLPosition
}
