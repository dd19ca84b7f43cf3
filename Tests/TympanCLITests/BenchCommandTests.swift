import Foundation
import Testing

@Suite struct BenchCommandTests {
    @Test("bench --json: the stages of the issue with a real-time factor and µs per frame that agree with each other")
    func json() throws {
        let r = try CLI.run(["bench", "--seconds", "2", "--repeat", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        #expect(o["audio_seconds"] as? Int == 2 && o["frames"] as? Int == 201)
        let stages = o["stages"] as! [String: [String: Double]]
        #expect(Set(stages.keys) == ["log_mel", "descriptors", "full_pipeline"])
        for (name, s) in stages {
            let rtf = s["rtf"]!, us = s["us_per_frame"]!
            #expect(rtf > 0 && us > 0, "\(name)")
            // rtf = 2 s / wall, us = wall / 201 frames: their product is fixed (rounding aside).
            #expect(abs(rtf * us - 2e6 / 201) / (2e6 / 201) < 0.02, "\(name): \(rtf) x \(us)")
        }
        #expect(stages["full_pipeline"]!["us_per_frame"]! > stages["log_mel"]!["us_per_frame"]!, "the whole costs more than a part")
    }
}
