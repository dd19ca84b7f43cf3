/// Every error reading audio (files, raw PCM streams, resampling) and the
/// other files a user names (`UserFile`) throws. Each case names the input or
/// the setting, and what was wrong with it.
public enum TympanIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An audio file or stream could not be opened or read ("-": standard input).
    case unreadableAudio(path: String, reason: String)
    /// Audio has a different sample rate than the pipeline was configured for.
    case sampleRateMismatch(path: String, found: Int, expected: Int)
    /// A setting of the reader (a sample rate, a channel count, a chunk size) is out of its range.
    case invalidSetting(field: String, value: String, reason: String)
    /// A file that is not audio (`kind`: rules, labels, ...) could not be read.
    case unreadableFile(kind: String, path: String, reason: String)
    case fileTooLarge(kind: String, path: String, limit: Int)

    public var description: String {
        switch self {
        case let .unreadableAudio(path, reason):
            return "cannot read audio '\(path)': \(reason)"
        case let .sampleRateMismatch(path, found, expected):
            return "'\(path)' is \(found) Hz but the pipeline is configured for \(expected) Hz"
        case let .invalidSetting(field, value, reason):
            return "invalid \(field) \(value): \(reason)"
        case let .unreadableFile(kind, path, reason):
            return "cannot read \(kind) '\(path)': \(reason)"
        case let .fileTooLarge(kind, path, limit):
            return "\(kind) '\(path)' is larger than \(limit >> 20) MB"
        }
    }
}
