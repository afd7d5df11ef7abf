extension PickleDocument {
    /// Canonical JSON of a value (default: the root), without spaces, keys in pickle order.
    ///
    /// - None, bool, int (exact digits), float (Python `repr`; NaN/±inf as the strings
    ///   `"NaN"`, `"Infinity"`, `"-Infinity"`), str and Python 2 str (its text view).
    /// - bytes/bytearray → `{"$bytes":"<base64>"}`; list, tuple, set, frozenset → array.
    /// - dict (and dict subclasses) with only str keys → object, else `[[key, value], ...]`.
    /// - datetime/date/time → Python's `isoformat()`; aware with a tzinfo that is not a fixed
    ///   offset → `{"$datetime": "<naive isoformat>", "$tzinfo": ...}` (`"$time"` for time).
    /// - timedelta → `{"$timedelta":[days,seconds,microseconds]}`; fixed-offset time zone →
    ///   `{"$class":"<its class>","$args":[<offset timedelta>(,"<name>")]}`.
    /// - Decimal → JSON number with `str(Decimal)`'s digits (NaN, sNaN, Infinity as strings);
    ///   UUID → hyphenated lowercase string; bare global → `{"$global":"module.name"}`.
    /// - Class names are printed as CPython 3 resolves them (`__builtin__.set` → `builtins.set`).
    /// - other objects → `{"$class":..,"$args":..,"$kwargs":..,"$state":..,"$items":..,"$dictitems":..}`,
    ///   absent parts omitted.
    /// - A shared reference is written again each time; a reference back to an enclosing
    ///   container is `{"$ref":"cycle"}`.
    ///
    /// Iterative; output is held to ``PickleLimits/jsonBudget(inputBytes:)`` of the pickle's size
    /// (at most ``PickleLimits/maxDecodedBytes``) and to `maxBytes`, nesting to
    /// ``PickleLimits/maxNestingDepth``. The error's detail names the bound that was hit.
    /// - Parameters:
    ///   - ref: the value; nil means ``root``.
    ///   - limits: output and depth budget.
    ///   - maxBytes: a further cap on the output; default none.
    /// - Throws: `.jsonLimitExceeded` when a budget is exceeded; `.badValue` for a dangling reference.
    public func canonicalJSON(_ ref: PickleRef? = nil, limits: PickleLimits = .default, maxBytes: Int = .max) throws(PickleError) -> String {
        var exporter = PickleJSONExporter(document: self, limits: limits, maxBytes: maxBytes)
        return try exporter.export(ref ?? root)
    }

    /// ``canonicalJSON(_:limits:maxBytes:)``'s bytes as UTF-8, without building a `String` (for output that goes
    /// straight to a file or socket). Same limits and errors.
    public func canonicalJSONUTF8(_ ref: PickleRef? = nil, limits: PickleLimits = .default, maxBytes: Int = .max) throws(PickleError) -> [UInt8] {
        var exporter = PickleJSONExporter(document: self, limits: limits, maxBytes: maxBytes)
        return try exporter.exportUTF8(ref ?? root)
    }
}
