internal import CSensorSystem
import Tympan
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

/// Where `listen` reads its audio.
public enum ListenInput: Sendable, Equatable {
    /// Raw PCM from standard input (path nil) or from a file or FIFO.
    case raw(path: String?, encoding: RawPCMStream.Encoding, rate: Int, channels: Int)
    /// An audio file libsndfile reads (any rate and channel count).
    case file(path: String)
}

/// The sensor daemon (`tympan listen`): audio in, event records out to a
/// broker (through the spool), to standard output, or both; health reports
/// every `healthInterval` seconds of audio. What the detector learns of its
/// site (`SiteState`: score histograms) is read from `siteStateFile` at start
/// and written there every `siteSaveInterval` seconds of audio and at the
/// end, so that a restart goes on from it. Event times are the stream start
/// (the moment the first sample arrived, or `startTime`) plus the sample
/// count: processing jitter never moves them. SIGTERM and SIGINT end the
/// stream as its end would (open events are closed and delivered or
/// spooled, "offline" is published); SIGHUP reloads the rules file, and a
/// bad file keeps the rules in use.
public final class Listener {
    public struct Options: Sendable {
        public var configuration: SensorConfiguration
        public var input: ListenInput
        /// Also print each record as a JSON line on standard output.
        public var stdout = false
        /// UTC of the first sample (seconds since 1970); nil: when it arrives.
        public var startTime: Double?
        /// At the end, how long to wait for the broker to take the spool (s).
        public var drain = 5.0

        public init(configuration: SensorConfiguration, input: ListenInput) {
            self.configuration = configuration
            self.input = input
        }
    }

    private let options: Options
    private var configuration: SensorConfiguration { options.configuration }
    private var rules: Rules
    private let spool: EventSpool?
    private let link: MQTTLink?

    // Counters for the health reports.
    private var framesDropped = 0
    private var framesLate = 0
    private var inputOverruns = 0
    private var sequence = 0

    /// Checks everything that can be checked before audio is read: the
    /// configuration, the rules, the password file, the spool. Throws a
    /// message for the operator.
    public init(options: Options) throws(ListenError) {
        self.options = options
        let problems = options.configuration.problems()
        guard problems.isEmpty else { throw ListenError(problems.joined(separator: "\n")) }
        rules = try Self.loadRules(options.configuration)
        guard let broker = options.configuration.broker else {
            guard options.stdout else { throw ListenError("no broker and no --stdout: the events would go nowhere") }
            spool = nil
            link = nil
            return
        }
        var settings = BrokerSettings(address: broker, sensor: options.configuration.sensor)
        settings.caFile = options.configuration.caFile
        settings.certFile = options.configuration.certFile
        settings.keyFile = options.configuration.keyFile
        settings.username = options.configuration.username
        settings.reconnectMax = options.configuration.reconnectMax
        if let file = options.configuration.passwordFile {
            guard let text = readSmallFile(file) else { throw ListenError("password_file: cannot read '\(file)'") }
            let first = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !first.isEmpty else { throw ListenError("password_file: '\(file)' has an empty first line") }
            settings.password = first.hasSuffix("\r") ? String(first.dropLast()) : first
        }
        do {
            spool = try EventSpool(folder: options.configuration.spool!)
        } catch {
            throw ListenError(error.description)
        }
        link = MQTTLink(settings: settings, spool: spool!)
    }

    static func loadRules(_ c: SensorConfiguration) throws(ListenError) -> Rules {
        var features = FeatureConfiguration.detection
        features.descriptors?.calibration = c.calibration
        do {
            return try UserFile.rules(c.rules, configuration: features).rules
        } catch {
            throw ListenError("\(error)")
        }
    }

