#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tympan

/// Files a user names that are not audio (rules, labels, configurations,
/// traces): read whole, up to a limit, an error naming the kind of file, the
/// path and what went wrong. What the `tympan` commands and the sensor daemon
/// read their rules through.
public enum UserFile {
    /// The bytes of a file (`limit` at most; reads interrupted by a signal go on).
    public static func bytes(_ path: String, kind: String, limit: Int) throws(TympanIOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadableFile(kind: kind, path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw .unreadableFile(kind: kind, path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { return bytes }
            bytes += buffer[0..<n]
            if bytes.count > limit { throw .fileTooLarge(kind: kind, path: path, limit: limit) }
        }
    }

    /// A text file (16 MB at most).
    public static func text(_ path: String, kind: String) throws(TympanIOError) -> String {
        String(decoding: try bytes(path, kind: kind, limit: 16 << 20), as: UTF8.self)
    }

    /// The rules of a file, or the bundled rules without one, checked against
    /// `configuration`'s features, with the text they were read from. A file
    /// that cannot be read is a `TympanIOError`; rules that are not valid, a
    /// `TympanError.invalidRules` naming the file, the line and the field.
    public static func rules(_ path: String?, configuration: FeatureConfiguration = .detection) throws
        -> (text: String, rules: Rules)
    {
        let text = try path.map { path throws(TympanIOError) in try Self.text(path, kind: "rules") } ?? Rules.bundledJSON
        return (text, try Rules(json: text, source: path ?? "bundled rules", configuration: configuration))
    }
}
