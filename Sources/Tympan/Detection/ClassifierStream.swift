/// One stream's classifier: the model it scores with (shared, immutable) and
/// what changes from frame to frame (the aggregates stage's frame history,
/// the aggregates of the frame scored last, its conditions). Streaming:
/// conditions that look ahead delay the scores by `delay` frames: frame
/// `t - delay` is scored when frame `t` arrives, and `flush` scores the last
/// frames with the windows cut at the end.
struct ClassifierStream {
    let model: ThresholdClassifier
    private let aggregates: Kernels.Aggregates
    /// The aggregates of the frame scored last that the gate let through, and
    /// the buffer the next frame's are computed in (the two are swapped when
    /// the gate lets it through).
    private var values: [Double]
    private var next: [Double]
    /// The compiled model's bytes (whether each condition held), or the
    /// condition scores of hand-written rules, at the frame in `values`.
    private var held: [UInt8]
    private var conditionScores: [Double]
    private var classScores: [Double]

    init(model: ThresholdClassifier) throws(TympanError) {
        self.model = model
        aggregates = try Kernels.Aggregates(layout: model.layout)
        values = Array(repeating: 0, count: model.layout.aggregates.count)
        next = values
        held = Array(repeating: 0, count: model.scorer?.heldCount ?? 0)
        conditionScores = Array(repeating: 0, count: model.scorer == nil ? model.conditions.count : 0)
        classScores = Array(repeating: 0, count: model.classCount)
    }

    var delay: Int { model.delay }

    /// Adds the next frame; returns the index of the frame now scored and its
    /// scores (in the order of the rules' classes), or nil while the delay fills.
    mutating func push(_ frame: ArraySlice<Float>) -> (frame: Int, scores: [Double])? {
        let e = aggregates.push(frame, into: &next)
        guard let e else { return nil }
        return (e, evaluate())
    }

    /// At the end of a stream: scores the next frame still waiting for frames
    /// that will not come (its windows cut at the end), or nil when none is
    /// left. One at a time, so that a snapshot taken after each is its frame's.
    mutating func flushNext() -> (frame: Int, scores: [Double])? {
        guard let e = aggregates.flush(into: &next) else { return nil }
        return (e, evaluate())
    }

    /// Forgets the stream: the next frame pushed is frame 0.
    mutating func reset() {
        aggregates.reset()
    }

    /// The scores of the frame whose aggregates are in `next`, in `classScores`
    /// (reused from frame to frame: a steady stream allocates nothing here as
    /// long as callers let go of the array they were given before the next frame).
    private mutating func evaluate() -> [Double] {
        var out = classScores
        classScores = []  // `out` is the only reference while it is written: no copy
        defer { classScores = out }
        if let scorer = model.scorer {
            if scorer.score(next, held: &held, into: &out) { swap(&values, &next) }
            return out
        }
        if let gate = model.gate, next[gate] < ThresholdClassifier.silenceDBFS {
            for k in out.indices { out[k] = 0 }
            return out
        }
        swap(&values, &next)
        for i in conditionScores.indices { conditionScores[i] = model.conditionScore(i, values) }
        model.combine(conditionScores, into: &out)
        return out
    }

    /// The values and scores of one class's conditions at the frame scored
    /// last that the gate let through.
    func snapshot(of classIndex: Int) -> ThresholdClassifier.Snapshot {
        let range = model.classRanges[classIndex]
        return .init(values: range.map { values[model.reads[$0]] },
                     scores: model.scorer?.conditions(range, held: held) ?? Array(conditionScores[range]))
    }

    /// The terms of a class at the frame scored last (see `snapshot`).
    func explanation(of classIndex: Int) -> [Explanation] {
        model.explanation(of: classIndex, from: snapshot(of: classIndex))
    }
}
