import Testing
import Tympan
import TympanIO

/// Tympan against the real libraries' outputs, made by
/// fixtures/reference/make_reference.py (librosa 0.11, kaldi-native-fbank 1.23).
@Suite struct ReferenceParityTests {
    /// Includes band k of frame t when the reference puts it within `range`
    /// (in the reference's own units) of the frame's loudest band.
    static func within(_ range: Float, of reference: NumPyArray) -> (Int, Int) -> Bool {
        let width = reference.shape[1]
        return { t, k in
            let row = reference.values[t * width ..< (t + 1) * width]
            return row.max()! - reference.values[t * width + k] <= range
        }
    }

    @Test("librosa log-mel: <= 1e-4 dB on bands within 40 dB of the frame's loudest, <= 3e-3 dB on all",
          arguments: Fixtures.signals)
    func librosaLogMel(_ signal: String) throws {
        let ours = try FeatureConfiguration.librosa.features(of: try Fixtures.signal(signal))
        let reference = try Fixtures.reference("\(signal).librosa_logmel")
        let near = Difference(ours, reference, include: Self.within(40, of: reference))
        #expect(near.maximum <= 1e-4, "\(signal): \(near)")
        let all = Difference(ours, reference)
        #expect(all.maximum <= 3e-3, "\(signal): \(all)")
    }

    @Test("librosa MFCC (20, orthonormal DCT-II): <= 1e-3", arguments: Fixtures.signals)
    func librosaMFCC(_ signal: String) throws {
        var configuration = FeatureConfiguration.librosa
        configuration.mfccCount = 20
        let ours = try configuration.features(of: try Fixtures.signal(signal))
        let difference = Difference(ours, try Fixtures.reference("\(signal).librosa_mfcc"))
        #expect(difference.maximum <= 1e-3, "\(signal): \(difference)")
    }

    @Test("Kaldi fbank, dither off: <= 1e-3 on bands within 80 dB of the frame's loudest, <= 1e-2 on all",
          arguments: Fixtures.signals)
    func kaldiFbank(_ signal: String) throws {
        let ours = try FeatureConfiguration.kaldi.features(of: try Fixtures.signal(signal))
        let reference = try Fixtures.reference("\(signal).kaldi_fbank")
        let eightyDecibelsInNepers = Float(8 * 2.302585)
        let near = Difference(ours, reference, include: Self.within(eightyDecibelsInNepers, of: reference))
        #expect(near.maximum <= 1e-3, "\(signal): \(near)")
        let all = Difference(ours, reference)
        #expect(all.maximum <= 1e-2, "\(signal): \(all)")
    }

    @Test(".htk MFCC vs kaldi-native-fbank with HTK settings (13 cepstra, lifter 22): <= 1e-3",
          arguments: Fixtures.signals)
    func htkMFCC(_ signal: String) throws {
        let ours = try FeatureConfiguration.htk.features(of: try Fixtures.signal(signal))
        let difference = Difference(ours, try Fixtures.reference("\(signal).htk_mfcc"))
        #expect(difference.maximum <= 1e-3, "\(signal): \(difference)")
    }

    /// librosa builds its weights in float64 (then float32), like Tympan: 1e-6.
    /// Kaldi builds them in float32 arithmetic: 2e-5.
    @Test("Filterbank weights equal librosa's (1e-6) and Kaldi's (2e-5)",
          arguments: [
              ("mel_librosa_slaney", FeatureConfiguration.librosa, Float(1e-6)),
              ("mel_librosa_htk", FeatureConfiguration(
                  melBandCount: 40, minFrequency: 100, maxFrequency: 7000, melScale: .htk,
                  melNormalization: .none), 1e-6),
              ("mel_kaldi", FeatureConfiguration.kaldi, 2e-5),
          ])
    func filterbankWeights(_ name: String, _ configuration: FeatureConfiguration, _ tolerance: Float) throws {
        let reference = try Fixtures.reference(name)
        let ours = try configuration.melFilterbank()
        #expect(reference.shape == [configuration.melBandCount, configuration.fftSize / 2 + 1])
        let worst = zip(ours, reference.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= tolerance, "\(name): max |diff| \(worst)")
    }
}
