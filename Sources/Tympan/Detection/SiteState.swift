#if canImport(Glibc)
import Glibc  // exp
#elseif canImport(Darwin)
import Darwin
#endif

/// What a detector has learned of the place it listens: for each class with
/// a `siteQuantile`, how that class's scores are distributed there, and their
/// `siteQuantile` quantile (its *level*; of the last `siteMemory` seconds,
/// forgetting older frames exponentially; 0 during the first `siteWarmUp`
/// seconds). A class's score reaches its trackers less its *excess*: how far
/// the level stands above the class's `on`, capped so that `on` never rises
/// above `ceiling`. The level depends on the scores only, not on `on`: a state
/// learned under some detector settings serves any others (calibration tries
/// many). Only scores are kept: one histogram of 1,000 bins a class, never audio.
///
/// The state outlives a stream (`EventDetector.finish` keeps it: the next
/// stream is at the same place), and can be carried to another detector at
/// the same place (`EventDetector.site`).
public struct SiteState: Sendable, Equatable {
    /// `on` never rises above this: the strongest scores always count.
    public static let ceiling = 0.99
    static let bins = 1_000

    struct Level: Sendable, Equatable {
        let quantile: Double
        let warmUpFrames: Int
        let blockFrames: Int
        let decay: Double       // per block
        var counts: [Double]    // scores in bins of 1/1000, decayed
        var total = 0.0
        var frames = 0
        /// The learned quantile, as of the last whole block (0 during the warm-up).
        var level = 0.0

        init(_ settings: DetectorSettings, quantile: Double, framesPerSecond: Double) {
            self.quantile = quantile
            warmUpFrames = Int((settings.siteWarmUp * framesPerSecond).rounded())
            blockFrames = max(1, Int(framesPerSecond.rounded()))  // the quantile moves once a second
            decay = exp(-Double(blockFrames) / framesPerSecond / settings.siteMemory)
            counts = Array(repeating: 0, count: SiteState.bins)
        }

        /// A level as saved (`SiteState.json`).
        init(quantile: Double, warmUpFrames: Int, blockFrames: Int, decay: Double, counts: [Double], total: Double,
             frames: Int, level: Double) {
            self.quantile = quantile
            self.warmUpFrames = warmUpFrames
            self.blockFrames = blockFrames
            self.decay = decay
            self.counts = counts
            self.total = total
            self.frames = frames
            self.level = level
        }

        /// Learns one frame's score; the level moves at the end of a block.
        mutating func add(_ score: Double) {
            let bin = score.isFinite ? Swift.min(Swift.max(Int(score * Double(SiteState.bins)), 0), SiteState.bins - 1) : 0
            counts[bin] += 1
            total += 1
            frames += 1
            guard frames % blockFrames == 0 else { return }
            if frames >= warmUpFrames {
                // The first bin whose running count reaches the quantile; its upper edge.
                let target = quantile * total
                var running = 0.0, k = 0
                while k < SiteState.bins - 1 {
                    running += counts[k]
                    if running >= target { break }
                    k += 1
                }
                level = Double(k + 1) / Double(SiteState.bins)
            }
            for k in counts.indices { counts[k] *= decay }
            total *= decay
        }
    }

    public let classes: [EventClass]
    var levels: [Level?]
    let framesPerSecond: Double

    init(classes: [EventClass], levels: [Level?], framesPerSecond: Double) {
        self.classes = classes
        self.levels = levels
        self.framesPerSecond = framesPerSecond
    }

    init(rules: Rules) {
        let c = rules.configuration
        let fps = Double(c.sampleRate) / Double(c.hopLength)
        classes = rules.classes.map(\.eventClass)
        framesPerSecond = fps
        levels = rules.classes.map { rule in
            rule.detector.siteQuantile.map { Level(rule.detector, quantile: $0, framesPerSecond: fps) }
        }
    }

    /// Seconds listened to so far, per class that adapts (nil for one that does not).
    public var secondsLearned: [Double?] {
        levels.map { $0.map { Double($0.frames) / framesPerSecond } }
    }

    /// Each class's learned level (nil for a class that does not adapt; 0 during the warm-up).
    public var learned: [Double?] { levels.map { $0?.level } }

    /// What a class's score loses at a level, for its `on`.
    static func excess(level: Double, on: Double) -> Double { Swift.max(0, Swift.min(level, ceiling) - on) }

    /// The learned levels of `other` for the classes it shares with this state
    /// under the same settings; the other classes keep theirs. Returns the
    /// classes taken.
    @discardableResult
    mutating func adopt(_ other: SiteState) -> [EventClass] {
        var taken = [EventClass]()
        for (i, c) in classes.enumerated() {
            guard let mine = levels[i], let j = other.classes.firstIndex(of: c), let theirs = other.levels[j],
                  theirs.quantile == mine.quantile, theirs.warmUpFrames == mine.warmUpFrames,
                  theirs.blockFrames == mine.blockFrames, theirs.decay == mine.decay
            else { continue }
            levels[i] = theirs
            taken.append(c)
        }
        return taken
    }
}
