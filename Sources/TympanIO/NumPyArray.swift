/// A float array in NumPy's `.npy` format (version 1.0), for feature matrices
/// and reference data: little-endian `<f4` on write; `<f4` or `<f8` on read.
public struct NumPyArray: Sendable, Equatable {
    public var shape: [Int]
    /// Row-major (C order) values.
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    public enum DecodingError: Error, Equatable, CustomStringConvertible {
        case notNumPy
        case unsupported(String)
        case truncated(expected: Int, found: Int)

        public var description: String {
            switch self {
            case .notNumPy: return "not a .npy file (no \\x93NUMPY magic)"
            case let .unsupported(what): return "unsupported .npy content: \(what)"
            case let .truncated(expected, found): return "truncated .npy: \(expected) data bytes expected, \(found) found"
            }
        }
    }

    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    public func encoded() -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = Self.magic.count + 4 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = Self.magic + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else { throw .notNumPy }
        let major = bytes[6]
        let headerStart = major == 1 ? 10 : 12
        guard major == 1 || major == 2 || major == 3, bytes.count >= headerStart else { throw .notNumPy }
        var headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        if major >= 2 { headerLength |= Int(bytes[10]) << 16 | Int(bytes[11]) << 24 }
        guard bytes.count >= headerStart + headerLength else { throw .truncated(expected: headerLength, found: bytes.count) }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        func field(_ name: String) -> Substring? {
            guard let key = header.firstRange(of: "'\(name)':") else { return nil }
            return header[key.upperBound...].drop(while: { $0 == " " })
        }
        guard let descr = field("descr"), let order = field("fortran_order"), let shapeText = field("shape") else {
            throw .unsupported("header \(header)")
        }
        guard order.hasPrefix("False") else { throw .unsupported("fortran_order True") }
        let width: Int
        if descr.hasPrefix("'<f4'") { width = 4 } else if descr.hasPrefix("'<f8'") { width = 8 } else {
            throw .unsupported("descr \(descr.prefix(while: { $0 != "," }))")
        }
        guard let close = shapeText.firstIndex(of: ")") else { throw .unsupported("shape") }
        let dims = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
            .split(separator: ",").map { $0.trimmingPrefix(" ") }.filter { !$0.isEmpty }
        var shape = [Int]()
        for dim in dims {
            guard let n = Int(dim), n >= 0 else { throw .unsupported("shape \(shapeText[...close])") }
            shape.append(n)
        }
        let count = shape.reduce(1, *)
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard available >= count * width else { throw .truncated(expected: count * width, found: available) }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var bits: UInt64 = 0
            for b in 0..<width { bits |= UInt64(bytes[dataStart + i * width + b]) << (8 * b) }
            values[i] = width == 4 ? Float(bitPattern: UInt32(bits)) : Float(Double(bitPattern: bits))
        }
        self.init(shape: shape, values: values)
    }
}
