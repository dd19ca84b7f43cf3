import Foundation
import NIOConcurrencyHelpers
import TympanSensor

/// A line on standard error, in one write.
public func platformLog(_ message: String) {
    let line = Array("tympan-platform: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// How the ingest reaches the broker.
public struct IngestSettings: Sendable {
    public var broker: BrokerAddress
    /// Fixed, so that the broker keeps the session (and the QoS 1 messages
    /// that arrive for it) while the platform is away.
    public var clientID = "tympan-platform"
    /// With a group, the event topic is subscribed as `$share/<group>/…`: the
    /// platform instances of one group split the events between them.
    public var shareGroup: String?
    public var username: String?
    public var password: String?

    public init(broker: BrokerAddress) { self.broker = broker }

    /// The subscriptions, all QoS 1.
    public var topics: [String] {
        let events = "tympan/+/events"
        return [shareGroup.map { "$share/\($0)/\(events)" } ?? events, "tympan/+/health", "tympan/+/status"]
    }
}

/// What the ingest has done since it started.
public struct IngestCounts: Sendable, Equatable {
    public var stored = 0
    public var duplicates = 0
    public var rejected = 0
    public var other = 0

    public init(stored: Int = 0, duplicates: Int = 0, rejected: Int = 0, other: Int = 0) {
        self.stored = stored
        self.duplicates = duplicates
        self.rejected = rejected
        self.other = other
    }
}

/// How long storing a message took, from its arrival to the commit (the
/// acknowledgement follows). Kept as a histogram of 0.1 ms buckets (the last one: 100 ms and more).
public struct CommitTimes: Sendable, Equatable {
    var buckets = [Int](repeating: 0, count: 1001)
    public private(set) var count = 0
    public private(set) var longest = 0.0

    mutating func add(_ seconds: Double) {
        buckets[min(1000, Int(seconds * 10_000))] += 1
        count += 1
        longest = max(longest, seconds)
    }

    /// The q-quantile in seconds (the upper edge of its bucket), nil before any message.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = Int((q * Double(count)).rounded(.up))
        var seen = 0
        for (i, n) in buckets.enumerated() {
            seen += n
            if seen >= max(1, rank) { return i == 1000 ? longest : Double(i + 1) / 10_000 }
        }
        return longest
    }
}

/// Receives the sensors' messages from the broker and stores them: an MQTT
/// client of its own (`MQTTSubscriber`) with a persistent session (clean
/// session off, a fixed client id) and QoS 1 subscriptions, on its own
/// thread, which parses the messages that arrived together (up to 100),
/// commits them to the store in one transaction, and only then acknowledges
/// them. A platform killed at any moment has acknowledged only
/// what it stored; the broker sends the rest again, and the store keeps an
/// event id once. A message that does not parse is logged, counted and
/// acknowledged (it would never parse), and nothing of it is stored. When the
/// store fails (the database went away), the messages are retried until they
/// are stored or the ingest stops, and the broker holds the following ones back.
public final class Ingest: @unchecked Sendable {
    public let settings: IngestSettings
    let store: EventStore
    private var client: MQTTSubscriber?
    private let state = NIOLockedValueBox((counts: IngestCounts(), commits: CommitTimes(), connected: false, stopping: false))
    /// Called after each stored event (the live stream of the HTTP API).
    public var onEvent: (@Sendable (StoredEvent) -> Void)?

    public init(settings: IngestSettings, store: EventStore) {
        self.settings = settings
        self.store = store
    }

    deinit { stop() }

    public var counts: IngestCounts { state.withLockedValue { $0.counts } }
    public var commitTimes: CommitTimes { state.withLockedValue { $0.commits } }
    public var isConnected: Bool { state.withLockedValue { $0.connected } }

    /// Starts the client's thread (which connects, and reconnects by itself:
    /// 1 s, doubling to 30 s).
    public func start() throws {
        guard !settings.broker.tls else {
            throw StoreError("\(settings.broker): TLS to the broker is not built yet; connect the platform to a plain "
                             + "listener (mqtt://), for example one bound to 127.0.0.1 on the broker's host")
        }
        let broker = settings.broker
        let client = MQTTSubscriber(
            settings: .init(host: broker.host, port: broker.port, clientID: settings.clientID, username: settings.username,
                            password: settings.password, topics: settings.topics),
            onMessages: { [unowned self] deliveries in received(deliveries) },
            onEvent: { [unowned self] event in
                switch event {
                case .connected(let sessionPresent):
                    state.withLockedValue { $0.connected = true }
                    platformLog("connected to \(broker) as \(settings.clientID)\(sessionPresent ? " (session kept by the broker)" : "")")
                case .disconnected(let reason):
                    let wasConnected = state.withLockedValue { s -> Bool in
                        defer { s.connected = false }
                        return s.connected
                    }
                    platformLog("\(wasConnected ? "lost" : "cannot reach") the broker \(broker): \(reason); trying again")
                case .refused(let reason):
                    platformLog(reason)
                }
            })
        self.client = client
        client.start()
    }

    /// Disconnects (the broker keeps the session) and joins the client's thread.
    public func stop() {
        state.withLockedValue { $0.stopping = true }
        client?.stop()
        client = nil
        state.withLockedValue { $0.connected = false }
    }

    /// Parses the messages that arrived together and stores them in one
    /// transaction; true when they may be acknowledged. A message that does
    /// not parse (or was too large to read) is refused and counted, and
    /// acknowledged with the rest.
    private func received(_ deliveries: [MQTTSubscriber.Delivery]) -> Bool {
        let began = monotonicSeconds()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var parsed = [SensorMessage]()
        for delivery in deliveries {
            switch delivery {
            case .oversized(let topic, let size):
                state.withLockedValue { $0.counts.rejected += 1 }
                platformLog("refused a message on \(topic): \(size) bytes (at most \(SensorMessage.maximumBytes)); not read")
            case .message(let topic, let payload):
                do {
                    parsed.append(try SensorMessage.parse(topic: topic, payload: payload, receivedMs: now))
                } catch {
                    state.withLockedValue { $0.counts.rejected += 1 }
                    platformLog("refused a message on \(topic): \(error)")
                }
            }
        }
        guard !parsed.isEmpty else { return true }
        var delay = 0.1
        while true {
            do {
                let stored = try waitFor { [store, parsed] in try await store.store(parsed) }
                let took = monotonicSeconds() - began
                state.withLockedValue { s in
                    for (message, new) in zip(parsed, stored) {
                        s.commits.add(took)
                        switch message {
                        case .event: if new { s.counts.stored += 1 } else { s.counts.duplicates += 1 }
                        default: s.counts.other += 1
                        }
                    }
                }
                for (message, new) in zip(parsed, stored) where new {
                    if case .event(let e) = message { onEvent?(e) }
                }
                return true
            } catch {
                let what = parsed.count == 1 ? "a message on \(parsed[0].topic)" : "\(parsed.count) messages (the first on \(parsed[0].topic))"
                if state.withLockedValue({ $0.stopping }) {
                    // Not acknowledged either: the broker sends them again to the next run.
                    platformLog("stopping with \(what) not stored: \(error)")
                    return false
                }
                platformLog("cannot store \(what): \(error); trying again in \(delay) s")
                usleep(UInt32(delay * 1_000_000))
                delay = min(delay * 2, 5)
            }
        }
    }
}

/// Runs `work` on the concurrency pool and waits for it: for the ingest's own
/// thread (never a thread of the pool, which must not block).
func waitFor<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = NIOLockedValueBox<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.withLockedValue { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLockedValue { $0! }.get()
}

extension SensorMessage {
    /// The topic it came on.
    var topic: String {
        switch self {
        case .event(let e): return "tympan/\(e.sensor)/events"
        case .health(let h): return "tympan/\(h.sensor)/health"
        case .status(let sensor, _): return "tympan/\(sensor)/status"
        }
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
