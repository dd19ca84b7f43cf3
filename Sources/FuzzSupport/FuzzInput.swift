/// Fuzzer bytes read as the values a target needs: each read takes bytes
/// from the front (zeros once they run out), `rest` what is left.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isEmpty: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    public mutating func uint32() -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, shift in value | UInt32(byte()) << (8 * UInt32(shift)) }
    }

    /// One of `choices`.
    public mutating func pick<T>(_ choices: [T]) -> T { choices[Int(byte()) % choices.count] }

    /// Mostly a value in `usual`; one time in eight any 32-bit value (negative,
    /// zero, huge) so that the bounds are tried too.
    public mutating func int(_ usual: ClosedRange<Int>) -> Int {
        let wild = byte() & 7 == 0
        let raw = uint32()
        if wild { return Int(Int32(bitPattern: raw)) }
        return usual.lowerBound + Int(raw % UInt32(usual.upperBound - usual.lowerBound + 1))
    }

    /// Mostly a value in `usual`; sometimes NaN, ±inf, 0, a negative or a huge one.
    public mutating func double(_ usual: ClosedRange<Double>) -> Double {
        switch byte() & 15 {
        case 0: return .nan
        case 1: return .infinity
        case 2: return -.infinity
        case 3: return 0
        case 4: return -Double(uint32())
        case 5: return Double(uint32()) * 1e6
        default: return usual.lowerBound + (usual.upperBound - usual.lowerBound) * Double(uint32()) / Double(UInt32.max)
        }
    }

    public mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return position < bytes.count ? Array(bytes[position...]) : []
    }
}

/// A broken invariant: the fuzzer records it as a crash (and `make test` as a failure).
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant broken: \(message())") }
}
