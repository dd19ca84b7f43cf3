import ArgumentParser
import Tympan
import TympanIO

// Site maps (`tympan evaluate --site-map`, `tympan calibrate --site-map`): each clip
// is detected after a recording of the place it was made, so that a detector
// whose rules adapt to their site (`site_quantile`) starts from what it learned there.

/// A site map: clip filename, tab, recording path per line (an optional header).
func readSiteMap(_ path: String) throws -> [String: String] {
    var map = [String: String]()
    for (n, line) in try readTextFile(path, kind: "site map").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let text = line.hasSuffix("\r") ? line.dropLast() : line
        if text.allSatisfy({ $0 == " " }) || (n == 0 && text.hasPrefix("filename\t")) { continue }
        let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
            throw ValidationError("\(path):\(n + 1): expected a clip filename and a site recording separated by a tab")
        }
        map[String(fields[0])] = String(fields[1])
    }
    return map
}

/// A site map read, and what was learned of each site recording (each listened to once).
struct Sites {
    let model: DetectionModel
    let map: [String: String]
    private var learned = [String: SiteState]()

    init(_ path: String?, model: DetectionModel) throws {
        self.model = model
        map = try path.map(readSiteMap) ?? [:]
    }

    /// What a detector had learned of the clip's site before it; nil for a clip with no site.
    mutating func state(for clip: String) throws -> SiteState? {
        guard let recording = map[clip] else { return nil }
        if let known = learned[recording] { return known }
        let state = try listenToSite(recording, model: model)
        learned[recording] = state
        return state
    }
}

/// What a detector learns of a site by listening to a recording made there.
func listenToSite(_ recording: String, model: DetectionModel) throws -> SiteState {
    let stream = try AudioFileStream(path: recording, targetRate: model.configuration.sampleRate)
    let detector = try EventDetector(model: model)
    while true {
        let chunk = try stream.next()
        if chunk.isEmpty { break }
        _ = try detector.append(chunk)
    }
    _ = try detector.finish()
    return detector.site
}
