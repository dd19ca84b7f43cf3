/// The analysis window applied to each frame.
public enum WindowFunction: String, Sendable, CaseIterable, Codable {
    case rectangular
    /// Periodic Hann, `0.5 - 0.5 cos(2πn/N)` (scipy's and librosa's `hann`).
    case hann
    /// Symmetric Hann, `0.5 - 0.5 cos(2πn/(N-1))` (Kaldi's `hanning`).
    case hannSymmetric
    /// Symmetric Hamming, `0.54 - 0.46 cos(2πn/(N-1))` (HTK, Kaldi).
    case hamming
    /// Kaldi's default: symmetric Hann raised to the power 0.85.
    case povey
}

/// Where frames sit relative to the samples.
public enum FrameAlignment: String, Sendable, CaseIterable, Codable {
    /// Frame `t` is centred on sample `t·hop` (librosa's `center=True`, zero padding):
    /// a clip of `n` samples gives `1 + n / hop` frames.
    case centered
    /// Frame `t` starts at sample `t·hop` and only whole frames are kept
    /// (Kaldi's and HTK's `snip_edges`): `1 + (n - frameLength) / hop` frames.
    case snipEdges
}

public enum SpectrumKind: String, Sendable, CaseIterable, Codable {
    /// `|X|²` (librosa `power=2`, Kaldi `use_power`).
    case power
    /// `|X|`.
    case magnitude
}

public enum MelScale: String, Sendable, CaseIterable, Codable {
    /// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above (librosa default).
    case slaney
    /// `2595 log10(1 + f/700)` (HTK, Kaldi, librosa `htk=True`).
    case htk
}

public enum MelNormalization: String, Sendable, CaseIterable, Codable {
    case none
    /// Each triangle scaled by `2 / (f_right - f_left)` (librosa `norm="slaney"`).
    case slaney
}

public enum FilterShape: String, Sendable, CaseIterable, Codable {
    /// Triangles linear in Hz between mel-spaced edges (librosa).
    case triangleInHertz
    /// Triangles linear in mel (HTK, Kaldi).
    case triangleInMel
}

/// How mel energies are compressed.
public enum LogCompression: Sendable, Equatable {
    /// Linear mel energies.
    case none
    /// `ln(max(x, floor))` (Kaldi uses `floor = Float.ulpOfOne`).
    case natural(floor: Float)
    /// `10 log10(max(x, amin)) - 10 log10(max(reference, amin))`, as librosa's
    /// `power_to_db`. With `topDB`, values below the frame's maximum minus
    /// `topDB` are raised to it. librosa clips against the maximum of the whole
    /// spectrogram, which a stream cannot know; Tympan clips each frame against
    /// its own maximum.
    case decibels(amin: Float, reference: Float, topDB: Float?)
}

/// Everything that decides the features: explicit, validated, and with named
/// presets that reproduce librosa, Kaldi and HTK.
///
/// Defaults are the project's: 16 kHz, 25 ms frames (400), 10 ms hop (160),
/// FFT 512, periodic Hann, centred frames, power spectrum, 64 Slaney mel bands
/// over 0–8 kHz with Slaney normalisation, decibels (librosa's conventions).
public struct FeatureConfiguration: Sendable, Equatable {
    public var sampleRate: Int
    /// Samples per analysis frame (the window length).
    public var frameLength: Int
    /// Samples between the starts of consecutive frames.
    public var hopLength: Int
    /// FFT length; frames shorter than this are zero-padded. Even, `>= frameLength`.
    public var fftSize: Int
    public var window: WindowFunction
    public var alignment: FrameAlignment
    /// Pre-emphasis coefficient in `[0, 1]`, applied per frame (Kaldi/HTK); 0 disables.
    public var preemphasis: Float
    /// Subtract each frame's mean before pre-emphasis (Kaldi).
    public var removesDCOffset: Bool
    /// Standard deviation of Gaussian dither added to each sample; 0 (the default) disables.
    public var dither: Float
    /// Seed of the dither noise: the same seed gives the same features.
    public var ditherSeed: UInt64
    public var spectrum: SpectrumKind
    public var melBandCount: Int
    public var minFrequency: Double
    public var maxFrequency: Double
    public var melScale: MelScale
    public var melNormalization: MelNormalization
    public var filterShape: FilterShape
    public var logCompression: LogCompression
    /// Number of MFCCs per frame; 0 means the features are the (log-)mel bands.
    public var mfccCount: Int
    /// Cepstral liftering in the HTK/Kaldi convention, `c[k] *= 1 + (L/2) sin(πk/L)`; 0 disables.
    public var lifter: Float
    /// Descriptors appended to every frame after the mel bands or MFCCs; nil for none.
    /// They need a power spectrum without pre-emphasis.
    public var descriptors: DescriptorConfiguration?