    /// Runs until the input ends or a signal stops it; the exit status
    /// (0, or 1 when the input failed).
    public func run() -> Int32 {
        // The audio source first: opening a FIFO waits for its writer.
        let source: Source
        do {
            source = try Source(options.input, targetRate: rules.configuration.sampleRate)
        } catch {
            logLine("\(error)")
            return 1
        }
        // Signals arrive on a descriptor, read between two chunks, never in a handler.
        // Blocked before the link's thread starts, which inherits the mask.
        let signals = tympan_signals_open()
        signal(SIGPIPE, SIG_IGN)
        if let spool, spool.count > 0 { logLine("\(spool.count) event(s) left in the spool by an earlier run: sending them first") }
        link?.start()
        if let broker = configuration.broker { logLine("sensor \(configuration.sensor): events to \(broker), spool \(configuration.spool!)") }

        let rate = rules.configuration.sampleRate
        let hop = rules.configuration.hopLength
        let healthSamples = max(hop, Int((configuration.healthInterval * Double(rate)).rounded()))
        var detector: EventDetector
        do {
            detector = try EventDetector(rules: rules)
        } catch {
            logLine("\(error)")
            return 1
        }
        restoreSite(into: detector)
        let siteSamples = Int((configuration.siteSaveInterval * Double(rate)).rounded())
        var siteSaved = 0           // samples when the site state was last written
        var start = options.startTime
        var runID = ""
        var samples = 0             // since the stream start
        var detectorBase = 0        // sample where the current detector started (after a reload)
        var healthStart = 0
        var status: Int32 = 0
        var stopping = false

        func emit(_ events: [SoundEvent]) {
            for var event in events {
                event.onset += detectorBase
                event.offset += detectorBase
                sequence += 1
                var record = EventRecord(event, sensor: configuration.sensor, streamStart: start ?? 0)
                record.id = "\(runID)-\(sequence)"
                let line = record.json
                if options.stdout { writeLine(line) }
                if let spool {
                    do { try spool.append(line) } catch { logLine("\(error) (the event is kept in memory)") }
                }
            }
        }
        func health(until sample: Int, levels: LevelSummary) {
            defer { healthStart = sample }  // with no broker too: feed() cuts the audio at each interval
            guard let link, let start else { return }
            let cpu = tympan_cpu_seconds()
            var fields = ["\"sensor\":\(jsonString(configuration.sensor))",
                          "\"time\":\"\(utcTimestamp(start + Double(sample) / Double(rate)))\"",
                          "\"interval_s\":\(decimal(Double(sample - healthStart) / Double(rate), 3))",
                          "\"leq_dba\":\(levels.equivalentLevel.map { decimal($0, 1) } ?? "null")",
                          "\"max_dba\":\(levels.frames > 0 ? decimal(levels.maximum, 1) : "null")",
                          "\"frames\":\(levels.frames)",
                          "\"frames_dropped\":\(framesDropped)",
                          "\"frames_late\":\(framesLate)",
                          "\"input_overruns\":\(inputOverruns)",
                          "\"cpu_seconds\":\(decimal(cpu, 3))",
                          "\"spool_depth\":\(spool?.count ?? 0)",
                          "\"rss_mb\":\(decimal(residentMegabytes(), 1))"]
            if let lat = configuration.latitude, let lon = configuration.longitude {
                fields += ["\"latitude\":\(decimal(lat, 6))", "\"longitude\":\(decimal(lon, 6))"]
            }
            link.sendHealth("{" + fields.joined(separator: ",") + "}")
        }
        func feed(_ chunk: [Float]) {
            var offset = 0
            while offset < chunk.count {
                let n = min(chunk.count - offset, healthStart + healthSamples - samples)
                var piece = Array(chunk[offset..<offset + n])
                let events: [SoundEvent]
                do {
                    events = try detector.append(piece)
                } catch {
                    // NaN or infinite samples: a broken source. The piece becomes
                    // silence (which never fires), so that time keeps counting.
                    framesDropped += (n + hop - 1) / hop
                    logLine("\(n) samples at \(decimal(Double(samples) / Double(rate), 3)) s replaced by silence: \(error)")
                    piece = [Float](repeating: 0, count: n)
                    events = (try? detector.append(piece)) ?? []
                }
                emit(events)
                samples += n
                offset += n
                if samples - healthStart >= healthSamples { health(until: samples, levels: detector.takeLevels()) }
            }
        }
        func handleSignals() {
            while case let signo = tympan_signals_next(signals), signo != 0 {
                if signo == SIGHUP {
                    do {
                        let fresh = try Self.loadRules(configuration)
                        let next = try EventDetector(rules: fresh)
                        emit((try? detector.finish()) ?? [])  // the open events close under the old rules
                        next.adoptSite(detector.site)  // the place is the same: what it learned carries over
                        detector = next
                        rules = fresh
                        detectorBase = samples
                        logLine("SIGHUP: rules reloaded from \(configuration.rules ?? "the bundled rules") (\(fresh.classes.count) classes)")
                    } catch {
                        logLine("SIGHUP: rules not reloaded, the previous rules stay: \(error)")
                    }
                } else {
                    logLine("\(signo == SIGTERM ? "SIGTERM" : "SIGINT"): finishing (open events are closed and sent)")
                    stopping = true
                }
            }
        }

        while !stopping {
            if let fd = source.descriptor {
                var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
                if poll(&fds, 2, -1) < 0, errno != EINTR { break }
                if fds[1].revents != 0 { handleSignals() }
                if stopping { break }
                if fds[0].revents == 0 { continue }
                // A live pipe found full: its writer waits, and a capture device
                // (arecord) loses samples meanwhile. Not counted when the audio runs
                // ahead of the clock (a recording piped in faster than real time).
                if source.isPipe, options.startTime == nil, let start, start + Double(samples) / Double(rate) <= now() + 0.5,
                   source.pipeWasFull() {
                    inputOverruns += 1
                }
            } else {
                handleSignals()
                if stopping { break }
            }
            let chunk: [Float]?
            do {
                chunk = try source.read()
            } catch {
                logLine("input: \(error)")
                status = 1
                break
            }
            guard let chunk else { break }
            if chunk.isEmpty { continue }
            if start == nil { start = now() }
            if runID.isEmpty { runID = String(Int64((start! * 1000).rounded(.down))) }
            feed(chunk)
            if samples - siteSaved >= siteSamples {
                saveSite(detector)
                siteSaved = samples
            }
            if options.startTime == nil, let start, now() - (start + Double(samples) / Double(rate)) > 1 {
                framesLate += chunk.count / hop  // more than a second behind the microphone
            }
        }
        if samples == 0 && status == 0 { logLine("input: no audio before the end") }
        if samples > 0 {
            emit((try? detector.finish()) ?? [])
            let levels = detector.takeLevels()
            if samples > healthStart { health(until: samples, levels: levels) }
            saveSite(detector)
        }
        if let link {
            link.stop(drain: options.drain)
            if let spool, spool.count > 0 {
                logLine("\(spool.count) event(s) stay in the spool \(configuration.spool!) for the next start")
            }
        }
        return status
    }
}

