import CTympan
import Foundation
import Testing
import TestSupport

/// The spectral sums run in four independent partial sums, the band's
/// strongest bin in four lanes, the roll-off's running sum in blocks of eight
/// (descriptors.c): against plain double-precision loops in bin order over
/// random, tied, log-uniform and tonal spectra. The roll-off bin is exact, each
/// band's peak lies within half a bin of the first of its strongest bins.
@Suite struct SpectralSumTests {
    @Test("Centroid, bandwidth, roll-off, band shares and band peaks (ties: the first strongest bin) equal plain loops in bin order")
    func sums() throws {
        let handle = try bandedDescriptors()
        defer { tympan_descriptors_destroy(handle) }
        var generator = SplitMix(seed: 23)
        let mel = [Float](repeating: 1, count: 4), binHz = 16000.0 / 512
        var out = [Float](repeating: 0, count: 12 + 4 * 4)
        var spectra: [[Float]] = []
        for _ in 0..<20 {
            spectra.append((0..<257).map { _ in Float.random(in: 0...1, using: &generator) })
            spectra.append((0..<257).map { _ in Float(Int.random(in: 0...3, using: &generator)) })  // ties
            spectra.append((0..<257).map { _ in Float(pow(10, Double.random(in: -9...3, using: &generator))) })
            let tone = Int.random(in: 3...250, using: &generator)
            spectra.append((0..<257).map { k in k == tone ? 100 : Float.random(in: 0...0.01, using: &generator) })
        }
        for (i, power) in spectra.enumerated() {
            let frame = (0..<400).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            #expect(tympan_descriptors_process(handle, frame, 400, power, 257, mel, 4, &out, out.count) == TYMPAN_OK)
            let m = power.map { Double(sqrtf($0)) }
            let sum = m.reduce(0, +)
            var moment = 0.0
            for k in 0..<257 { moment += m[k] * Double(k) * binHz }
            let centroid = moment / sum
            var spread = 0.0
            for k in 0..<257 { spread += m[k] * (Double(k) * binHz - centroid) * (Double(k) * binHz - centroid) }
            var cumulative = 0.0, rolloff = 0
            for k in 0..<257 {
                cumulative += m[k]
                if cumulative >= 0.85 * sum { rolloff = k; break }
            }
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_CENTROID)]) - centroid) <= 1e-6 * centroid, "spectrum \(i)")
            let bandwidth = (spread / sum).squareRoot()
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_BANDWIDTH)]) - bandwidth) <= 1e-6 * bandwidth, "spectrum \(i)")
            #expect(out[Int(TYMPAN_DESCRIPTOR_ROLLOFF)] == Float(Double(rolloff) * binHz), "spectrum \(i)")
            let squares = frame.reduce(0.0) { $0 + Double($1) * Double($1) } / 400
            #expect(abs(Double(out[Int(TYMPAN_DESCRIPTOR_LEVEL)]) - (10 * log10(squares) + 3.0102999566398120)) < 1e-4, "spectrum \(i)")
            // One-sided: DC and Nyquist once, the bins between them twice.
            func weight(_ k: Int) -> Double { k == 0 || k == 256 ? 1 : 2 }
            let total = (0..<257).reduce(0.0) { $0 + weight($1) * Double(power[$1]) }
            for (b, bins) in [2...16, 16...64, 64...160, 160...256].enumerated() {
                let band = bins.reduce(0.0) { $0 + weight($1) * Double(power[$1]) }
                #expect(abs(Double(out[12 + 4 + b]) - 10 * log10(band / total)) < 1e-4, "spectrum \(i) band \(b)")
                let strongest = bins.max { power[$0] < power[$1] || (power[$0] == power[$1] && $0 > $1) }!
                #expect(abs(Double(out[12 + 12 + b]) - Double(strongest) * binHz) <= binHz / 2, "spectrum \(i) band \(b): \(out[12 + 12 + b]) vs bin \(strongest)")
            }
        }
    }
}