    public init(
        sampleRate: Int = 16_000,
        frameLength: Int = 400,
        hopLength: Int = 160,
        fftSize: Int = 512,
        window: WindowFunction = .hann,
        alignment: FrameAlignment = .centered,
        preemphasis: Float = 0,
        removesDCOffset: Bool = false,
        dither: Float = 0,
        ditherSeed: UInt64 = 0,
        spectrum: SpectrumKind = .power,
        melBandCount: Int = 64,
        minFrequency: Double = 0,
        maxFrequency: Double = 8_000,
        melScale: MelScale = .slaney,
        melNormalization: MelNormalization = .slaney,
        filterShape: FilterShape = .triangleInHertz,
        logCompression: LogCompression = .decibels(amin: 1e-10, reference: 1, topDB: 80),
        mfccCount: Int = 0,
        lifter: Float = 0,
        descriptors: DescriptorConfiguration? = nil
    ) {
        self.sampleRate = sampleRate
        self.frameLength = frameLength
        self.hopLength = hopLength
        self.fftSize = fftSize
        self.window = window
        self.alignment = alignment
        self.preemphasis = preemphasis
        self.removesDCOffset = removesDCOffset
        self.dither = dither
        self.ditherSeed = ditherSeed
        self.spectrum = spectrum
        self.melBandCount = melBandCount
        self.minFrequency = minFrequency
        self.maxFrequency = maxFrequency
        self.melScale = melScale
        self.melNormalization = melNormalization
        self.filterShape = filterShape
        self.logCompression = logCompression
        self.mfccCount = mfccCount
        self.lifter = lifter
        self.descriptors = descriptors
    }

    /// librosa: `melspectrogram(n_fft=512, hop_length=160, win_length=400,
    /// window="hann", center=True, pad_mode="constant", power=2, n_mels=64,
    /// fmax=8000)` then `power_to_db` (amin 1e-10, top_db 80, per frame).
    /// With `mfccCount > 0` it is `librosa.feature.mfcc` (orthonormal DCT-II, no lifter).
    public static let librosa = FeatureConfiguration()

    /// Kaldi's `compute-fbank-feats` (and kaldi-native-fbank) with dither off:
    /// Povey window, DC removal, pre-emphasis 0.97, snip edges, FFT rounded up
    /// to 512, mel-domain triangles on Kaldi's mel scale from 20 Hz to Nyquist,
    /// power spectrum, `ln(max(x, FLT_EPSILON))`. Band count is the project's 64.
    public static let kaldi = FeatureConfiguration(
        window: .povey, alignment: .snipEdges, preemphasis: 0.97, removesDCOffset: true,
        minFrequency: 20, melScale: .htk, melNormalization: .none, filterShape: .triangleInMel,
        logCompression: .natural(floor: Float.ulpOfOne))

    /// HTK-style MFCCs as Kaldi computes them with HTK's settings: Hamming
    /// window, pre-emphasis 0.97, no DC removal, snip edges, 26 mel-domain
    /// triangles from 0 Hz to Nyquist, natural log, 13 cepstra with lifter 22.
    public static let htk = FeatureConfiguration(
        window: .hamming, alignment: .snipEdges, preemphasis: 0.97, melBandCount: 26,
        melScale: .htk, melNormalization: .none, filterShape: .triangleInMel,
        logCompression: .natural(floor: Float.ulpOfOne), mfccCount: 13, lifter: 22)

    /// What detection runs on: the librosa log-mel front end plus the standard descriptors.
    public static let detection = FeatureConfiguration(descriptors: DescriptorConfiguration())

