#if canImport(Glibc)
import Glibc
#endif

/// A message on standard error, after what was already printed.
func printError(_ message: String) {
    fflush(nil)  // keep the order of what was already printed
    let line = Array("tympan: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// A number with three decimals, for tables.
func format3(_ x: Double) -> String {
    guard x.isFinite else { return "  -  " }
    let scaled = (x * 1000).rounded()
    let sign = scaled < 0 ? "-" : ""
    let a = Int(abs(scaled))
    let frac = String(a % 1000)
    return "\(sign)\(a / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
