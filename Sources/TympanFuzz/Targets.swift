import CTympan
import FuzzSupport
import Foundation
import TestSupport
@testable import Tympan
import TympanEvaluation
import TympanIO
import TympanSensor

/// Bit patterns, so that NaN equals NaN: the bytes (a million floats compared
/// element by element in this unoptimised, sanitised build took seconds).
private func same(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && a.withUnsafeBytes { x in
        b.withUnsafeBytes { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
    }
}

/// A configuration from a preset with fields fuzzed (in and out of their
/// bounds); samples from the rest, as 16-bit values; fed whole and in fuzzed
/// chunks. What validate() accepts must run, and the chunks must give the
/// features of the whole, bit for bit.
func fuzzFeatures(_ bytes: [UInt8]) -> Bool {
    var input = FuzzInput(bytes)
    var c = input.pick([FeatureConfiguration.librosa, .kaldi, .htk, .detection])
    let edits = input.byte()
    if edits & 1 != 0 { c.sampleRate = input.int(4_000...48_000) }
    if edits & 2 != 0 { c.frameLength = input.int(1...2_048) }
    if edits & 4 != 0 { c.hopLength = input.int(1...1_024) }
    if edits & 8 != 0 { c.fftSize = input.int(1...4_096) }
    if edits & 16 != 0 { c.melBandCount = input.int(1...128) }
    if edits & 32 != 0 { c.minFrequency = input.double(0...4_000); c.maxFrequency = input.double(1_000...24_000) }
    if edits & 64 != 0 { c.mfccCount = input.int(0...40); c.lifter = Float(input.double(0...30)) }
    if edits & 128 != 0 {
        c.window = input.pick(WindowFunction.allCases)
        c.alignment = input.pick(FrameAlignment.allCases)
        c.preemphasis = Float(input.double(0...1))
        c.dither = Float(input.double(0...1))
        c.logCompression = input.pick([.none, .natural(floor: Float(input.double(1e-12...1))),
                                       .decibels(amin: Float(input.double(1e-12...1)), reference: 1,
                                                 topDB: input.byte() & 1 == 0 ? nil : Float(input.double(0...120)))])
    }
    if c.descriptors != nil, input.byte() & 1 != 0 {
        var d = DescriptorConfiguration()
        d.bands = (0..<Int(input.byte() % 5)).map { i in
            FrequencyBand("b\(i)", input.double(0...4_000), input.double(100...8_000))
        }
        let low = input.double(50...1_000), high = input.double(200...8_000)
        if low <= high { d.pitchRange = low...high }  // a range that cannot be formed is the caller's bug
        d.backgroundSeconds = input.double(0.1...30)
        d.backgroundPercentile = input.double(0...100)
        d.calibration = input.double(-200...200)
        c.descriptors = d
    }
    let chunk = 1 + Int(input.byte()) * 13
    let raw = input.rest()
    let decoded = stride(from: 0, to: min(raw.count, 16_000) - 1, by: 2).map {
        Float(Int16(bitPattern: UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8)) / 32_768
    }
    guard (try? c.validate()) != nil, !decoded.isEmpty else { return false }
    // At most 251 frames an input: a hop of one sample made 1,500 frames of
    // descriptors (a pitch search each, 30 kHz, 500-sample frames), 0.6 s plain
    // but over libFuzzer's 20 s timeout under coverage tracing on a busy machine
    // (run whole, in chunks, and again for the leak check); more frames of the
    // same configuration add time, not paths.
    let samples = Array(decoded.prefix(c.hopLength * 250 + (c.alignment == .centered ? 0 : c.frameLength)))
    // FFTs past 2^16 points are valid (the bound is 2^24) but take tens of seconds
    // an input under the sanitizers, past libFuzzer's timeout: validation still
    // sees them, the streaming does not (the filterbank timeout came from one).
    guard c.fftSize <= 1 << 16 else { return false }
    guard let whole = try? c.features(of: samples) else { return false }
    guard let extractor = try? FeatureExtractor(configuration: c) else {
        fatalError("invariant broken: features(of:) ran but FeatureExtractor(configuration:) failed")
    }
    var streamed = FeatureFrames(featureCount: whole.featureCount)
    var start = 0
    while start < samples.count {
        let end = min(samples.count, start + chunk)
        guard let frames = try? extractor.append(Array(samples[start..<end])) else {
            fatalError("invariant broken: a chunk failed where the whole did not")
        }
        streamed.append(frames)
        start = end
    }
    guard let last = try? extractor.finish() else { fatalError("invariant broken: finish() failed") }
    streamed.append(last)
    invariant(same(streamed.values, whole.values), "chunks of \(chunk) differ from the whole (\(c))")
    return true
}

/// The lane paths of the window, the natural log and the aggregates against
/// their scalar references, on fuzzed lengths and values (any bit pattern).
func fuzzSIMD(_ bytes: [UInt8]) -> Bool {
    var input = FuzzInput(bytes)
    let count = 1 + Int(input.byte()) + Int(input.byte() & 3) * 256
    let values = (0..<count).map { _ in Float(bitPattern: input.uint32()) }
    let floor = Float(input.double(1e-30...1))
    var fast = [Float](repeating: 0, count: count), slow = fast
    let a = tympan_ln(values, &fast, count, floor), b = tympan_ln_scalar(values, &slow, count, floor)
    invariant(a == b, "tympan_ln status \(a) against \(b)")
    if a == TYMPAN_OK {
        for i in 0..<count where fast[i] != slow[i] && !(fast[i].isNaN && slow[i].isNaN) {
            let ulps = abs(fast[i] - slow[i]) / max(slow[i].ulp, Float.leastNormalMagnitude)
            invariant(ulps <= 1, "tympan_ln of \(values[i]): \(fast[i]) against \(slow[i])")
        }
    }
    var config = tympan_window_config(length: count, type: tympan_window_type(UInt32(input.byte() % 5)),
                                      preemphasis: Float(input.byte()) / 255, remove_dc_offset: Int32(input.byte() & 1),
                                      dither: 0, dither_seed: 0)
    var w1: OpaquePointer?, w2: OpaquePointer?
    guard tympan_window_create(&config, &w1) == TYMPAN_OK, tympan_window_create(&config, &w2) == TYMPAN_OK else {
        tympan_window_destroy(w1)
        return true
    }
    defer { tympan_window_destroy(w1); tympan_window_destroy(w2) }
    var x = values.map { $0.isFinite ? $0 : 0 }, y = x
    invariant(tympan_window_process(w1, &x, count) == tympan_window_process_scalar(w2, &y, count), "window status")
    invariant(same(x, y), "window lanes differ from the scalar path")
    return true
}

/// Fuzzed rules text. What the reader accepts must compile, and its scores on
/// a short stream of features must match the tests' plain reference
/// (`ReferenceClassifier`) within the fixed point's rounding, frame for frame.
func fuzzRules(_ bytes: [UInt8]) -> Bool {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let rules = try? Rules(json: text, source: "fuzz") else { return false }
    guard let model = try? ThresholdClassifier(rules: rules), var stream = try? ClassifierStream(model: model) else {
        fatalError("invariant broken: accepted rules do not compile")
    }
    let width = rules.configuration.featureCount
    var generator = FuzzGenerator(seed: UInt64(bytes.count))
    var rows = [[Float]](), scored = [(frame: Int, scores: [Double])]()
    for _ in 0..<60 {
        let row = (0..<width).map { _ in Float(generator.next() % 20_000) / 100 - 100 }
        rows.append(row)
        if let s = stream.push(row[...]) { scored.append(s) }
    }
    while let s = stream.flushNext() { scored.append(s) }
    invariant(scored.map(\.frame) == Array(rows.indices), "frames scored: \(scored.map(\.frame))")
    let reference = ReferenceClassifier(rules: rules).frames(rows)
    let conditions = rules.classes.flatMap { ReferenceClassifier.conditions(of: $0) }
    for (s, r) in zip(scored, reference) {
        // A value within rounding of a hard threshold may fall either side of it.
        let nearThreshold = zip(conditions, r.values).contains { c, v in
            switch c.threshold {
            case let .above(t), let .below(t): abs(v - t) <= 1e-9 * max(1, abs(t))
            case let .between(a, b): min(abs(v - a), abs(v - b)) <= 1e-9 * max(1, abs(a), abs(b))
            }
        }
        for (x, y) in zip(s.scores, r.scores) {
            invariant(abs(x - y) <= 1e-9 || nearThreshold, "frame \(s.frame): score \(x) against the reference's \(y)")
        }
    }
    return true
}

/// Eight one-term classes that adapt as the bundled rules do (0.999, 60 s, 1 h):
/// a saved state of the bundled rules is adopted whole. Parsed for each input
/// (the bundled rules took most of the time; kept parsed across inputs, their
/// enum payloads hide pointers from LeakSanitizer, which calls them leaked).
private let siteRulesText = """
    {"format": "tympan-rules", "version": 1, "classes": [
    \(EventClass.allCases.map { """
        {"class": "\($0.label)", "when": [{"feature": "flux_db", "above": 3}], "detector": \
    {"on": 0.8, "off": 0.5, "site_quantile": 0.999, "site_warm_up": 60, "site_memory": 3600}}
    """ }.joined(separator: ",\n"))
    ]}
    """

/// Fuzzed site state files (what `tympan listen` reads at start). What the
/// reader accepts is written back and read again to the same state, and a
/// detector adopts it and detects on with it.
func fuzzSiteState(_ bytes: [UInt8]) -> Bool {
    guard let state = try? SiteState(json: String(decoding: bytes, as: UTF8.self), source: "fuzz") else { return false }
    let again = try? SiteState(json: state.json, source: "written")
    invariant(again == state, "a state read, written and read again differs")
    guard let detector = try? EventDetector(rules: try Rules(json: siteRulesText, source: "site rules")) else {
        fatalError("the target's own rules do not load")
    }
    detector.adoptSite(state)
    var generator = FuzzGenerator(seed: UInt64(bytes.count))
    let samples = (0..<1_600).map { _ in Float(generator.next() % 2_001) / 1_000 - 1 }
    invariant((try? detector.events(in: samples)) != nil, "a detector that adopted the state cannot detect")
    return true
}

/// A seeded generator (the fuzz targets must be deterministic).
struct FuzzGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Fuzzed label files. What the reader accepts, scored against itself, finds
/// every event (event-based F1 1 whenever there is an event).
func fuzzLabels(_ bytes: [UInt8]) -> Bool {
    guard let events = try? Labels.read(String(decoding: bytes, as: UTF8.self), source: "fuzz") else { return false }
    let classes = Array(Set(events.map(\.label))).sorted()
    guard !classes.isEmpty else { return false }
    var metrics = EventBasedMetrics(labels: classes)
    metrics.evaluate(reference: events, estimated: events)
    var segments = SegmentBasedMetrics(labels: classes)
    segments.evaluate(reference: events, estimated: events)
    let f = metrics.results.overall.f1
    invariant(f == 1, "labels against themselves: event-based F1 \(f) for \(events.count) events")
    return true
}

/// Fuzzed audio file bytes (WAV, FLAC, anything libsndfile reads), read as
/// `tympan detect` reads a file (streamed, resampled to 16 kHz, bounded), then
/// as `tympan features` does (whole).
func fuzzAudioFile(_ bytes: [UInt8]) -> Bool {
    let path = scratchFile(bytes)
    defer { unlink(path) }
    guard let stream = try? AudioFileStream(path: path, targetRate: 16_000, chunkFrames: 4_096) else { return false }
    var total = 0
    while let chunk = try? stream.next(), !chunk.isEmpty {
        total += chunk.count
        if total > 16_000 * 600 { return true }
    }
    // Whole, as `tympan features` reads a file (whatever length its header
    // declares); only what the stream read under its cap, so memory stays bounded.
    _ = try? AudioFile.read(path)
    return true
}

/// Raw PCM as `tympan detect --raw` reads standard input: fuzzed encoding,
/// rate, channel count and read size.
func fuzzRawPCM(_ bytes: [UInt8]) -> Bool {
    var input = FuzzInput(bytes)
    let encoding = input.pick(RawPCMStream.Encoding.allCases)
    let rate = input.int(4_000...96_000), channels = input.int(1...8), chunk = input.int(64...65_536)
    let path = scratchFile(input.rest())
    defer { unlink(path) }
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    guard let stream = try? RawPCMStream(descriptor: descriptor, encoding: encoding, sampleRate: rate,
                                         channelCount: channels, targetRate: 16_000, chunkBytes: chunk) else { return false }
    var total = 0
    while let samples = try? stream.next(), !samples.isEmpty {
        total += samples.count
        if total > 16_000 * 600 { break }
    }
    return true
}

/// The bytes in a file of their own under the temporary folder.
private func scratchFile(_ bytes: [UInt8]) -> String {
    var template = Array((NSTemporaryDirectory() + "/tympan-fuzz.XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    precondition(descriptor >= 0, "cannot create a scratch file")
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let wrote = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if wrote <= 0 { break }
            offset += wrote
        }
    }
    close(descriptor)
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
