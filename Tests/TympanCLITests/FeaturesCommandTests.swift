import Foundation
import Testing
import Tympan
import TympanIO

@Suite struct FeaturesCommandTests {
    let speech = CLI.path("reference/signals/speech.wav")

    @Test("CSV on stdout: one row per frame, 64 columns, the library's values exactly")
    func csvToStdout() throws {
        let result = try CLI.run(["features", speech])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
        let expected = try FeatureConfiguration.librosa.features(of: try AudioFile.read(speech).samples)
        #expect(rows.count == expected.frameCount)
        let parsed = rows.flatMap { $0.split(separator: ",").map { Float(String($0))! } }
        #expect(rows.allSatisfy { $0.split(separator: ",").count == 64 })
        #expect(parsed == expected.values)
    }

    @Test("NPY file with --preset kaldi: shape (frames, 64), close to kaldi-native-fbank")
    func npyKaldi() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("speech.npy")
        let result = try CLI.run(["features", speech, "--preset", "kaldi", "--format", "npy", "-o", output.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("394 frames x 64 features"))
        let ours = try NumPyArray(decoding: [UInt8](try Data(contentsOf: output)))
        let reference = try NumPyArray(decoding: [UInt8](try Data(
            contentsOf: CLI.fixtures.appendingPathComponent("reference/outputs/speech.kaldi_fbank.npy"))))
        #expect(ours.shape == reference.shape)
        let worst = zip(ours.values, reference.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-2, "max |diff| \(worst)")
    }

    @Test("--mfcc, --mels, --hop, --frame and --fft-size shape the output")
    func overrides() throws {
        let result = try CLI.run(["features", speech, "--mfcc", "13", "--mels", "40", "--hop", "80",
                                  "--frame", "320", "--fft-size", "1024", "--format", "npy"])
        #expect(result.status == 0, "\(result.stderr)")
        let array = try NumPyArray(decoding: [UInt8](result.stdout))
        let samples = try AudioFile.read(speech).samples.count
        #expect(array.shape == [1 + samples / 80, 13])
    }

    @Test("Bad options and bad files fail with a clear message and a nonzero status",
          arguments: [
              (["--mels", "300"], "melBandCount"),
              (["--fft-size", "256"], "fftSize"),
              (["--hop", "0"], "hopLength"),
              (["--mfcc", "100"], "mfccCount"),
              (["--preset", "matlab"], "matlab"),
              (["--format", "wav"], "wav"),
          ])
    func badOptions(_ options: [String], _ mentioned: String) throws {
        let result = try CLI.run(["features", speech] + options)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mentioned), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("Wrong sample rate, missing file, text file and truncated WAV are refused by name")
    func badFiles() throws {
        let wrongRate = try CLI.run(["features", CLI.path("audio/tone-44k.wav")])
        #expect(wrongRate.status != 0 && wrongRate.stderr.contains("44100 Hz") && wrongRate.stderr.contains("16000 Hz"))
        let missing = try CLI.run(["features", "/nonexistent.wav"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent.wav"))

        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("notes.wav")
        try Data("not audio".utf8).write(to: text)
        let notAudio = try CLI.run(["features", text.path])
        #expect(notAudio.status != 0 && notAudio.stderr.contains("notes.wav"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: CLI.path("audio/tone.wav")))
        let cut = directory.appendingPathComponent("cut.wav")
        try whole.prefix(whole.count / 2).write(to: cut)
        let truncated = try CLI.run(["features", cut.path])
        #expect(truncated.status != 0 && truncated.stderr.contains("truncated"), "\(truncated.stderr)")
        #expect(truncated.stdout.isEmpty)
    }

    @Test("--help describes the command and its options")
    func help() throws {
        let result = try CLI.run(["features", "--help"])
        #expect(result.status == 0)
        let text = String(decoding: result.stdout, as: UTF8.self)
        for option in ["--preset", "--mels", "--fft-size", "--hop", "--frame", "--mfcc", "--format", "--output"] {
            #expect(text.contains(option), "\(option) missing from --help")
        }
    }
}
