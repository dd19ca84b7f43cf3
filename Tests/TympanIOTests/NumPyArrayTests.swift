import Foundation
import Testing
import Tympan
import TympanIO

@Suite struct NumPyArrayTests {
    @Test("Encode then decode gives the same array; the header is 64-byte aligned")
    func roundTrip() throws {
        for shape in [[3, 4], [7], [0, 5]] {
            let values = (0..<shape.reduce(1, *)).map { Float($0) * 0.25 - 1 }
            let array = NumPyArray(shape: shape, values: values)
            let bytes = array.encoded()
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + headerLength) % 64 == 0)
            #expect(try NumPyArray(decoding: bytes) == array)
        }
    }

    @Test("Not NumPy, truncated data and unsupported dtypes are refused")
    func refusals() throws {
        #expect(throws: NumPyArray.DecodingError.notNumPy) { try NumPyArray(decoding: Array("hello world".utf8)) }
        let bytes = NumPyArray(shape: [2, 2], values: [1, 2, 3, 4]).encoded()
        #expect(throws: NumPyArray.DecodingError.truncated(expected: 16, found: 12)) {
            try NumPyArray(decoding: Array(bytes.dropLast(4)))
        }
        var int32 = bytes
        let descr = Array("'<f4'".utf8), replacement = Array("'<i4'".utf8)
        if let at = (0..<int32.count - 5).first(where: { Array(int32[$0..<$0 + 5]) == descr }) {
            int32.replaceSubrange(at..<at + 5, with: replacement)
        }
        #expect(throws: NumPyArray.DecodingError.self) { try NumPyArray(decoding: int32) }
    }
}
