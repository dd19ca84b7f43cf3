import Foundation
import Testing
import TestSupport
import Tympan
import TympanSensor
@testable import TympanPlatform

@Suite struct CommitTimesTests {
    @Test("Commit-time quantiles are the upper edges of 0.1 ms buckets; past 100 ms, the longest")
    func quantiles() {
        var t = CommitTimes()
        #expect(t.quantile(0.99) == nil)
        for i in 0..<100 { t.add(Double(i) * 1e-4 + 5e-5) }  // 0.05 ms, 0.15 ms, ... 9.95 ms
        #expect(t.quantile(0.5) == 50e-4)
        #expect(t.quantile(0.99) == 99e-4)
        #expect(t.quantile(1) == 100e-4)
        t.add(0.25)
        #expect(t.quantile(1) == 0.25 && t.longest == 0.25)
    }
}
