/// How many bytes one canonical JSON export may write, and the error that says which bound it hit.
///
/// The smallest of three: ``PickleLimits/maxDecodedBytes``; the proportional budget
/// ``PickleLimits/jsonBudget(inputBytes:)`` of the document's pickle; the caller's `maxBytes`
/// (the daemon's `json_max_bytes` for jsonb columns).
struct PickleJSONBudget {
    var bytes: Int
    var error: PickleError

    init(document: PickleDocument, limits: PickleLimits, maxBytes: Int) {
        let proportional = limits.jsonBudget(inputBytes: document.sourceByteCount)
        if maxBytes < proportional {
            bytes = max(maxBytes, 0)
            error = PickleJSONOverflow.caller
        } else if proportional < limits.maxDecodedBytes {
            bytes = proportional
            error = PickleJSONOverflow.proportional
        } else {
            bytes = limits.maxDecodedBytes
            error = PickleJSONOverflow.decoded
        }
    }
}

/// The errors canonical JSON export throws when its output budget is exceeded, one per bound
/// (see ``PickleDocument/canonicalJSON(_:limits:maxBytes:)``), so a caller can say which one.
public enum PickleJSONOverflow {
    /// Over ``PickleLimits/maxDecodedBytes``.
    public static let decoded = PickleError(.jsonLimitExceeded, detail: "JSON output larger than maxDecodedBytes")
    /// Over the proportional budget, ``PickleLimits/jsonBudget(inputBytes:)``.
    public static let proportional = PickleError(.jsonLimitExceeded,
                                                 detail: "JSON output larger than jsonBytesPerInputByte times the pickle's size")
    /// Over the caller's `maxBytes`.
    public static let caller = PickleError(.jsonLimitExceeded, detail: "JSON output larger than the caller's maxBytes")
}

extension PickleDocument {
    /// The size the proportional JSON budget is taken from: the decoded pickle's bytes, or, for a
    /// document built by hand, its payload as ``PickleLimits/maxDecodedBytes`` counts it.
    var sourceByteCount: Int {
        if !storage.input.isEmpty { return storage.input.count }
        return storage.heap.count + 8 * storage.items.count + 16 * storage.raw.count
    }
}
