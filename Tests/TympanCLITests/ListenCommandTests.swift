import Foundation
import TestSupport
import Testing
import Tympan
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

/// `tympan listen` against a real mosquitto broker on loopback.
///
/// One test at a time: each waits for its daemon and broker by polling with
/// sleeps, which holds one of the threads that async tests share (as many as
/// cores). Nine at once held both threads of a two-core machine for tens of
/// seconds, and the platform's PostgreSQL tests, starved, failed with "no
/// connection within 10 s" in a CI run.
@Suite(.serialized) struct ListenCommandTests {
    /// Three scenes with events (drill, whistles, gunshot, ...): 30 s of audio.
    static let scenes = ["test_0009.flac", "test_0006.flac", "test_0004.flac"].map { CLI.path("scenes/test/\($0)") }

    /// What `tympan detect` finds in the same bytes: (class, onset, offset).
    static func expected(_ bytes: Data) throws -> [String] {
        let result = try CLI.run(["detect", "--raw", "s16le", "--rate", "16000", "-"], input: bytes, chunk: 65_536)
        #expect(result.status == 0, "\(result.stderr)")
        return CLI.text(result.stdout).split(separator: "\n").map { line in
            let o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return key(o)
        }
    }

    static func key(_ o: [String: Any]) -> String {
        "\(o["class"]!) \(o["onset"]!) \(o["offset"]!)"
    }

    /// The events in order of first arrival, duplicates (same id) dropped.
    static func unique(_ events: [[String: Any]]) -> [[String: Any]] {
        var seen = Set<String>()
        return events.filter { seen.insert($0["id"] as! String).inserted }
    }

    /// The sequence numbers of ids "<run>-<n>".
    static func sequence(_ events: [[String: Any]]) -> [Int] {
        events.map { Int(($0["id"] as! String).split(separator: "-").last!)! }
    }

    /// A broker on a free loopback port and a subscriber on tympan/#, subscribed.
    static func platform(_ folder: URL) throws -> (Broker, Subscriber) {
        let broker = Broker(folder: folder)
        try broker.start()
        let subscriber = try Subscriber(port: broker.port, folder: folder)
        usleep(300_000)
        return (broker, subscriber)
    }

