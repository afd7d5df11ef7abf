/// Resource bounds for decoding and exporting untrusted pickles.
///
/// Every bound is checked before the work or allocation it guards, so a
/// hostile pickle fails with ``PickleError/Code/limitExceeded`` instead of
/// exhausting memory, time or the call stack.
public struct PickleLimits: Sendable, Equatable {
    /// Raw pickle bytes accepted (base64 text may be 4/3 of this plus line breaks).
    public var maxInputBytes: Int
    /// Opcodes executed before giving up.
    public var maxOpcodes: Int
    /// Items on the unpickler stack at any time.
    public var maxStackDepth: Int
    /// MARKs open at any time.
    public var maxMarkDepth: Int
    /// Distinct memo entries.
    public var maxMemoEntries: Int
    /// Budget for decoded payload: str/bytes bytes, plus 8 per container slot and 16 per node.
    /// Also the largest output of ``PickleDocument/canonicalJSON(_:limits:maxBytes:)`` (see ``jsonBudget(inputBytes:)``).
    public var maxDecodedBytes: Int
    /// Elements in any one container (a dict counts its pairs).
    public var maxContainerElements: Int
    /// Decimal digits of a text integer (like CPython's `int_max_str_digits`);
    /// binary LONG1/LONG4 payloads are held to the same number of digits.
    public var maxIntegerDigits: Int
    /// Depth of the walks in JSON export (which are iterative regardless).
    public var maxNestingDepth: Int
    /// JSON output bytes allowed per byte of pickle (see ``jsonBudget(inputBytes:)``): shared memo
    /// references let a kilobyte of pickle stand for megabytes of JSON, which no session needs.
    public var jsonBytesPerInputByte: Int
    /// The JSON output budget of the smallest pickles (see ``jsonBudget(inputBytes:)``).
    public var minJSONBytes: Int

    /// Creates limits; every parameter defaults to the value of ``default``.
    /// - Parameters:
    ///   - maxInputBytes: default 4 MiB (4_194_304).
    ///   - maxOpcodes: default 2_000_000.
    ///   - maxStackDepth: default 100_000.
    ///   - maxMarkDepth: default 10_000.
    ///   - maxMemoEntries: default 1_000_000.
    ///   - maxDecodedBytes: default 64 MiB (67_108_864).
    ///   - maxContainerElements: default 1_000_000.
    ///   - maxIntegerDigits: default 4300, CPython's default `int_max_str_digits`.
    ///   - maxNestingDepth: default 10_000.
    ///   - jsonBytesPerInputByte: default 64 (the bench corpus of web.py sessions: at most 1.2).
    ///   - minJSONBytes: default 64 KiB (65_536).
    public init(
        maxInputBytes: Int = 4 << 20,
        maxOpcodes: Int = 2_000_000,
        maxStackDepth: Int = 100_000,
        maxMarkDepth: Int = 10_000,
        maxMemoEntries: Int = 1_000_000,
        maxDecodedBytes: Int = 64 << 20,
        maxContainerElements: Int = 1_000_000,
        maxIntegerDigits: Int = 4300,
        maxNestingDepth: Int = 10_000,
        jsonBytesPerInputByte: Int = 64,
        minJSONBytes: Int = 64 << 10
    ) {
        self.maxInputBytes = maxInputBytes
        self.maxOpcodes = maxOpcodes
        self.maxStackDepth = maxStackDepth
        self.maxMarkDepth = maxMarkDepth
        self.maxMemoEntries = maxMemoEntries
        self.maxDecodedBytes = maxDecodedBytes
        self.maxContainerElements = maxContainerElements
        self.maxIntegerDigits = maxIntegerDigits
        self.maxNestingDepth = maxNestingDepth
        self.jsonBytesPerInputByte = jsonBytesPerInputByte
        self.minJSONBytes = minJSONBytes
    }

    /// The JSON output budget for a pickle of `inputBytes` bytes:
    /// `min(maxDecodedBytes, max(minJSONBytes, jsonBytesPerInputByte × inputBytes))`.
    ///
    /// Proportional so that one small hostile session (memo references repeated: 1.3 KB of
    /// pickle, 60 MB of JSON) fails at once instead of writing megabytes.
    public func jsonBudget(inputBytes: Int) -> Int {
        let (scaled, overflow) = max(jsonBytesPerInputByte, 0).multipliedReportingOverflow(by: max(inputBytes, 0))
        return min(maxDecodedBytes, max(minJSONBytes, overflow ? Int.max : scaled))
    }

    /// The defaults documented on ``init(maxInputBytes:maxOpcodes:maxStackDepth:maxMarkDepth:maxMemoEntries:maxDecodedBytes:maxContainerElements:maxIntegerDigits:maxNestingDepth:jsonBytesPerInputByte:minJSONBytes:)``.
    public static let `default` = PickleLimits()
}