extension Listener {
    /// Starts the detector from what an earlier run learned of the site (its
    /// classes whose settings are unchanged); says what it did.
    private func restoreSite(into detector: EventDetector) {
        guard let file = configuration.siteStateFile, adapts(detector) else { return }
        guard access(file, F_OK) == 0 else {
            logLine("site state: none at \(file) yet: learning this site from the start")
            return
        }
        guard let text = readSmallFile(file) else {
            logLine("site state: cannot read '\(file)': \(String(cString: strerror(errno))); learning this site from the start")
            return
        }
        do {
            let saved = try SiteState(json: text, source: file)
            let taken = detector.adoptSite(saved)
            let adapting = detector.site.secondsLearned.compactMap { $0 }.count
            logLine("site state: \(taken.count) of \(adapting) classes resumed from \(file)"
                    + (taken.count < adapting ? " (the others' settings changed: they learn afresh)" : ""))
        } catch {
            logLine("site state: \(error); learning this site from the start (the file will be replaced)")
        }
    }

    /// Writes what the detector learned of its site (a failure is logged; detection goes on).
    private func saveSite(_ detector: EventDetector) {
        guard let file = configuration.siteStateFile, adapts(detector) else { return }
        do {
            try writeDurably(detector.site.json, to: file, temporary: file + ".tmp")
        } catch {
            logLine("site state: \(error.reason) (detection goes on; what was learned is kept in memory)")
        }
    }

    private func adapts(_ detector: EventDetector) -> Bool { detector.site.secondsLearned.contains { $0 != nil } }
}

/// The audio source behind `listen`: raw PCM on a descriptor, or a file.
private final class Source {
    let descriptor: Int32?
    let isPipe: Bool
    private let raw: RawPCMStream?
    private let file: AudioFileStream?
    private var pipeCapacity: Int32 = 0

    init(_ input: ListenInput, targetRate: Int) throws {
        switch input {
        case let .raw(path, encoding, rate, channels):
            var fd: Int32 = 0
            if let path {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw ListenError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
            }
            raw = try RawPCMStream(descriptor: fd, name: path ?? "-", encoding: encoding, sampleRate: rate, channelCount: channels, targetRate: targetRate)
            file = nil
            descriptor = fd
            var info = stat()
            fstat(fd, &info)
            isPipe = (info.st_mode & S_IFMT) == S_IFIFO
            if isPipe { pipeCapacity = tympan_pipe_capacity(fd) }
        case let .file(path):
            file = try AudioFileStream(path: path, targetRate: targetRate)
            raw = nil
            descriptor = nil
            isPipe = false
        }
    }

    /// Samples (perhaps none yet); nil at the end.
    func read() throws -> [Float]? {
        if let raw { return try raw.readOnce() }
        let chunk = try file!.next()
        return chunk.isEmpty ? nil : chunk
    }

    /// The pipe is full: its writer (arecord) waits, and a capture device
    /// loses samples meanwhile.
    func pipeWasFull() -> Bool {
        guard let descriptor, pipeCapacity > 0 else { return false }
        return tympan_bytes_waiting(descriptor) >= pipeCapacity
    }
}

public struct ListenError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A line on standard output, whole, at once (no buffering to lose).
func writeLine(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + written, bytes.count - written) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return }
        written += n
    }
}

/// The process's resident memory now (MB), from /proc/self/statm.
func residentMegabytes() -> Double {
    guard let text = readSmallFile("/proc/self/statm") else { return -1 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return -1 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A small text file whole (a password, a rules file: at most 16 MB).
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while bytes.count <= 16 << 20 {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { return String(decoding: bytes, as: UTF8.self) }
        bytes += buffer[0..<n]
    }
    return nil
}
