import Foundation
import Testing
import Tympan
import TympanIO

@Suite struct ResamplerTests {
    @Test("44.1 kHz to 16 kHz keeps a 1 kHz tone's frequency and level; chunked equals whole")
    func tone() throws {
        let input = (0..<44_100).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / 44_100)) }
        let whole = try Resampler(from: 44_100, to: 16_000)
        var a = whole.process(input)
        a += whole.finish()
        #expect(abs(a.count - 16_000) <= 2)
        let middle = a[2000..<14_000]
        let rms = sqrt(middle.reduce(0) { $0 + $1 * $1 } / Float(middle.count))
        #expect(abs(rms - 0.5 / sqrt(2)) < 0.005)
        let crossings = zip(middle.dropFirst(), middle).filter { ($0 < 0) != ($1 < 0) }.count
        #expect(abs(crossings - 1500) <= 2, "1 kHz: 2000 sign changes per second, \(crossings) in 0.75 s")
        let chunked = try Resampler(from: 44_100, to: 16_000)
        var b = [Float]()
        var i = 0
        for size in [1, 7, 1000, 4410, 30_000] where i < input.count {
            b += chunked.process(Array(input[i..<min(input.count, i + size)]))
            i += size
        }
        b += chunked.process(Array(input[min(i, input.count)...]))
        b += chunked.finish()
        #expect(a == b)
    }
}