    func spoolFiles(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test("Every event of a streamed scene arrives with its class, times and a unique id; status and health too")
    func eventsArrive() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (broker, subscriber) = try Self.platform(folder)
        let bytes = try Self.scenes.map(MQTTTest.s16le).reduce(Data(), +)
        let expected = try Self.expected(bytes)
        #expect(expected.count >= 5)
        let before = Date().timeIntervalSince1970
        let daemon = try Daemon(["--sensor", "street-7", "--broker", "mqtt://127.0.0.1:\(broker.port)",
                                 "--spool", folder.appendingPathComponent("spool").path, "--health-interval", "10",
                                 "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
        daemon.write(bytes)
        daemon.closeInput()
        #expect(daemon.exitStatus() == 0, "\(daemon.log)")
        MQTTTest.wait(20) { subscriber.events.count >= expected.count && subscriber.messages.last?.payload == "offline" }
        let events = Self.unique(subscriber.events)
        #expect(events.map(Self.key) == expected)
        #expect(Self.sequence(events) == Array(1...max(1, events.count)))
        for e in events {
            #expect(Set(e.keys) == Set(EventRecord.keys + ["id"]))
            #expect(e["sensor"] as? String == "street-7")
            // time = stream start (when the first sample came) + onset
            let start = parseUTCForTest(e["time"] as! String) - (e["onset"] as! Double)
            #expect(start >= before - 0.01 && start <= Date().timeIntervalSince1970, "\(e)")
            let first = parseUTCForTest(events[0]["time"] as! String) - (events[0]["onset"] as! Double)
            #expect(abs(start - first) < 0.002)
        }
        let status = subscriber.messages.filter { $0.topic == "tympan/street-7/status" }.map(\.payload)
        #expect(status.first == "online" && status.last == "offline")
        let health = subscriber.messages.filter { $0.topic == "tympan/street-7/health" }
            .map { try! JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any] }
        #expect(health.count == 3, "one report per 10 s of audio")
        for h in health {
            #expect(h["frames"] as? Int ?? 0 >= 990)
            let leq = h["leq_dba"] as! Double, peak = h["max_dba"] as! Double
            #expect(leq < peak && leq > -80, "\(h)")
            #expect(h["spool_depth"] != nil && h["cpu_seconds"] != nil && h["frames_dropped"] as? Int == 0)
        }
        #expect(spoolFiles(folder.appendingPathComponent("spool")).isEmpty, "acknowledged events leave the spool")
        // What it learned of its site stays, by default beside the events (not taken for one).
        let site = folder.appendingPathComponent("spool/site-state")
        #expect((try? SiteState(json: String(contentsOf: site, encoding: .utf8)))?.secondsLearned.compactMap { $0 }.count == 8)
        // The broker keeps the last status for whoever subscribes later.
        let late = try Subscriber(port: broker.port, folder: folder)
        #expect(MQTTTest.wait(10) { late.messages.contains { $0.topic == "tympan/street-7/status" && $0.payload == "offline" } })
    }

    @Test("The broker stops mid-stream and comes back: every event arrives, in order, no id missing")
    func brokerOutage() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (broker, subscriber) = try Self.platform(folder)
        let parts = try Self.scenes.map(MQTTTest.s16le)
        let expected = try Self.expected(parts.reduce(Data(), +))
        let spool = folder.appendingPathComponent("spool")
        let config = folder.appendingPathComponent("sensor.json")
        try """
            {"sensor": "s-outage", "broker": "mqtt://127.0.0.1:\(broker.port)", "spool": "spool", "reconnect_max": 1}
            """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Daemon(["--config", config.path, "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
        daemon.write(parts[0])
        #expect(MQTTTest.wait { !subscriber.events.isEmpty }, "\(daemon.log)")
        broker.stop()
        daemon.write(parts[1])
        // The daemon notices the outage in its network loop ("connection lost") or, when an event is
        // ready first, in the publish that fails ("cannot publish"): which one comes first is a race.
        #expect(MQTTTest.wait {
            !spoolFiles(spool).isEmpty && (daemon.log.contains("connection lost") || daemon.log.contains("cannot publish"))
        }, "\(daemon.log)")
        let spooledWhileDown = spoolFiles(spool).count
        try broker.start()
        daemon.write(parts[2])
        daemon.closeInput()
        #expect(daemon.exitStatus() == 0, "\(daemon.log)")
        MQTTTest.wait(30) { Self.unique(subscriber.events).count >= expected.count }
        let events = Self.unique(subscriber.events)
        #expect(spooledWhileDown > 0)
        #expect(events.map(Self.key) == expected, "\(daemon.log)")
        #expect(Self.sequence(events) == Array(1...max(1, events.count)), "in order, none missing")
        #expect(daemon.log.contains("connected to mqtt://127.0.0.1:\(broker.port) again"), "\(daemon.log)")
        #expect(spoolFiles(spool).isEmpty)
    }

    @Test("kill -9 mid-stream with the broker away: the restarted daemon delivers what was spooled")
    func killAndRestart() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let broker = Broker(folder: folder)  // not started yet: nobody listens on its port
        let spool = folder.appendingPathComponent("spool")
        let arguments = ["--sensor", "s-kill", "--broker", "mqtt://127.0.0.1:\(broker.port)", "--spool", spool.path,
                         "--raw", "s16le", "--rate", "16000", "-"]
        let parts = try Self.scenes.map(MQTTTest.s16le)
        let first = try Daemon(arguments, folder: folder)
        first.write(parts[0] + parts[1])
        #expect(MQTTTest.wait { spoolFiles(spool).count >= 3 }, "\(first.log)")
        first.signal(SIGKILL)
        _ = first.exitStatus()
        let spooled = spoolFiles(spool).compactMap { name -> String? in
            let text = try? String(contentsOf: spool.appendingPathComponent(name), encoding: .utf8)
            let o = text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            return o?["id"] as? String
        }
        #expect(spooled.count >= 3)
        #expect(first.log.contains("Connection refused"), "\(first.log)")