    /// Floats per output frame: `mfccCount` when it is positive, else `melBandCount`,
    /// plus the descriptors.
    public var featureCount: Int { (mfccCount > 0 ? mfccCount : melBandCount) + (descriptors?.count ?? 0) }

    /// The name of every value of a frame: `mel_0` ... or `mfcc_0` ..., then the descriptors.
    public var featureNames: [String] {
        let base = mfccCount > 0 ? (0..<mfccCount).map { "mfcc_\($0)" } : (0..<melBandCount).map { "mel_\($0)" }
        return base + (descriptors?.names ?? [])
    }

    /// Zeros that precede the first sample in centred alignment, so that frame
    /// `t`'s window is centred on sample `t·hop` (librosa's layout for a window
    /// shorter than the FFT).
    public var leadPadding: Int {
        alignment == .centered ? fftSize / 2 - (fftSize - frameLength) / 2 : 0
    }

    /// The sample on which frame `frame`'s window is centred: `frame·hop` for
    /// `.centered` (an even frame length), `frame·hop + frameLength/2` for `.snipEdges`.
    public func centerSample(ofFrame frame: Int) -> Int {
        let start = frame * hopLength - leadPadding
        return start + frameLength / 2
    }

    /// How many frames a one-shot computation over `sampleCount` samples makes.
    public func frameCount(forSampleCount sampleCount: Int) -> Int {
        guard sampleCount > 0 else { return 0 }
        switch alignment {
        case .centered: return 1 + sampleCount / hopLength
        case .snipEdges: return sampleCount < frameLength ? 0 : 1 + (sampleCount - frameLength) / hopLength
        }
    }

    /// Throws `TympanError.invalidConfiguration` naming the first bad field and its value.
    public func validate() throws(TympanError) {
        func fail(_ field: String, _ value: Any, _ reason: String) -> TympanError {
            .invalidConfiguration(field: field, value: "\(value)", reason: reason)
        }
        let rates = Self.sampleRates
        guard rates.contains(sampleRate) else {
            throw fail("sampleRate", sampleRate, "must be in \(rates.lowerBound)...\(rates.upperBound) Hz")
        }
        guard frameLength > 0 else { throw fail("frameLength", frameLength, "must be positive") }
        guard (1...Self.maximumFFTSize).contains(hopLength) else {
            throw fail("hopLength", hopLength, "must be in 1...\(Self.maximumFFTSize)")
        }
        guard fftSize >= 2, fftSize % 2 == 0 else {
            throw fail("fftSize", fftSize, "must be even and at least 2")
        }
        guard fftSize >= frameLength else {
            throw fail("fftSize", fftSize, "is smaller than frameLength \(frameLength)")
        }
        guard fftSize <= Self.maximumFFTSize else { throw fail("fftSize", fftSize, "is larger than 2^24") }
        guard preemphasis.isFinite, (0...1).contains(preemphasis) else {
            throw fail("preemphasis", preemphasis, "must be in 0...1")
        }
        guard dither.isFinite, dither >= 0 else { throw fail("dither", dither, "must be finite and >= 0") }
        guard (1...Self.maximumMelBandCount).contains(melBandCount) else {
            throw fail("melBandCount", melBandCount, "must be in 1...\(Self.maximumMelBandCount)")
        }
        guard minFrequency.isFinite, minFrequency >= 0 else {
            throw fail("minFrequency", minFrequency, "must be finite and >= 0")
        }
        let nyquist = Double(sampleRate) / 2
        guard maxFrequency.isFinite, maxFrequency <= nyquist else {
            throw fail("maxFrequency", maxFrequency, "is above the Nyquist frequency \(nyquist) Hz")
        }
        guard maxFrequency > minFrequency else {
            throw fail("maxFrequency", maxFrequency, "must be above minFrequency \(minFrequency)")
        }
        switch logCompression {
        case .none: break
        case let .natural(floor):
            guard floor.isFinite, floor > 0 else { throw fail("logCompression.floor", floor, "must be > 0") }
        case let .decibels(amin, reference, topDB):
            guard amin.isFinite, amin > 0 else { throw fail("logCompression.amin", amin, "must be > 0") }
            guard reference.isFinite, reference > 0 else {
                throw fail("logCompression.reference", reference, "must be > 0")
            }
            if let topDB {
                guard topDB.isFinite, topDB > 0 else { throw fail("logCompression.topDB", topDB, "must be > 0") }
            }
        }
        guard mfccCount >= 0, mfccCount <= melBandCount else {
            throw fail("mfccCount", mfccCount, "must be in 0...melBandCount (\(melBandCount))")
        }
        guard lifter.isFinite, lifter >= 0 else { throw fail("lifter", lifter, "must be finite and >= 0") }
        if let descriptors { try validateDescriptors(descriptors, fail) }
        guard Kernels.filterbankHasNoEmptyBand(self) else {
            throw fail("melBandCount", melBandCount,
                       "too many bands for fftSize \(fftSize) at \(sampleRate) Hz over "
                           + "\(minFrequency)-\(maxFrequency) Hz: some band covers no FFT bin")
        }
    }
}

