import Foundation
import Tympan
import TympanIO

/// Files under fixtures/, found from this source file's path (tests run without Python).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static let signals = ["sweep", "white", "pink", "impulses", "speech"]

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func signal(_ name: String) throws -> [Float] {
        let clip = try AudioFile.read(path("reference/signals/\(name).wav"))
        precondition(clip.sampleRate == 16_000)
        return clip.samples
    }

    static func reference(_ name: String) throws -> NumPyArray {
        let data = try Data(contentsOf: root.appendingPathComponent("reference/outputs/\(name).npy"))
        return try NumPyArray(decoding: [UInt8](data))
    }
}

/// Largest absolute difference, and where it is.
struct Difference: CustomStringConvertible {
    var maximum: Float = 0
    var frame = 0
    var feature = 0
    var description: String { "max |diff| \(maximum) at frame \(frame), feature \(feature)" }

    init(_ a: FeatureFrames, _ b: NumPyArray, include: (Int, Int) -> Bool = { _, _ in true }) {
        precondition(b.shape == [a.frameCount, a.featureCount], "shape \(b.shape) vs \(a.frameCount)x\(a.featureCount)")
        for t in 0..<a.frameCount {
            for k in 0..<a.featureCount where include(t, k) {
                let d = abs(a[t, k] - b.values[t * a.featureCount + k])
                if !(d <= maximum) { maximum = d; frame = t; feature = k }
            }
        }
    }
}
