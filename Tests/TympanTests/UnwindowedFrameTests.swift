import Foundation
import Testing
import TestSupport
import Tympan

@Suite struct UnwindowedFrameTests {
    @Test("Descriptors read the frame before dither and DC removal (the stream's copy), the mel bands after them")
    func descriptorsSeeTheRawFrame() throws {
        var generator = SplitMix(seed: 9)
        let x = (0..<16_000).map { i in 0.3 * sinf(Float(i) * 0.05) + 0.2 + Float.random(in: -0.05...0.05, using: &generator) }
        var conditioned = FeatureConfiguration.detection
        conditioned.dither = 0.01
        conditioned.removesDCOffset = true  // (pre-emphasis is refused with descriptors)
        let plain = try FeatureConfiguration.detection.features(of: x)
        let changed = try conditioned.features(of: x)
        let names = FeatureConfiguration.detection.featureNames
        for name in ["level_db", "crest_db", "zcr"] {
            let k = names.firstIndex(of: name)!
            #expect((0..<plain.frameCount).allSatisfy { plain[$0, k] == changed[$0, k] }, "\(name): from the raw frame")
        }
        let mel = names.firstIndex(of: "mel_0")!
        #expect((0..<plain.frameCount).contains { plain[$0, mel] != changed[$0, mel] }, "the mel bands see the conditioned frame")
    }
}
