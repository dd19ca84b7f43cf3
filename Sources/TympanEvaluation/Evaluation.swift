import Tympan

/// A whole evaluation: reference labels against estimated events, clip by
/// clip, with sed_eval's metrics, false alarms per hour on background-only
/// clips, and a confusion table.
public struct Evaluation: Sendable {
    public let labels: [String]
    public let clips: [String]
    public let event: MetricResults
    public let eventOnsetOffset: MetricResults
    public let segment: MetricResults
    /// Seconds of audio per clip, when known (detection ran on the audio).
    public let durations: [String: Double]
    /// Clips with no reference event.
    public let backgroundClips: [String]
    /// Estimated events on background-only clips.
    public let falseAlarms: Int
    /// confusion[reference label][estimated label or "none"]: for each
    /// reference event not found, the labels estimated over it (any overlap).
    public let confusion: [String: [String: Int]]

    /// `clips`: every clip evaluated (a clip with no reference row is
    /// background-only); nil: the clips named in the reference or estimate.
    public init(reference: [LabelledEvent], estimated: [LabelledEvent], clips: [String]? = nil,
                durations: [String: Double] = [:], labels: [String] = EventClass.allCases.map(\.label),
                collar: Double = 0.2) {
        var names = clips ?? []
        if clips == nil {
            var seen = Set<String>()
            for e in reference + estimated where seen.insert(e.filename).inserted { names.append(e.filename) }
        }
        var byRef = [String: [LabelledEvent]](), byEst = [String: [LabelledEvent]]()
        for e in reference { byRef[e.filename, default: []].append(e) }
        for e in estimated { byEst[e.filename, default: []].append(e) }
        // The given labels, then each other label once, in order of appearance (an unknown
        // label on several rows is one class, not several).
        var known = [String](), seen = Set<String>()
        for label in labels + (reference + estimated).map(\.label) where seen.insert(label).inserted {
            known.append(label)
        }
        var eventBased = EventBasedMetrics(labels: known, collar: collar)
        var onsetOffset = EventBasedMetrics(labels: known, collar: collar, evaluateOffset: true)
        var segmentBased = SegmentBasedMetrics(labels: known)
        var confusion = [String: [String: Int]]()
        var background = [String](), falseAlarms = 0
        for clip in names {
            let r = byRef[clip] ?? [], e = byEst[clip] ?? []
            eventBased.evaluate(reference: r, estimated: e)
            onsetOffset.evaluate(reference: r, estimated: e)
            segmentBased.evaluate(reference: r, estimated: e)
            if r.isEmpty {
                background.append(clip)
                falseAlarms += e.count
            }
            for ref in r where !e.contains(where: { $0.label == ref.label && abs($0.onset - ref.onset) <= collar }) {
                let over = Set(e.filter { $0.onset < ref.offset && $0.offset > ref.onset }.map(\.label))
                for label in over.isEmpty ? ["none"] : over.sorted() { confusion[ref.label, default: [:]][label, default: 0] += 1 }
            }
        }
        self.labels = known
        self.clips = names
        event = eventBased.results
        eventOnsetOffset = onsetOffset.results
        segment = segmentBased.results
        self.durations = durations
        backgroundClips = background
        self.falseAlarms = falseAlarms
        self.confusion = confusion
    }

    public var audioSeconds: Double? {
        clips.allSatisfy { durations[$0] != nil } && !durations.isEmpty ? clips.reduce(0) { $0 + durations[$1]! } : nil
    }

    /// Estimated events per hour of background-only audio; nil without durations or such clips.
    public var falseAlarmsPerHour: Double? {
        guard !backgroundClips.isEmpty, backgroundClips.allSatisfy({ durations[$0] != nil }) else { return nil }
        let hours = backgroundClips.reduce(0) { $0 + durations[$1]! } / 3600
        return hours > 0 ? Double(falseAlarms) / hours : nil
    }
}
