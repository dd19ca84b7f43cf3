import CTympan
import Foundation
import Testing

@Suite struct FastLogTests {
    func ulp(_ x: Float) -> Float { abs(x).nextUp - abs(x) }

    @Test("tympan_ln against logf over a sweep of normal floats: 2 ulp away from 1, 1e-7 near it")
    func againstLogf() {
        var inputs = [Float]()
        var bits: UInt32 = 0x0080_0000  // the smallest normal float
        while bits < 0x7f80_0000 {
            inputs.append(Float(bitPattern: bits))
            bits &+= 1_237
        }
        inputs += (0..<10_000).map { 1 + Float($0 - 5_000) * 1e-5 }  // around 1, where ln is near 0
        var out = [Float](repeating: 0, count: inputs.count)
        #expect(tympan_ln(inputs, &out, inputs.count, .leastNormalMagnitude) == TYMPAN_OK)
        var worstUlp: Float = 0, worstAbs: Float = 0
        for (x, y) in zip(inputs, out) {
            let r = logf(x)
            if abs(r) > 0.5 { worstUlp = max(worstUlp, abs(y - r) / ulp(r)) } else { worstAbs = max(worstAbs, abs(y - r)) }
        }
        #expect(worstUlp <= 2, "\(worstUlp) ulp")
        #expect(worstAbs <= 1e-7, "\(worstAbs)")
        #expect(inputs.count > 1_000_000)
    }

    @Test("tympan_ln floors its input (NaN and values below the floor give ln floor), in place too; a bad floor is refused")
    func floors() {
        var values: [Float] = [0, -1, .nan, 1e-12, 1, .infinity, 2.718_281_8]
        #expect(tympan_ln(values, &values, values.count, 1e-10) == TYMPAN_OK)
        let lnFloor = logf(1e-10)
        #expect(values[0] == values[1] && values[1] == values[2] && values[2] == values[3])
        #expect(abs(values[0] - lnFloor) < 1e-5)
        #expect(values[4] == 0)
        #expect(abs(values[5] - logf(.greatestFiniteMagnitude)) < 1e-5, "infinity is held at the largest float")
        #expect(abs(values[6] - 1) < 1e-6)
        var out: Float = 0
        var one: Float = 1
        #expect(tympan_ln(&one, &out, 1, 0) == TYMPAN_EINVAL)
        #expect(tympan_ln(&one, &out, 1, 1e-45) == TYMPAN_EINVAL, "a subnormal floor")
    }
}
