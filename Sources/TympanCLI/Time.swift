#if canImport(Glibc)
import Glibc
#endif

/// Now, in seconds since 1970 (UTC).
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A file's modification time, in seconds since 1970; nil when it cannot be read.
func modificationTime(_ path: String) -> Double? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
}

/// Parses 2026-11-30T12:00:00Z or 2026-11-30T12:00:00.250Z (UTC only).
func parseUTC(_ text: String) -> Double? {
    guard text.hasSuffix("Z") else { return nil }
    let body = text.dropLast()
    let parts = body.split(separator: "T")
    guard parts.count == 2 else { return nil }
    let date = parts[0].split(separator: "-").compactMap { Int($0) }
    let timeParts = parts[1].split(separator: ":")
    guard date.count == 3, timeParts.count == 3, let h = Int(timeParts[0]), let m = Int(timeParts[1]),
          let s = Double(timeParts[2]), (1...12).contains(date[1]), (1...31).contains(date[2]),
          (0..<24).contains(h), (0..<60).contains(m), s >= 0, s < 61 else { return nil }
    // Days from civil (H. Hinnant).
    let y = date[1] <= 2 ? date[0] - 1 : date[0]
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = date[1] > 2 ? date[1] - 3 : date[1] + 9
    let doy = (153 * mp + 2) / 5 + date[2] - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return Double(days * 86_400 + h * 3600 + m * 60) + s
}
