/// Audio in, sound events out: features and descriptors (C kernels), the
/// threshold classifier, and an event tracker per class. Streaming: `append`
/// returns the events that closed, `finish` closes the rest and starts a new
/// stream. Chunked input gives the same events as whole input.
///
/// A detector is one stream; the rules it runs are a `DetectionModel`, built
/// once and shared by every detector made from it.
public final class EventDetector {
    public let model: DetectionModel
    public var rules: Rules { model.rules }
    public var configuration: FeatureConfiguration { model.configuration }
    private let extractor: FeatureExtractor
    private var classifier: ClassifierStream
    private var stage: TrackingStage
    private var trace: ScoreTrace?
    /// A-weighted levels of the frames still waiting for their scores.
    private var levels: [Double]
    /// Per class: the recent values of its onset feature.
    private var onsetValues: [[Double]]
    /// The levels of the frames computed since the last `takeLevels()`.
    private var levelSummary = LevelSummary()
    /// The frames of the last chunk (reused).
    private var frames: FeatureFrames

    public init(model: DetectionModel) throws(TympanError) {
        self.model = model
        extractor = try FeatureExtractor(configuration: model.configuration)
        frames = FeatureFrames(featureCount: extractor.featureCount)
        classifier = try ClassifierStream(model: model.classifier)
        stage = TrackingStage(rules: model.rules)
        levels = Array(repeating: 0, count: classifier.delay + 1)
        onsetValues = Array(repeating: Array(repeating: 0, count: classifier.delay + 1), count: model.rules.classes.count)
    }

    /// A detector with its own model of `rules` (to run several streams with
    /// the same rules, make the model once and each detector from it).
    public convenience init(rules: Rules) throws(TympanError) {
        try self.init(model: DetectionModel(rules: rules))
    }

    /// The bundled rules on the detection front end.
    public convenience init() throws(TympanError) {
        try self.init(rules: Rules.bundled())
    }

    /// In a steady stream nothing is allocated while no event closes: the
    /// frames go into one reused buffer, the scores into another.
    public func append(_ samples: [Float]) throws(TympanError) -> [SoundEvent] {
        try extractor.append(samples, into: &frames)
        return consume(frames)
    }

    /// What the detector has learned of its site so far (`SiteState`): kept
    /// across `finish`, for the classes whose rules have a `site_quantile`.
    public var site: SiteState { stage.site }

    /// Takes what another detector learned at the same place (a detector made
    /// for new rules, or one that listened to the site's recording first), for
    /// the classes both adapt with the same settings. Returns those classes.
    @discardableResult
    public func adoptSite(_ state: SiteState) -> [EventClass] {
        stage.site.adopt(state)
    }

    /// The A-weighted levels of the frames computed since the last call (or
    /// the start), and a fresh summary begun.
    public func takeLevels() -> LevelSummary {
        defer { levelSummary = LevelSummary() }
        return levelSummary
    }

    /// Flushes the last frames, closes open events, and starts a new stream.
    public func finish() throws(TympanError) -> [SoundEvent] {
        var events = consume(try extractor.finish())
        // One frame at a time: an event's strongest frame among them is explained by its own terms.
        while let (e, scores) = classifier.flushNext() { events += track(e, scores) }
        for (i, closed) in stage.finish() { events.append(event(i, closed)) }
        classifier.reset()
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }

    /// One shot: the events of a whole clip, as a fresh stream.
    public func events(in samples: [Float]) throws(TympanError) -> [SoundEvent] {
        guard !samples.isEmpty else { throw .emptyInput }
        var events = try append(samples)
        events += try finish()
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }

    private func consume(_ frames: FeatureFrames) -> [SoundEvent] {
        var events = [SoundEvent]()
        for k in 0..<frames.frameCount {
            let row = frames[k]
            let t = frames.firstFrame + k
            levels[t % levels.count] = Double(row[row.startIndex + model.levelIndex])
            levelSummary.add(levels[t % levels.count])
            for i in model.onsetReferences.indices {
                guard let reference = model.onsetReferences[i] else { continue }
                var x = 0.0
                for j in reference.indices { x += Double(row[row.startIndex + j]) }
                onsetValues[i][t % levels.count] = x / Double(reference.indices.count)
            }
            if let (e, scores) = classifier.push(row) { events += track(e, scores) }
        }
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }

    /// Feeds frame e's scores to the trackers; returns the events that closed.
    private func track(_ e: Int, _ scores: [Double]) -> [SoundEvent] {
        let level = levels[e % levels.count]
        let slot = e % levels.count
        if trace != nil {
            trace!.frames += 1
            trace!.scores += scores
            trace!.levels.append(level)
            for i in onsetValues.indices { trace!.onsets.append(onsetValues[i][slot]) }
        }
        // The closures read the classifier and the onset values where they
        // are (no copy of either per frame); the classifier only when a frame
        // is an event's strongest.
        return stage.update(frame: e, scores: scores, level: level, onset: { self.onsetValues[$0][slot] },
                            explain: { self.classifier.snapshot(of: $0) }).map { event($0.0, $0.1) }
    }

    private func event(_ i: Int, _ closed: EventTracker.Closed) -> SoundEvent {
        Self.event(rules.classes[i].eventClass, closed, configuration,
                   model.classifier.explanation(of: i, from: closed.snapshot))
    }

    private static func event(_ c: EventClass, _ closed: EventTracker.Closed, _ configuration: FeatureConfiguration,
                              _ explanation: [Explanation]) -> SoundEvent {
        let half = configuration.hopLength / 2
        return SoundEvent(
            eventClass: c,
            onset: max(0, configuration.centerSample(ofFrame: closed.first) - half),
            offset: configuration.centerSample(ofFrame: closed.last) + half,
            sampleRate: configuration.sampleRate, confidence: closed.confidence, peakLevel: closed.peakLevel,
            explanation: explanation)
    }

    /// The events of a whole clip and what the trackers saw on the way.
    public func traced(_ samples: [Float]) throws(TympanError) -> (events: [SoundEvent], trace: ScoreTrace) {
        trace = ScoreTrace(classes: rules.classes.map(\.eventClass))
        defer { trace = nil }
        let events = try self.events(in: samples)
        return (events, trace!)
    }

    /// The events that `rules`' detector settings make of a trace (its
    /// classes, in the same order; the terms are not read again, so events
    /// carry no explanation). Equal to running the detector with those
    /// settings on the clip.
    /// With `site`, the detector starts from what it learned there (for the
    /// classes that adapt with the same settings), as `adoptSite` does.
    public static func replay(_ trace: ScoreTrace, rules: Rules, site: SiteState? = nil) -> [SoundEvent] {
        precondition(rules.classes.map(\.eventClass) == trace.classes, "the trace's classes and the rules' differ")
        var stage = TrackingStage(rules: rules)
        if let site { stage.site.adopt(site) }
        let n = trace.classes.count
        var events = [SoundEvent]()
        for e in 0..<trace.frames {
            let scores = Array(trace.scores[e * n..<(e + 1) * n])
            for (i, closed) in stage.update(frame: e, scores: scores, level: trace.levels[e], onset: { trace.onsets[e * n + $0] },
                                            explain: { _ in .empty }) {
                events.append(event(trace.classes[i], closed, rules.configuration, []))
            }
        }
        for (i, closed) in stage.finish() { events.append(event(trace.classes[i], closed, rules.configuration, [])) }
        return events.sorted { ($0.onset, $0.eventClass) < ($1.onset, $1.eventClass) }
    }
}
