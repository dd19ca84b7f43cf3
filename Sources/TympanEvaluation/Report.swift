#if canImport(Glibc)
import Glibc
#endif

/// A picture of a clip for the report: log-mel values, frame by frame.
public struct Spectrogram: Sendable {
    public var bands: Int
    public var frames: Int
    /// frames × bands, frame after frame (lowest band first).
    public var values: [Float]
    public var secondsPerFrame: Double

    public init(bands: Int, frames: Int, values: [Float], secondsPerFrame: Double) {
        self.bands = bands
        self.frames = frames
        self.values = values
        self.secondsPerFrame = secondsPerFrame
    }

    public var seconds: Double { Double(frames) * secondsPerFrame }
}

/// One self-contained HTML file (inline SVG and images, nothing fetched):
/// the per-class table, the averages, false alarms per hour, what missed
/// events were taken for, and for each clip a timeline of reference against
/// detected events over its spectrogram. Clips with errors come first.
/// For evaluating labelled clips only: nothing of a sensor's stream goes here.
public enum HTMLReport {
    static let matched = "#2a9d4a", missed = "#d62828", falseAlarm = "#f77f00"

    public static func render(_ e: Evaluation, reference: [LabelledEvent], estimated: [LabelledEvent],
                              spectrograms: [String: Spectrogram], title: String, collar: Double = 0.2) -> String {
        var byRef = [String: [LabelledEvent]](), byEst = [String: [LabelledEvent]]()
        for x in reference { byRef[x.filename, default: []].append(x) }
        for x in estimated { byEst[x.filename, default: []].append(x) }
        func found(_ x: LabelledEvent, in list: [LabelledEvent]) -> Bool {
            list.contains { $0.label == x.label && abs($0.onset - x.onset) <= collar }
        }
        struct Clip { var name: String; var misses: Int; var falseAlarms: Int }
        let clips = e.clips.map { name -> Clip in
            let r = byRef[name] ?? [], d = byEst[name] ?? []
            return Clip(name: name, misses: r.filter { !found($0, in: d) }.count, falseAlarms: d.filter { !found($0, in: r) }.count)
        }.sorted { ($0.misses + $0.falseAlarms, $1.name) > ($1.misses + $1.falseAlarms, $0.name) }

        var html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
            section{margin:18px 0}h3{font-size:14px;margin:4px 0}.key span{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px}
            .ok{color:\(matched)}.bad{color:\(missed)}</style></head><body>
            <h1>\(escape(title))</h1>
            """
        html += "<p>\(e.clips.count) clips\(e.audioSeconds.map { ", \(fixed($0 / 60, 1)) min of audio" } ?? ""); "
            + "event-based (onset collar \(fixed(collar, 1)) s): macro F1 <b>\(fixed(e.event.macroF1, 3))</b>, micro F1 \(fixed(e.event.microF1, 3)), "
            + "error rate \(fixed(e.event.errorRate, 3)); onset + offset macro F1 \(fixed(e.eventOnsetOffset.macroF1, 3)); "
            + "segment-based (1 s) macro F1 \(fixed(e.segment.macroF1, 3)); background-only clips \(e.backgroundClips.count), events on them "
            + "\(e.falseAlarms)\(e.falseAlarmsPerHour.map { " (<b>\(fixed($0, 1))</b> false alarms per hour)" } ?? "").</p>"
        html += "<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>reference</th><th>detected</th><th>found</th></tr>"
        for label in e.labels {
            let c = e.event.classWise[label]!
            if c.ref == 0 && c.sys == 0 { continue }
            html += "<tr><td>\(escape(label))</td><td>\(fixed(c.precision, 3))</td><td>\(fixed(c.recall, 3))</td><td>\(fixed(c.f1, 3))</td>"
                + "<td>\(c.ref)</td><td>\(c.sys)</td><td>\(c.tp)</td></tr>"
        }
        html += "</table>"
        if !e.confusion.isEmpty {
            html += "<h2>Missed events, and what was detected over them</h2><table><tr><th>labelled</th><th>detected over it</th></tr>"
            for ref in e.confusion.keys.sorted() {
                let what = e.confusion[ref]!.keys.sorted().map { "\(escape($0)) \(e.confusion[ref]![$0]!)" }.joined(separator: ", ")
                html += "<tr><td>\(escape(ref))</td><td style=\"text-align:left\">\(what)</td></tr>"
            }
            html += "</table>"
        }
        html += "<h2>Clips</h2><p class=\"key\">Upper row: labels; lower row: detections."
            + "<span style=\"background:\(matched)\"></span>found / correct<span style=\"background:\(missed)\"></span>missed"
            + "<span style=\"background:\(falseAlarm)\"></span>false alarm</p>"
        for clip in clips {
            let r = byRef[clip.name] ?? [], d = byEst[clip.name] ?? []
            let state = clip.misses + clip.falseAlarms == 0 ? "<span class=\"ok\">all right</span>"
                : "<span class=\"bad\">\(clip.misses) missed, \(clip.falseAlarms) false</span>"
            html += "<section><h3>\(escape(clip.name)) — \(state)</h3>"
            html += timeline(r, d, spectrogram: spectrograms[clip.name], found: found)
            html += "</section>"
        }
        return html + "</body></html>\n"
    }

    static func timeline(_ r: [LabelledEvent], _ d: [LabelledEvent], spectrogram: Spectrogram?,
                         found: (LabelledEvent, [LabelledEvent]) -> Bool) -> String {
        let width = 1000.0, imageHeight = spectrogram == nil ? 0.0 : 128.0, lane = 22.0
        let seconds = max(spectrogram?.seconds ?? 0, (r + d).map(\.offset).max() ?? 0, 1)
        let scale = width / seconds
        let height = imageHeight + 2 * lane + 22
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\">"
        if let s = spectrogram {
            svg += "<image x=\"0\" y=\"0\" width=\"\(fixed(s.seconds * scale, 1))\" height=\"\(Int(imageHeight))\" preserveAspectRatio=\"none\" "
                + "href=\"data:image/bmp;base64,\(base64(bitmap(s)))\"/>"
        }
        func bar(_ x: LabelledEvent, y: Double, color: String) -> String {
            let x0 = x.onset * scale, w = max(2, (x.offset - x.onset) * scale)
            return "<rect x=\"\(fixed(x0, 1))\" y=\"\(fixed(y, 1))\" width=\"\(fixed(w, 1))\" height=\"\(Int(lane - 4))\" fill=\"\(color)\" opacity=\"0.85\">"
                + "<title>\(escape(x.label)) \(fixed(x.onset, 3))–\(fixed(x.offset, 3)) s</title></rect>"
                + "<text x=\"\(fixed(x0 + 3, 1))\" y=\"\(fixed(y + lane - 9, 1))\" fill=\"#fff\">\(escape(x.label))</text>"
        }
        for x in r { svg += bar(x, y: imageHeight + 2, color: found(x, d) ? matched : missed) }
        for x in d { svg += bar(x, y: imageHeight + lane + 2, color: found(x, r) ? matched : falseAlarm) }
        var t = 0.0
        while t <= seconds + 1e-9 {
            let x = t * scale
            svg += "<line x1=\"\(fixed(x, 1))\" y1=\"\(fixed(imageHeight + 2 * lane, 1))\" x2=\"\(fixed(x, 1))\" y2=\"\(fixed(imageHeight + 2 * lane + 5, 1))\" stroke=\"#555\"/>"
                + "<text x=\"\(fixed(min(x + 2, width - 20), 1))\" y=\"\(fixed(height - 3, 1))\" fill=\"#555\">\(Int(t)) s</text>"
            t += 1
        }
        return svg + "</svg>"
    }

    /// An 8-bit indexed BMP (bottom-up rows, so the lowest band is at the
    /// bottom), frames averaged down to at most 500 columns, the top 80 dB
    /// of the clip mapped onto a dark-blue-to-yellow ramp.
    static func bitmap(_ s: Spectrogram) -> [UInt8] {
        let step = max(1, (s.frames + 499) / 500)
        let columns = max(1, s.frames / step), rows = s.bands
        var image = [Float](repeating: 0, count: columns * rows)
        for c in 0..<columns {
            for b in 0..<rows {
                var sum: Float = 0
                for k in 0..<step { sum += s.values[(c * step + k) * s.bands + b] }
                image[c * rows + b] = sum / Float(step)
            }
        }
        let top = image.max() ?? 0, floor = top - 80
        let stride = (columns + 3) / 4 * 4
        let paletteSize = 256 * 4, offset = 14 + 40 + paletteSize
        let size = offset + stride * rows
        var out = [UInt8]()
        out.reserveCapacity(size)
        func u16(_ v: Int) { out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
        func u32(_ v: Int) { out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24 & 0xff)] }
        out += [0x42, 0x4d]; u32(size); u32(0); u32(offset)                        // file header
        u32(40); u32(columns); u32(rows); u16(1); u16(8); u32(0); u32(stride * rows) // info header
        u32(2835); u32(2835); u32(256); u32(0)
        let anchors: [(Double, Double, Double)] = [(13, 8, 50), (59, 15, 110), (150, 40, 110), (230, 95, 50), (250, 230, 90)]
        for i in 0..<256 {  // blue, green, red, 0
            let x = Double(i) / 255 * Double(anchors.count - 1)
            let k = min(anchors.count - 2, Int(x)), f = x - Double(k)
            let a = anchors[k], b = anchors[k + 1]
            out += [UInt8(a.2 + (b.2 - a.2) * f), UInt8(a.1 + (b.1 - a.1) * f), UInt8(a.0 + (b.0 - a.0) * f), 0]
        }
        for b in 0..<rows {
            for c in 0..<columns {
                let v = (image[c * rows + b] - floor) / 80
                out.append(UInt8(max(0, min(255, (v * 255).rounded()))))
            }
            out += [UInt8](repeating: 0, count: stride - columns)
        }
        return out
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i]), b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(table[b0 >> 2])
            out.append(table[(b0 & 3) << 4 | b1 >> 4])
            out.append(i + 1 < bytes.count ? table[(b1 & 15) << 2 | b2 >> 6] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[b2 & 63] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func fixed(_ x: Double, _ places: Int) -> String {
        guard x.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let v = (abs(x) * scale).rounded()
        let whole = Int(v / scale), frac = Int(v - Double(whole) * scale)
        let digits = places == 0 ? "" : "." + String(repeating: "0", count: places - String(frac).count) + String(frac)
        return (x < 0 && v != 0 ? "-" : "") + String(whole) + digits
    }
}
