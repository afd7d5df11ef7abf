extension PickleDocument: CustomStringConvertible {
    /// The node count only: a document holds session data, which must not reach logs.
    public var description: String {
        "PickleDocument(\(nodes.count) nodes)"
    }
}
