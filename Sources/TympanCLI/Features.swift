import ArgumentParser
import Foundation
import Tympan
import TympanIO

enum Preset: String, ExpressibleByArgument, CaseIterable {
    case librosa, kaldi, htk, detection

    var configuration: FeatureConfiguration {
        switch self {
        case .librosa: .librosa
        case .kaldi: .kaldi
        case .htk: .htk
        case .detection: .detection
        }
    }
}

enum FeatureFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, npy
}

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute log-mel features or MFCCs of an audio file.",
        discussion: """
            CSV: one row per frame, one column per mel band (or MFCC), no header. NPY: a float32 array of shape (frames, features). --preset detection appends the detection descriptors; --names prints the column names. The file must already be at the preset's sample rate (16000 Hz).
            """)

    @Argument(help: "Audio file (WAV, FLAC, OGG, ... through libsndfile).")
    var file: String

    @Option(help: "Conventions to reproduce: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: Preset = .librosa

    @Option(help: "Mel bands (default: the preset's).")
    var mels: Int?

    @Option(name: .customLong("fft-size"), help: "FFT size, even and >= the frame length.")
    var fftSize: Int?

    @Option(help: "Hop length in samples.")
    var hop: Int?

    @Option(help: "Frame (window) length in samples.")
    var frame: Int?

    @Option(help: "Output this many MFCCs per frame instead of log-mel bands (0: log-mel).")
    var mfcc: Int?

    @Option(help: "Output format: csv or npy.")
    var format: FeatureFormat = .csv

    @Option(name: .shortAndLong, help: "Write here instead of standard output.")
    var output: String?

    @Flag(help: "Print the name of every column, one per line, and exit.")
    var names = false

    func featureConfiguration() -> FeatureConfiguration {
        var c = preset.configuration
        if let mels { c.melBandCount = mels }
        if let fftSize { c.fftSize = fftSize }
        if let hop { c.hopLength = hop }
        if let frame { c.frameLength = frame }
        if let mfcc { c.mfccCount = mfcc }
        return c
    }

    func validate() throws {
        do {
            try featureConfiguration().validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let configuration = featureConfiguration()
        if names {
            print(configuration.featureNames.joined(separator: "\n"))
            return
        }
        let clip = try AudioFile.read(file)
        guard clip.sampleRate == configuration.sampleRate else {
            throw TympanIOError.sampleRateMismatch(path: file, found: clip.sampleRate, expected: configuration.sampleRate)
        }
        let frames = try configuration.features(of: clip.samples)
        let bytes: [UInt8]
        switch format {
        case .csv: bytes = Array(csv(frames).utf8)
        case .npy:
            bytes = NumPyArray(shape: [frames.frameCount, frames.featureCount], values: frames.values).encoded()
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                throw ValidationError("cannot write '\(output)'")
            }
            FileHandle.standardError.write(Data(
                "\(file): \(frames.frameCount) frames x \(frames.featureCount) features -> \(output)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }

    private func csv(_ frames: FeatureFrames) -> String {
        var text = ""
        text.reserveCapacity(frames.values.count * 12)
        for t in 0..<frames.frameCount {
            text += frames[t].map { "\($0)" }.joined(separator: ",")
            text += "\n"
        }
        return text
    }
}
