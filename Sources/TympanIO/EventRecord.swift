import Tympan

/// What leaves a sensor: who heard what, when, how long, how sure, how loud.
/// Built from a `SoundEvent` alone; it has no field that could carry audio,
/// spectra or features.
public struct EventRecord: Sendable, Equatable {
    public var sensor: String
    /// UTC time of the onset, in seconds since 1970-01-01.
    public var time: Double
    /// Seconds from the start of the stream.
    public var onset: Double
    public var offset: Double
    public var eventClass: EventClass
    public var confidence: Double
    /// Peak A-weighted level during the event, dB (dB SPL with a calibration).
    public var level: Double
    /// The rule terms at the event's strongest frame (only with `--explain`).
    public var explanation: [Explanation]?
    /// The event's own unique id (`tympan listen`: the same id on every
    /// delivery, so that a consumer can drop duplicates); nil for `detect`.
    public var id: String?

    /// The keys of a JSON record, in order (`explanation` only when explained;
    /// `id` first when the record has one).
    public static let keys = ["sensor", "time", "onset", "offset", "class", "class_id", "confidence", "level_db"]

    public init(_ event: SoundEvent, sensor: String, streamStart: Double, explain: Bool = false) {
        self.sensor = sensor
        time = streamStart + event.onsetSeconds
        onset = event.onsetSeconds
        offset = event.offsetSeconds
        eventClass = event.eventClass
        confidence = event.confidence
        level = event.peakLevel
        explanation = explain ? event.explanation : nil
    }

    /// One JSON object on one line, keys in the order of `keys`.
    public var json: String {
        var fields = [
            "\"sensor\":\(jsonString(sensor))",
            "\"time\":\"\(utcTimestamp(time))\"",
            "\"onset\":\(decimal(onset, 3))",
            "\"offset\":\(decimal(offset, 3))",
            "\"class\":\"\(eventClass.label)\"",
            "\"class_id\":\(eventClass.id)",
            "\"confidence\":\(decimal(confidence, 3))",
            "\"level_db\":\(decimal(level, 1))",
        ]
        if let id { fields.insert("\"id\":\(jsonString(id))", at: 0) }
        if let explanation {
            let terms = explanation.map {
                "{\"term\":\(jsonString($0.term)),\"value\":\(decimal($0.value, 3)),\"score\":\(decimal($0.score, 3))"
                    + ($0.weight.map { ",\"weight\":\(decimal($0, 3))" } ?? "") + "}"
            }
            fields.append("\"explanation\":[\(terms.joined(separator: ","))]")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A DCASE line: filename, onset, offset, label.
    public func tsv(filename: String) -> String {
        "\(filename)\t\(decimal(onset, 3))\t\(decimal(offset, 3))\t\(eventClass.label)"
    }
}

/// A fixed-point decimal (no exponent, no trailing zeros past the point).
package func decimal(_ x: Double, _ places: Int) -> String {
    guard x.isFinite else { return "null" }
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    let whole = Int(scaled / scale)
    var fraction = Int(scaled - Double(whole) * scale)
    var text = (x < 0 && scaled != 0 ? "-" : "") + String(whole)
    if fraction > 0 {
        var digits = String(fraction)
        digits = String(repeating: "0", count: places - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast(); fraction /= 10 }
        text += "." + digits
    }
    return text
}

package func jsonString(_ s: String) -> String { JSONValue.quote(s) }

/// ISO 8601 UTC with milliseconds, e.g. 2026-11-30T03:45:33.123Z.
public func utcTimestamp(_ epochSeconds: Double) -> String {
    utcTimestamp(milliseconds: Int64((epochSeconds * 1000).rounded(.down)))
}

/// ISO 8601 UTC of a whole number of milliseconds since 1970, exactly.
public func utcTimestamp(milliseconds: Int64) -> String {
    var days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
    let dayMilliseconds = milliseconds - days * 86_400_000
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    days += 719_468
    let era = (days >= 0 ? days : days - 146_096) / 146_097
    let dayOfEra = days - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ v: Int64, _ n: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, n - s.count)) + s
    }
    let h = dayMilliseconds / 3_600_000, m = dayMilliseconds / 60_000 % 60
    let s = dayMilliseconds / 1000 % 60, ms = dayMilliseconds % 1000
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(ms, 3))Z"
}
