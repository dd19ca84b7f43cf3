/// Hysteresis, minimum and maximum duration, gap merging, a refractory
/// period and onset refinement for one class, frame by frame.
struct EventTracker {
    let settings: DetectorSettings
    let mergeGapFrames: Int
    let minFrames: Int
    let maxFrames: Int
    let refractoryFrames: Int
    let holdFrames: Int
    private let lookbackFrames: Int

    /// The event being followed.
    private struct Open {
        var start: Int          // onset frame (refined)
        var core: Int           // first frame by the score alone: durations count from here
        var last: Int           // last frame with a score at or above off
        var sustained = true    // the onset feature has stayed up since `last`
        var scoreSum = 0.0
        var scoreCount = 0
        var peakLevel = -Double.infinity
        var bestScore = -1.0
        var snapshot = ThresholdClassifier.Snapshot.empty
    }

    private var open: Open?
    private var runStart: Int?          // first frame of the current run of scores >= off
    private var quietUntil = 0          // refractory: no new event before this frame
    private var lastClosed = -1         // the last frame of the previous event
    private var history: [Double]       // the onset feature of the recent frames

    init(_ settings: DetectorSettings, framesPerSecond: Double) {
        self.settings = settings
        mergeGapFrames = Int((settings.mergeGap * framesPerSecond).rounded())
        minFrames = max(1, Int((settings.minDuration * framesPerSecond).rounded()))
        maxFrames = max(1, Int((settings.maxDuration * framesPerSecond).rounded()))
        refractoryFrames = Int((settings.refractory * framesPerSecond).rounded())
        holdFrames = settings.onsetFeature == nil ? 0 : Int((settings.hold * framesPerSecond).rounded())
        lookbackFrames = settings.onsetFeature == nil ? 0 : Int((settings.onsetLookback * framesPerSecond).rounded())
        history = Array(repeating: 0, count: lookbackFrames + 1)
    }

    struct Closed {
        var first: Int
        var last: Int
        var confidence: Double
        var peakLevel: Double
        var snapshot: ThresholdClassifier.Snapshot
    }

    /// Feeds one frame; returns an event when one closes. `explain` is called
    /// only when this frame is the event's strongest so far.
    mutating func update(frame t: Int, score: Double, level: Double, onsetValue: Double,
                         explain: () -> ThresholdClassifier.Snapshot) -> Closed? {
        history[t % history.count] = onsetValue
        let active = score >= settings.off
        if active { runStart = runStart ?? t } else { runStart = nil }
        var closed: Closed?
        if let event = open {
            let gap = t - event.last - 1
            let held = event.sustained && onsetValue >= settings.onsetAbove && gap <= holdFrames
            if !held { open!.sustained = false }
            if gap > mergeGapFrames && !held {
                closed = close()  // too late to merge: this frame may start the next event
            } else if active && (gap == 0 || score >= settings.on) {  // continuing, or re-triggered within the gap
                open!.last = t
                open!.sustained = true
                accumulate(score, level, explain)
                if t - min(event.start, event.core) + 1 >= maxFrames { closed = close() }
                return closed
            }
        }
        if open == nil, t >= quietUntil, score >= settings.on {
            let core = max(runStart ?? t, quietUntil, lastClosed + 1)
            open = Open(start: max(min(core, refinedOnset(t)), lastClosed + 1), core: core, last: t)
            accumulate(score, level, explain)
        }
        return closed
    }

    /// The earliest frame back from t (within the lookback) from which the
    /// onset feature has stayed at or above its threshold; no refinement: a
    /// frame later than any other candidate.
    private func refinedOnset(_ t: Int) -> Int {
        guard lookbackFrames > 0 else { return Int.max / 2 }
        let floor = settings.onsetWithin.map { Swift.max(settings.onsetAbove, history[t % history.count] - $0) }
            ?? settings.onsetAbove
        var k = t
        while k > 0, t - (k - 1) <= lookbackFrames, k - 1 > lastClosed, history[(k - 1) % history.count] >= floor {
            k -= 1
        }
        return k
    }

    private mutating func accumulate(_ score: Double, _ level: Double, _ explain: () -> ThresholdClassifier.Snapshot) {
        open!.scoreSum += score
        open!.scoreCount += 1
        open!.peakLevel = max(open!.peakLevel, level)
        if score > open!.bestScore {
            open!.bestScore = score
            open!.snapshot = explain()
        }
    }

    /// Closes the open event, if any; nil when it was shorter than the minimum.
    mutating func close() -> Closed? {
        guard let event = open else { return nil }
        open = nil
        quietUntil = event.last + 1 + refractoryFrames
        lastClosed = event.last
        guard event.last - event.core + 1 >= minFrames else { return nil }
        return Closed(first: event.start, last: event.last, confidence: min(1, event.scoreSum / Double(max(event.scoreCount, 1))),
                      peakLevel: event.peakLevel, snapshot: event.snapshot)
    }

    mutating func reset() {
        open = nil
        runStart = nil
        quietUntil = 0
        lastClosed = -1
    }
}
