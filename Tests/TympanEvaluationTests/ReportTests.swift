import Foundation
import Testing
@testable import TympanEvaluation

@Suite struct ReportTests {
    @Test("The spectrogram bitmap is a valid 8-bit BMP, lowest band in the bottom row, and base64 decodes to it")
    func bitmap() throws {
        // 3 bands x 1000 frames: band 0 loud, band 2 quiet.
        var values = [Float]()
        for _ in 0..<1000 { values += [0, -40, -80] }
        let s = Spectrogram(bands: 3, frames: 1000, values: values, secondsPerFrame: 0.01)
        let bmp = HTMLReport.bitmap(s)
        let u32 = { (o: Int) in Int(bmp[o]) | Int(bmp[o + 1]) << 8 | Int(bmp[o + 2]) << 16 | Int(bmp[o + 3]) << 24 }
        #expect(bmp[0] == 0x42 && bmp[1] == 0x4d && u32(2) == bmp.count)
        #expect(u32(18) == 500 && u32(22) == 3, "1000 frames averaged down to 500 columns, 3 rows")
        let pixels = u32(10)
        #expect(bmp[pixels] == 255 && bmp[pixels + 500] == 128 && bmp[pixels + 1000] == 0, "bottom row first: the loudest band")
        #expect(Data(base64Encoded: HTMLReport.base64(bmp)) == Data(bmp))
        for n in 0..<5 {
            let bytes = [UInt8](repeating: 0xa5, count: n)
            #expect(Data(base64Encoded: HTMLReport.base64(bytes)) == Data(bytes), "padding for \(n) bytes")
        }
    }

    @Test("The report is one self-contained file: its table, every clip, nothing fetched; names are escaped")
    func html() {
        let reference = [LabelledEvent(filename: "a<b>.wav", onset: 1, offset: 2, label: "gunshot"),
                         LabelledEvent(filename: "c.wav", onset: 3, offset: 5, label: "scream")]
        let estimated = [LabelledEvent(filename: "a<b>.wav", onset: 1.05, offset: 1.5, label: "gunshot"),
                         LabelledEvent(filename: "c.wav", onset: 6, offset: 7, label: "whistle")]
        let e = Evaluation(reference: reference, estimated: estimated)
        let s = Spectrogram(bands: 4, frames: 100, values: [Float](repeating: -20, count: 400), secondsPerFrame: 0.1)
        let html = HTMLReport.render(e, reference: reference, estimated: estimated, spectrograms: ["c.wav": s], title: "t")
        #expect(html.contains("a&lt;b&gt;.wav") && !html.contains("a<b>.wav"))
        #expect(html.components(separatedBy: "<section>").count - 1 == 2)
        #expect(html.components(separatedBy: "data:image/bmp;base64,").count - 1 == 1)
        #expect(html.contains("c.wav — <span class=\"bad\">1 missed, 1 false</span>"))
        #expect(!html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"), "nothing fetched")
        // The clip with errors comes first.
        #expect(html.range(of: "c.wav")!.lowerBound < html.range(of: "a&lt;b&gt;.wav —")!.lowerBound)
    }
}
