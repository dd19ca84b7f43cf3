/// Every error the core (features, rules, detection) throws; reading audio
/// throws `TympanIOError` (TympanIO). Each case carries the offending value,
/// so the message says what was wrong and with what.
public enum TympanError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration field has a value the pipeline cannot use.
    case invalidConfiguration(field: String, value: String, reason: String)
    /// A one-shot computation was given no samples.
    case emptyInput
    /// A sample is NaN or infinite. `index` counts from the start of the
    /// buffer passed to the call that threw; nothing of that buffer was consumed.
    case nonFiniteSample(index: Int, value: Float)
    /// A rules file is malformed: the line, the field (a path such as
    /// `classes[2].when[0].feature`) and what is wrong.
    case invalidRules(source: String, line: Int, field: String, reason: String)
    /// A C kernel returned a status the Swift layer did not expect (a bug).
    case kernel(status: Int, message: String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, value, reason):
            return "invalid \(field) \(value): \(reason)"
        case .emptyInput:
            return "no samples: a one-shot feature computation needs at least one sample"
        case let .nonFiniteSample(index, value):
            return "sample \(index) is \(value): samples must be finite (nothing of this buffer was consumed)"
        case let .invalidRules(source, line, field, reason):
            return "\(source):\(line): \(field.isEmpty ? "" : field + ": ")\(reason)"
        case let .kernel(status, message):
            return "kernel error \(status): \(message)"
        }
    }
}
