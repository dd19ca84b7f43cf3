#if canImport(Glibc)
import Glibc  // pow, log10: the C library's, not Foundation
#elseif canImport(Darwin)
import Darwin
#endif

/// The A-weighted levels of a run of frames, for noise monitoring: their
/// equivalent continuous level (energy mean) and their maximum.
public struct LevelSummary: Sendable, Equatable {
    public var frames = 0
    /// Sum over the frames of 10^(L/10).
    public var energy = 0.0
    public var maximum = -Double.infinity

    public init() {}

    public mutating func add(_ level: Double) {
        frames += 1
        energy += pow(10, level / 10)
        maximum = Swift.max(maximum, level)
    }

    /// Leq in dB (dB(A) SPL with a calibration); nil without frames.
    public var equivalentLevel: Double? { frames > 0 ? 10 * log10(energy / Double(frames)) : nil }
}