extension FeatureConfiguration {
    /// The bounds `validate()` holds a configuration to (docs/bounds.md lists
    /// every bound a user meets): sample rates from narrowband telephony to the
    /// highest common converter rate, and sizes that keep a stream's buffers
    /// within a few hundred megabytes.
    public static let sampleRates = 4_000...384_000
    public static let maximumFFTSize = 1 << 24
    public static let maximumMelBandCount = 1_024
    public static let maximumBandCount = 32

    fileprivate func validateDescriptors(_ d: DescriptorConfiguration,
                          _ fail: (String, Any, String) -> TympanError) throws(TympanError) {
        guard spectrum == .power else { throw fail("spectrum", spectrum, "descriptors need the power spectrum") }
        guard preemphasis == 0 else { throw fail("preemphasis", preemphasis, "descriptors need a frame without pre-emphasis") }
        guard (-200...200).contains(d.calibration) else {
            throw fail("descriptors.calibration", d.calibration, "must be in -200...200 dB")
        }
        let nyquist = Double(sampleRate) / 2
        guard d.pitchRange.lowerBound >= 1, d.pitchRange.upperBound > d.pitchRange.lowerBound,
              d.pitchRange.upperBound <= nyquist else {
            throw fail("descriptors.pitchRange", d.pitchRange, "must lie within 1...\(nyquist) Hz and not be empty")
        }
        guard d.backgroundSeconds.isFinite, d.backgroundSeconds <= 3_600,
              d.backgroundSeconds * Double(sampleRate) / Double(hopLength) >= 1 else {
            throw fail("descriptors.backgroundSeconds", d.backgroundSeconds, "must cover at least one hop and at most 3600 s")
        }
        guard d.bands.count <= Self.maximumBandCount else {
            throw fail("descriptors.bands", d.bands.count, "at most \(Self.maximumBandCount) bands")
        }
        guard (0...100).contains(d.backgroundPercentile) else {
            throw fail("descriptors.backgroundPercentile", d.backgroundPercentile, "must be in 0...100")
        }
        var seen = Set<String>()
        let binHz = Double(sampleRate) / Double(fftSize)
        for band in d.bands {
            let field = "descriptors.bands[\(band.name)]"
            guard !band.name.isEmpty, band.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                  seen.insert(band.name).inserted else {
                throw fail(field, band.name, "names must be unique letters, digits or _")
            }
            guard band.low >= 0, band.high > band.low, band.high <= Double(sampleRate) / 2 else {
                throw fail(field, "\(band.low)-\(band.high) Hz", "must lie within 0...\(sampleRate / 2) Hz, low < high")
            }
            guard (band.high / binHz).rounded(.down) >= (band.low / binHz).rounded(.up) else {
                throw fail(field, "\(band.low)-\(band.high) Hz", "covers no FFT bin (bins are \(binHz) Hz apart)")
            }
        }
    }
}

extension FeatureConfiguration {
    /// The mel filterbank as a dense `melBandCount × (fftSize/2 + 1)` row-major
    /// matrix (librosa's `filters.mel` layout), for inspection and plots.
    public func melFilterbank() throws(TympanError) -> [Float] {
        try validate()
        return try Kernels.filterbankWeights(self)
    }
}
