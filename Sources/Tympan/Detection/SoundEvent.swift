/// A detected sound event. Times are in samples from the start of the stream;
/// it carries no audio, spectra or features.
public struct SoundEvent: Sendable, Equatable {
    public var eventClass: EventClass
    /// First and last sample (exclusive) of the event.
    public var onset: Int
    public var offset: Int
    public var sampleRate: Int
    /// The mean class score over the event's frames, in [0, 1].
    public var confidence: Double
    /// The highest A-weighted level during the event (dB, with the configured calibration).
    public var peakLevel: Double
    /// The rule terms at the event's strongest frame, with their values.
    public var explanation: [Explanation]

    public init(eventClass: EventClass, onset: Int, offset: Int, sampleRate: Int, confidence: Double,
                peakLevel: Double, explanation: [Explanation]) {
        self.eventClass = eventClass
        self.onset = onset
        self.offset = offset
        self.sampleRate = sampleRate
        self.confidence = confidence
        self.peakLevel = peakLevel
        self.explanation = explanation
    }

    public var onsetSeconds: Double { Double(onset) / Double(sampleRate) }
    public var offsetSeconds: Double { Double(offset) / Double(sampleRate) }
    public var duration: Double { offsetSeconds - onsetSeconds }
}
