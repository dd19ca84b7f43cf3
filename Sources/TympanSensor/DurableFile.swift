#if canImport(Glibc)
import Glibc
#endif

/// A write that failed: the operation, the path and the system's errno.
struct DurableWriteFailure: Error {
    var path: String
    var operation: String
    var code: Int32

    var reason: String { "cannot \(operation) '\(path)': \(String(cString: strerror(code)))" }
}

/// Writes `text` to `path` so that a crash leaves either the old file or the
/// whole new one: to `temporary` first, fsync'd, renamed over `path`, and the
/// folder fsync'd. On failure the temporary file is removed.
func writeDurably(_ text: String, to path: String, temporary: String) throws(DurableWriteFailure) {
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw DurableWriteFailure(path: temporary, operation: "create", code: errno) }
    var failure: DurableWriteFailure?
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
        if n < 0 {
            if errno == EINTR { continue }
            failure = DurableWriteFailure(path: temporary, operation: "write", code: errno)
            break
        }
        written += n
    }
    if failure == nil, fsync(fd) != 0 { failure = DurableWriteFailure(path: temporary, operation: "fsync", code: errno) }
    close(fd)
    if failure == nil, rename(temporary, path) != 0 { failure = DurableWriteFailure(path: path, operation: "rename", code: errno) }
    if let failure {
        unlink(temporary)
        throw failure
    }
    syncFolder(of: path)
}

/// The folder that holds `path` ("." for a bare name, "/" for a file at the root).
func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// fsync of the folder that holds `path` (a rename or unlink there lasts).
func syncFolder(of path: String) {
    let fd = open(folder(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
        fsync(fd)
        close(fd)
    }
}
