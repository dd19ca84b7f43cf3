/// A named frequency band for band levels (`band_<name>_db`), their share of
/// the spectrum (`band_<name>_ratio_db`), their strongest bin over their median
/// (`band_<name>_tonality_db`) and its frequency (`band_<name>_peak_hz`), and
/// their level above their own
/// background (`band_<name>_above_db`).
public struct FrequencyBand: Sendable, Equatable, Codable {
    public var name: String
    public var low: Double
    public var high: Double

    public init(_ name: String, _ low: Double, _ high: Double) {
        self.name = name
        self.low = low
        self.high = high
    }
}

/// Per-frame descriptors computed from the same FFT as the mel bands, and a
/// slow background estimate. Levels follow AES17 (a full-scale sine reads 0 dBFS).
public struct DescriptorConfiguration: Sendable, Equatable {
    public var bands: [FrequencyBand]
    /// Added to the A-weighted level so that it reads dB SPL (for a microphone
    /// whose 94 dB SPL reads -26 dBFS: 120). 0 leaves it in dBFS(A).
    public var calibration: Double
    /// Where the pitch is looked for (Hz). Lags are kept free of circular
    /// wrap-around, which caps the lowest pitch at sampleRate / (fftSize - frameLength)
    /// when the FFT pads the frame (143 Hz at 16 kHz with 400 in 512).
    public var pitchRange: ClosedRange<Double>
    /// The background is this percentile of the A-weighted level (and of each
    /// band's level) over the last `backgroundSeconds`.
    public var backgroundSeconds: Double
    public var backgroundPercentile: Double

    public init(bands: [FrequencyBand] = DescriptorConfiguration.standardBands, calibration: Double = 0,
                pitchRange: ClosedRange<Double> = 150...2000, backgroundSeconds: Double = 10,
                backgroundPercentile: Double = 10) {
        self.bands = bands
        self.calibration = calibration
        self.pitchRange = pitchRange
        self.backgroundSeconds = backgroundSeconds
        self.backgroundPercentile = backgroundPercentile
    }

    public static let standardBands = [
        FrequencyBand("low", 50, 500), FrequencyBand("mid", 500, 2000),
        FrequencyBand("high", 2000, 5000), FrequencyBand("top", 5000, 8000),
    ]

    /// The fixed descriptors, in the C kernels' order.
    public static let fixedNames = [
        "level_db", "level_dba", "centroid_hz", "bandwidth_hz", "flatness", "rolloff_hz", "flux_db",
        "crest_db", "zcr", "tonality_db", "pitch_hz", "harmonicity",
    ]

    /// Every value this configuration appends to a frame, in order.
    public var names: [String] {
        Self.fixedNames + bands.map { "band_\($0.name)_db" } + bands.map { "band_\($0.name)_ratio_db" }
            + bands.map { "band_\($0.name)_tonality_db" } + bands.map { "band_\($0.name)_peak_hz" }
            + ["background_dba", "above_background_db"] + bands.map { "band_\($0.name)_above_db" }
    }

    public var count: Int { Self.fixedNames.count + 5 * bands.count + 2 }
}
