import PickleCodec

/// The `[limits]` keys and the PickleLimits field each one sets.
enum PickleLimitsKeys {
    /// (TOML key, field) in documentation order.
    static var all: [(key: String, field: WritableKeyPath<PickleLimits, Int>)] { [
        ("max_input_bytes", \.maxInputBytes),
        ("max_opcodes", \.maxOpcodes),
        ("max_stack_depth", \.maxStackDepth),
        ("max_mark_depth", \.maxMarkDepth),
        ("max_memo_entries", \.maxMemoEntries),
        ("max_decoded_bytes", \.maxDecodedBytes),
        ("max_container_elements", \.maxContainerElements),
        ("max_integer_digits", \.maxIntegerDigits),
        ("max_nesting_depth", \.maxNestingDepth),
        ("json_bytes_per_input_byte", \.jsonBytesPerInputByte),
        ("min_json_bytes", \.minJSONBytes),
    ] }

    /// Every limit's value, in the order of ``all``.
    static func values(_ limits: PickleLimits) -> [Int] {
        all.map { limits[keyPath: $0.field] }
    }
}
