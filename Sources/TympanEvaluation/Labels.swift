/// One labelled (or detected) event of a clip: a DCASE TSV row.
public struct LabelledEvent: Sendable, Equatable {
    public var filename: String
    public var onset: Double
    public var offset: Double
    public var label: String

    public init(filename: String, onset: Double, offset: Double, label: String) {
        self.filename = filename
        self.onset = onset
        self.offset = offset
        self.label = label
    }
}

/// A labels file that cannot be read: which file, which line, what is wrong.
public struct LabelsError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var line: Int
    public var reason: String

    public var description: String { "\(source):\(line): \(reason)" }
}

/// DCASE TSV: `filename<TAB>onset<TAB>offset<TAB>event_label`, an optional
/// header line (`filename ...`), CRLF or LF, spaces around fields ignored;
/// a bad number, a missing field, onset after offset, a time past
/// `maximumSeconds`: an error naming the line.
/// Empty lines are skipped. A row with only a filename names a clip with no events.
public enum Labels {
    /// The latest onset or offset a label may have: one week, in seconds. A clip is
    /// scored in one-second segments, so a time is also an array length.
    public static let maximumSeconds = 604_800.0

    public static func read(_ text: String, source: String) throws(LabelsError) -> [LabelledEvent] {
        var out = [LabelledEvent]()
        // "\r\n" is one Character in Swift: split on either ending.
        for (k, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { trim($0) }
            if fields.allSatisfy(\.isEmpty) { continue }
            if k == 0, fields.first == "filename" { continue }  // header
            if fields.count == 1 { continue }                   // a clip with no events
            guard fields.count >= 4 else {
                throw LabelsError(source: source, line: k + 1,
                                  reason: "expected filename, onset, offset, event_label separated by tabs; found \(fields.count) field(s)")
            }
            guard let onset = Double(fields[1]), onset.isFinite, onset >= 0 else {
                throw LabelsError(source: source, line: k + 1, reason: "onset '\(fields[1])' is not a number of seconds ≥ 0")
            }
            guard let offset = Double(fields[2]), offset.isFinite else {
                throw LabelsError(source: source, line: k + 1, reason: "offset '\(fields[2])' is not a number of seconds")
            }
            guard offset <= maximumSeconds else {
                throw LabelsError(source: source, line: k + 1,
                                  reason: "offset \(fields[2]) is past \(Int(maximumSeconds)) s (one week), the latest time a label may have")
            }
            guard offset >= onset else {
                throw LabelsError(source: source, line: k + 1, reason: "offset \(fields[2]) is before onset \(fields[1])")
            }
            guard !fields[0].isEmpty, !fields[3].isEmpty else {
                throw LabelsError(source: source, line: k + 1, reason: "empty filename or event_label")
            }
            out.append(LabelledEvent(filename: fields[0], onset: onset, offset: offset, label: fields[3]))
        }
        return out
    }

    /// The events as DCASE TSV lines (no header).
    public static func tsv(_ events: [LabelledEvent]) -> String {
        events.map { "\($0.filename)\t\($0.onset)\t\($0.offset)\t\($0.label)\n" }.joined()
    }

    private static func trim(_ s: Substring) -> String {
        var t = s
        while let c = t.first, c == " " || c == "\r" { t.removeFirst() }
        while let c = t.last, c == " " || c == "\r" { t.removeLast() }
        return String(t)
    }
}
