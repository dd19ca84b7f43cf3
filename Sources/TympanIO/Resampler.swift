internal import CSoxr
import Tympan

/// Streaming sample-rate conversion through libsoxr (high quality, one thread,
/// so the output does not depend on timing). Mono Float32.
public final class Resampler {
    public let inputRate: Int
    public let outputRate: Int
    private let handle: soxr_t
    private var scratch: [Float] = []

    public init(from inputRate: Int, to outputRate: Int) throws(TympanIOError) {
        guard inputRate > 0, outputRate > 0 else {
            throw .invalidSetting(field: "sampleRate", value: "\(inputRate) -> \(outputRate)", reason: "rates must be positive")
        }
        var error: soxr_error_t?
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var runtime = soxr_runtime_spec(1)
        guard let handle = soxr_create(Double(inputRate), Double(outputRate), 1, &error, &io, &quality, &runtime),
              error == nil else {
            throw .invalidSetting(field: "sampleRate", value: "\(inputRate) -> \(outputRate)",
                                        reason: error.map { String(cString: $0) } ?? "libsoxr could not be created")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.handle = handle
    }

    deinit { soxr_delete(handle) }

    /// Resamples a chunk; the output lags the input by the filter's delay,
    /// which `finish` flushes.
    public func process(_ input: [Float]) -> [Float] {
        input.withUnsafeBufferPointer { run($0.baseAddress, $0.count) }
    }

    /// The samples still inside the filter, at the end of the stream.
    public func finish() -> [Float] { run(nil, 0) }

    private func run(_ input: UnsafePointer<Float>?, _ count: Int) -> [Float] {
        var output = [Float]()
        var offset = 0
        let chunk = max(1024, count * outputRate / inputRate + 64)
        if scratch.count < chunk { scratch = [Float](repeating: 0, count: chunk) }
        var produced = 0
        repeat {
            var used = 0
            produced = 0
            let remaining = count - offset
            scratch.withUnsafeMutableBufferPointer { out in
                _ = soxr_process(handle, input.map { UnsafeRawPointer($0 + offset) }, remaining, &used,
                                 UnsafeMutableRawPointer(out.baseAddress), out.count, &produced)
            }
            offset += used
            output.append(contentsOf: scratch[0..<produced])
            if produced == 0 && used == 0 && offset < count { break }  // no progress: give up rather than spin
        } while offset < count || produced == scratch.count  // a full buffer may leave more to drain
        return output
    }
}