        try broker.start()
        let subscriber = try Subscriber(port: broker.port, folder: folder)
        usleep(300_000)
        let second = try Daemon(arguments, folder: folder)
        second.write(parts[2])
        second.closeInput()
        #expect(second.exitStatus() == 0, "\(second.log)")
        #expect(second.log.contains("left in the spool by an earlier run"), "\(second.log)")
        let afterRestart = try Self.expected(parts[2]).count
        MQTTTest.wait(20) { Self.unique(subscriber.events).count >= spooled.count + afterRestart }
        let ids = Self.unique(subscriber.events).map { $0["id"] as! String }
        #expect(Array(ids.prefix(spooled.count)) == spooled, "the spool first, oldest first")
        #expect(ids.count == spooled.count + afterRestart)
        #expect(spoolFiles(spool).isEmpty)
    }

    @Test("TLS with a throwaway CA and a password file; wrong password, wrong CA, no broker: clear lines, events spool")
    func tlsAndFailures() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try MQTTTest.makeCertificates(in: folder, name: "ca")
        let other = try MQTTTest.makeCertificates(in: folder, name: "other")
        let passwords = folder.appendingPathComponent("passwd").path
        let mosquittoPasswd = Process()
        mosquittoPasswd.executableURL = URL(fileURLWithPath: try MQTTTest.program("mosquitto_passwd"))
        mosquittoPasswd.arguments = ["-c", "-b", passwords, "sensor", "s3cret pass"]
        try mosquittoPasswd.run()
        mosquittoPasswd.waitUntilExit()
        let broker = Broker(folder: folder, settings: ["allow_anonymous false", "password_file \(passwords)",
                                                       "cafile \(good.ca)", "certfile \(good.cert)", "keyfile \(good.key)"])
        try broker.start()
        let subscriber = try Subscriber(port: broker.port, folder: folder,
                                        extra: ["--cafile", good.ca, "-u", "sensor", "-P", "s3cret pass"])
        usleep(500_000)
        let rightPassword = folder.appendingPathComponent("right.txt"), wrongPassword = folder.appendingPathComponent("wrong.txt")
        try "s3cret pass\n".write(to: rightPassword, atomically: true, encoding: .utf8)
        try "guess\n".write(to: wrongPassword, atomically: true, encoding: .utf8)
        let bytes = try MQTTTest.s16le(Self.scenes[0])
        let expected = try Self.expected(bytes)

        func run(_ name: String, ca: String, password: URL, port: Int) throws -> (Daemon, URL) {
            let spool = folder.appendingPathComponent("spool-\(name)")
            let daemon = try Daemon(["--sensor", name, "--broker", "mqtts://127.0.0.1:\(port)", "--ca-file", ca,
                                     "--username", "sensor", "--password-file", password.path, "--spool", spool.path,
                                     "--drain", "2", "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
            daemon.write(bytes)
            daemon.closeInput()
            #expect(daemon.exitStatus() == 0, "detection goes on whatever the broker says: \(daemon.log)")
            return (daemon, spool)
        }

        let (ok, okSpool) = try run("tls-ok", ca: good.ca, password: rightPassword, port: broker.port)
        #expect(MQTTTest.wait(20) { subscriber.events.filter { $0["sensor"] as? String == "tls-ok" }.count >= expected.count })
        #expect(Self.unique(subscriber.events.filter { $0["sensor"] as? String == "tls-ok" }).map(Self.key) == expected, "\(ok.log)")
        #expect(spoolFiles(okSpool).isEmpty)

        let (badPassword, badPasswordSpool) = try run("tls-badpw", ca: good.ca, password: wrongPassword, port: broker.port)
        #expect(badPassword.log.contains("refused the connection") && badPassword.log.contains("not authorised"), "\(badPassword.log)")
        #expect(spoolFiles(badPasswordSpool).count == expected.count)

        let (badCA, badCASpool) = try run("tls-badca", ca: other.ca, password: rightPassword, port: broker.port)
        #expect(badCA.log.contains("certificate verify failed"), "\(badCA.log)")
        #expect(spoolFiles(badCASpool).count == expected.count)

        let (nobody, nobodySpool) = try run("no-broker", ca: good.ca, password: rightPassword, port: MQTTTest.freePort())
        #expect(nobody.log.contains("Connection refused") && nobody.log.contains("event(s) spooled"), "\(nobody.log)")
        #expect(nobody.log.contains("stay in the spool"), "\(nobody.log)")
        #expect(spoolFiles(nobodySpool).count == expected.count)
        #expect(!subscriber.events.contains { ["tls-badpw", "tls-badca", "no-broker"].contains($0["sensor"] as? String ?? "") })
    }

    @Test("SIGTERM mid-event closes it, delivers it and says offline; SIGHUP reloads the rules, a bad file keeps them")
    func signals() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (broker, subscriber) = try Self.platform(folder)
        let rulesFile = folder.appendingPathComponent("rules.json")
        let bundled = try CLI.run(["rules"])
        try bundled.stdout.write(to: rulesFile)
        let bytes = try MQTTTest.s16le(Self.scenes[0])  // a drill from 0.7 s to 4.4 s
        let daemon = try Daemon(["--sensor", "s-sig", "--broker", "mqtt://127.0.0.1:\(broker.port)", "--rules", rulesFile.path,
                                 "--spool", folder.appendingPathComponent("spool").path, "--stdout",
                                 "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
        daemon.write(bytes.prefix(32_000 * 2))  // 2 s: the drill has begun, not ended
        #expect(MQTTTest.wait(10) { daemon.log.contains("connected") }, "\(daemon.log)")
        try "{\"format\": \"tympan-rules\", \"version\": 1, \"classes\": [{\"class\": \"drill\", \"whne\": []}]}"
            .write(to: rulesFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(MQTTTest.wait(10) { daemon.log.contains("rules not reloaded") }, "\(daemon.log)")
        #expect(daemon.log.contains("whne"), "the error names the bad key: \(daemon.log)")
        try bundled.stdout.write(to: rulesFile)
        daemon.signal(SIGHUP)
        #expect(MQTTTest.wait(10) { daemon.log.contains("rules reloaded") }, "\(daemon.log)")
        daemon.write(bytes.dropFirst(32_000 * 2).prefix(16_000 * 2))  // to 3 s: a drill again under the new rules
        usleep(500_000)
        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus(within: 20) == 0, "\(daemon.log)")
        #expect(daemon.log.contains("SIGTERM"))
        MQTTTest.wait(10) { subscriber.messages.contains { $0.topic == "tympan/s-sig/status" && $0.payload == "offline" } }
        let events = subscriber.events
        #expect(events.contains { $0["class"] as? String == "drill" }, "the open drill closed at SIGTERM: \(daemon.log)")
        #expect(events.allSatisfy { ($0["offset"] as! Double) <= 3.01 })
        #expect(subscriber.messages.last { $0.topic == "tympan/s-sig/status" }?.payload == "offline")
        #expect(daemon.stdout.split(separator: "\n").count == events.count, "--stdout prints the same records")
    }

    /// The inodes of the TCP sockets a process has open in LISTEN state.
    static func listeningSockets(of pid: Int32) -> [String] {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let inodes = Set(fds.compactMap { fd -> String? in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? ""
            return target.hasPrefix("socket:[") ? String(target.dropFirst(8).dropLast()) : nil
        })
        var listening = [String]()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let rows = ((try? String(contentsOfFile: table, encoding: .utf8)) ?? "").split(separator: "\n").dropFirst()
            for row in rows {
                let f = row.split(separator: " ")
                if f.count > 9, f[3] == "0A", inodes.contains(String(f[9])) { listening.append(String(f[9])) }  // 0A: LISTEN
            }
        }
        return listening
    }

    @Test("kill -9 while connected: the broker publishes the last will 'offline'; the daemon listens on no port")
    func lastWill() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (broker, subscriber) = try Self.platform(folder)
        let daemon = try Daemon(["--sensor", "s-will", "--broker", "mqtt://127.0.0.1:\(broker.port)",
                                 "--spool", folder.appendingPathComponent("spool").path,
                                 "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
        daemon.write(try MQTTTest.s16le(Self.scenes[0]).prefix(64_000))
        #expect(MQTTTest.wait(10) { subscriber.messages.contains { $0.topic == "tympan/s-will/status" && $0.payload == "online" } })
        let pid = daemon.process.processIdentifier
        #expect(FileManager.default.fileExists(atPath: "/proc/\(pid)/fd"))
        #expect(Self.listeningSockets(of: pid).isEmpty, "the daemon only connects out")
        #expect(Self.listeningSockets(of: try #require(broker.pid)).count == 1, "the check sees a listener when there is one")
        daemon.signal(SIGKILL)
        #expect(MQTTTest.wait(10) { subscriber.messages.last { $0.topic == "tympan/s-will/status" }?.payload == "offline" },
                "the broker sends the will when the connection dies")
    }

    @Test("With no broker (--stdout only), a stream longer than the health interval ends and loses nothing")
    func stdoutOnlyPastHealthInterval() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scene = try MQTTTest.s16le(Self.scenes[0])
        // Before the fix the daemon spun at each interval's end, as no health report moved it on.
        let daemon = try Daemon(["--stdout", "--health-interval", "1", "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
        daemon.write(scene, chunk: 65_536)
        daemon.closeInput()
        #expect(daemon.exitStatus(within: 60) == 0, "\(daemon.log)")
        let events = daemon.stdout.split(separator: "\n").map { Self.key(try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]) }
        let expected = try Self.expected(scene)
        #expect(!expected.isEmpty && events == expected)
    }

    /// Each class's frames learned, from a site state file.
    static func framesLearned(_ file: URL) throws -> [String: Int] {
        let o = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(o["format"] as? String == "tympan-site")
        let classes = try #require(o["classes"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: classes.map { ($0["class"] as! String, $0["frames"] as! Int) })
    }

    @Test("What the detector learned of its site outlives a restart: written while it runs and at the end, read at the next start; a damaged file is logged and replaced")
    func siteStateAcrossRestarts() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("site.json"), config = folder.appendingPathComponent("sensor.json")
        try #"{"sensor": "s-site", "site_state": "site.json", "site_save_interval": 10}"#.write(to: config, atomically: false, encoding: .utf8)
        let arguments = ["--config", config.path, "--stdout", "--raw", "s16le", "--rate", "16000", "-"]
        let scene = try Self.scenes.map(MQTTTest.s16le).reduce(Data(), +)  // 30 s
        func events(_ daemon: Daemon) -> [String] {
            daemon.stdout.split(separator: "\n").map { Self.key(try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]) }
        }

        // Fresh: 90 s of the scenes. The state is written every 10 s of audio, before the end.
        let first = try Daemon(arguments, folder: folder)
        for _ in 0..<3 { first.write(scene, chunk: 65_536) }
        #expect(MQTTTest.wait(30) { (try? Self.framesLearned(state))?.values.min() ?? 0 > 5_000 }, "\(first.log)")
        first.closeInput()
        #expect(first.exitStatus() == 0, "\(first.log)")
        #expect(first.log.contains("site state: none at \(state.path) yet"), "\(first.log)")
        let learned = try Self.framesLearned(state)
        #expect(learned.count == 8 && learned.values.allSatisfy { (8_900...9_100).contains($0) }, "\(learned)")

        // Restarted on the scenes once more: it goes on from the 90 s, and excuses what it learned is usual here.
        let second = try Daemon(arguments, folder: folder)
        second.write(scene, chunk: 65_536)
        second.closeInput()
        #expect(second.exitStatus() == 0, "\(second.log)")
        #expect(second.log.contains("site state: 8 of 8 classes resumed from \(state.path)"), "\(second.log)")
        let after = try Self.framesLearned(state)
        #expect(after.keys.allSatisfy { after[$0]! - learned[$0]! > 2_900 }, "\(learned) then \(after)")
        let fresh = try Self.expected(scene)
        #expect(!fresh.isEmpty && events(second).count < fresh.count, "\(events(second)) vs \(fresh)")

        // A damaged file: said, the site learned from the start (the events of a fresh detector), the file replaced.
        try "{\"format\": \"tympan-site\",".write(to: state, atomically: false, encoding: .utf8)
        let third = try Daemon(arguments, folder: folder)
        third.write(scene, chunk: 65_536)
        third.closeInput()
        #expect(third.exitStatus() == 0, "\(third.log)")
        #expect(third.log.contains("site state: \(state.path):1:") && third.log.contains("learning this site from the start"),
                "\(third.log)")
        #expect(events(third) == fresh)
        #expect(try Self.framesLearned(state).values.allSatisfy { (2_900...3_100).contains($0) })
    }

    @Test("Configuration errors stop the start before any audio is read, naming key and line, exit status 2", arguments: [
        ("{\"sensor\": \"a\",\n \"brokr\": \"mqtt://x:1\"}", "sensor.json:2: brokr: unknown key (did you mean 'broker'?)"),
        ("{\"broker\": \"http://x:1\", \"spool\": \"s\"}", "'http://x:1' is not mqtt://host:port"),
        ("{\"broker\": \"mqtt://127.0.0.1:1\"}", "a broker needs a spool folder"),
        ("{\"broker\": \"mqtts://127.0.0.1:1\", \"spool\": \"s\"}", "an mqtts:// broker needs the CA"),
        ("{\"sensor\": \"a/b\", \"broker\": \"mqtt://127.0.0.1:1\", \"spool\": \"s\"}", "may only hold letters"),
        ("{\"health_interval\": 0}", "health_interval: 0.0 is outside 1.0...86400.0"),
        ("{\"latitude\": \"north\"}", "latitude: expected a number, found a string"),
        ("{\"broker\": \"mqtt://127.0.0.1:1\", \"spool\": \"s\", \"username\": \"u\", \"password_file\": \"missing.txt\"}",
         "password_file: cannot read"),
        ("{\"rules\": \"nothing.json\"}", "rules: cannot read"),
        ("{\"sensor\": \"a\",", "sensor.json:1:"),
        ("{\"site_save_interval\": 1}", "site_save_interval: 1.0 is outside 10.0...86400.0"),
        ("{\"site_state\": \"nowhere/site\"}", "site_state: cannot write in"),
    ])
    func configurationErrors(_ text: String, _ message: String) throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("sensor.json")
        try text.write(to: config, atomically: true, encoding: .utf8)
        // Standard input stays open and empty: a daemon that read it would hang.
        let daemon = try Daemon(["--config", config.path, "--stdout", "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
        #expect(daemon.exitStatus(within: 20) == 2, "docs/sensor.md: status 2 for a bad configuration")
        #expect(daemon.log.contains(message), "\(daemon.log)")
        #expect(!daemon.log.contains("Usage:"), "a configuration error is not a usage error: \(daemon.log)")
    }

    @Test("NaN samples in the stream: logged, counted as dropped frames, replaced by silence; time keeps counting")
    func nanSamples() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (broker, subscriber) = try Self.platform(folder)
        // 10 s of faint noise, then the scene; ten NaNs in the noise.
        var state: UInt32 = 12_345
        var samples = (0..<160_000).map { _ -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return (Float(state >> 8) / Float(1 << 24) - 0.5) * 0.002
        }
        samples += try AudioFile.read(Self.scenes[0]).samples
        var repaired = samples
        for i in 50_000..<50_010 {
            samples[i] = .nan
            repaired[i] = 0
        }
        let daemon = try Daemon(["--sensor", "s-nan", "--broker", "mqtt://127.0.0.1:\(broker.port)", "--health-interval", "10",
                                 "--spool", folder.appendingPathComponent("spool").path,
                                 "--raw", "f32le", "--rate", "16000", "-"], folder: folder)
        daemon.write(samples.withUnsafeBytes { Data($0) })
        daemon.closeInput()
        #expect(daemon.exitStatus() == 0, "\(daemon.log)")
        #expect(daemon.log.contains("replaced by silence") && daemon.log.contains("nan"), "\(daemon.log)")
        MQTTTest.wait(20) { subscriber.messages.contains { $0.payload == "offline" } }
        let health = subscriber.messages.filter { $0.topic == "tympan/s-nan/health" }
            .map { try! JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any] }
        #expect((health.first?["frames_dropped"] as? Int ?? 0) > 0)
        // The scene's events at their times in the whole stream (the NaNs fell in the noise).
        let result = try CLI.run(["detect", "--raw", "f32le", "--rate", "16000", "-"],
                                 input: repaired.withUnsafeBytes { Data($0) }, chunk: 65_536)
        let expected = CLI.text(result.stdout).split(separator: "\n").map {
            Self.key(try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])
        }
        #expect(!expected.isEmpty)
        #expect(Self.unique(subscriber.events).map(Self.key) == expected)
    }

    @Test("Memory stays flat over a long stream (20 min of audio): resident size from the health reports",
          .disabled(if: ProcessInfo.processInfo.environment["TYMPAN_SANITIZE"] != nil,
                    "under AddressSanitizer freed memory waits in its quarantine: the resident size grows by design"))
    func flatMemory() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (broker, subscriber) = try Self.platform(folder)
        let scene = try Self.scenes.map(MQTTTest.s16le).reduce(Data(), +)
        let daemon = try Daemon(["--sensor", "s-soak", "--broker", "mqtt://127.0.0.1:\(broker.port)", "--health-interval", "60",
                                 "--spool", folder.appendingPathComponent("spool").path,
                                 "--raw", "s16le", "--rate", "16000", "-"], folder: folder)
        for _ in 0..<40 { daemon.write(scene, chunk: 65_536) }  // 1,200 s
        daemon.closeInput()
        #expect(daemon.exitStatus(within: 300) == 0, "\(daemon.log)")
        MQTTTest.wait(20) { subscriber.messages.contains { $0.payload == "offline" } }
        let rss = subscriber.messages.filter { $0.topic == "tympan/s-soak/health" }
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as? [String: Any])?["rss_mb"] as? Double }
        #expect(rss.count == 20)
        if rss.count > 3 {
            #expect(rss.last! - rss[2] < 2, "resident MB per minute of audio: \(rss)")
        }
        // The same events as `tympan detect` on the whole stream (the bundled rules adapt to their
        // site: a scene heard forty times in twenty minutes is what this site sounds like, and after the
        // first minute its events are excused; the detector's, not the daemon's, doing).
        let whole = (0..<40).reduce(Data()) { d, _ in d + scene }
        let expected = try Self.expected(whole)
        #expect(!expected.isEmpty)
        #expect(Self.unique(subscriber.events).map(Self.key).sorted() == expected.sorted())
    }
}
