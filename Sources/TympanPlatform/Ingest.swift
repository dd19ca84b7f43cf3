import CMosquitto
import Foundation
import Synchronization
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
    public var caFile: String?
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

/// How long the message callback took, from its start to the commit: the
/// window in which a crash loses a message libmosquitto has already
/// acknowledged. Kept as a histogram of 0.1 ms buckets (the last one: 100 ms and more).
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

/// Receives the sensors' messages from the broker and stores them: a
/// libmosquitto client with a persistent session (clean session off, a fixed
/// client id), QoS 1 subscriptions, and its own network thread, on which
/// each message is parsed and committed to the store before the callback
/// returns. A message that does not parse is logged and counted, and
/// nothing of it is stored. When the store fails (the database went away),
/// the callback retries until it succeeds or the ingest stops: the broker
/// holds back the messages behind it meanwhile.
///
/// libmosquitto 2.0 sends a QoS 1 message's PUBACK before it calls the
/// message callback: a platform killed between the two has acknowledged a
/// message it did not store. docs/platform.md says how wide that window is.
public final class Ingest: @unchecked Sendable {
    public let settings: IngestSettings
    let store: EventStore
    private var mosq: OpaquePointer?
    private let state = Mutex((counts: IngestCounts(), commits: CommitTimes(), connected: false, stopping: false))
    /// Called after each stored event (the live stream of the HTTP API).
    public var onEvent: (@Sendable (StoredEvent) -> Void)?

    public init(settings: IngestSettings, store: EventStore) {
        self.settings = settings
        self.store = store
        mosquitto_lib_init()
    }

    deinit {
        stop()
        mosquitto_lib_cleanup()
    }

    public var counts: IngestCounts { state.withLock { $0.counts } }
    public var commitTimes: CommitTimes { state.withLock { $0.commits } }
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// Connects and starts the network thread (which reconnects by itself,
    /// waiting 1 s, doubling to 30 s).
    public func start() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let m = mosquitto_new(settings.clientID, false, context) else {
            throw StoreError("cannot create an MQTT client (out of memory)")
        }
        mosq = m
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311)
        mosquitto_reconnect_delay_set(m, 1, 30, true)
        if let username = settings.username { mosquitto_username_pw_set(m, username, settings.password) }
        mosquitto_connect_callback_set(m) { _, obj, rc in
            Unmanaged<Ingest>.fromOpaque(obj!).takeUnretainedValue().connected(rc)
        }
        mosquitto_disconnect_callback_set(m) { _, obj, rc in
            Unmanaged<Ingest>.fromOpaque(obj!).takeUnretainedValue().disconnected(rc)
        }
        mosquitto_message_callback_set(m) { _, obj, message in
            guard let obj, let message else { return }
            Unmanaged<Ingest>.fromOpaque(obj).takeUnretainedValue().received(message.pointee)
        }
        if settings.broker.tls {
            let rc = mosquitto_tls_set(m, settings.caFile, nil, nil, nil, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw StoreError("TLS settings refused: \(Self.describe(rc))") }
        }
        let rc = mosquitto_connect_async(m, settings.broker.host, Int32(settings.broker.port), 30)
        if rc != MOSQ_ERR_SUCCESS.rawValue {
            // The network thread tries again.
            platformLog("cannot connect to \(settings.broker) yet: \(Self.describe(rc))")
        }
        let started = mosquitto_loop_start(m)
        guard started == MOSQ_ERR_SUCCESS.rawValue else { throw StoreError("cannot start the MQTT thread: \(Self.describe(started))") }
    }

    /// Disconnects (the broker keeps the session) and joins the network thread.
    public func stop() {
        guard let m = mosq else { return }
        state.withLock { $0.stopping = true }
        mosquitto_disconnect(m)
        mosquitto_loop_stop(m, false)
        mosquitto_destroy(m)
        mosq = nil
    }

    static func describe(_ rc: Int32) -> String {
        rc == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(rc))
    }

    private func connected(_ rc: Int32) {
        guard rc == 0 else {
            platformLog("broker \(settings.broker) refused the connection: \(String(cString: mosquitto_connack_string(rc)))")
            return
        }
        state.withLock { $0.connected = true }
        platformLog("connected to \(settings.broker) as \(settings.clientID)")
        for topic in settings.topics {
            let rc = mosquitto_subscribe(mosq, nil, topic, 1)
            if rc != MOSQ_ERR_SUCCESS.rawValue { platformLog("cannot subscribe to \(topic): \(Self.describe(rc))") }
        }
    }

    private func disconnected(_ rc: Int32) {
        let stopping = state.withLock { s -> Bool in
            s.connected = false
            return s.stopping
        }
        if !stopping { platformLog("lost the broker \(settings.broker) (\(Self.describe(rc))); reconnecting") }
    }

    private func received(_ message: mosquitto_message) {
        let began = monotonicSeconds()
        let topic = message.topic.map { String(cString: $0) } ?? ""
        let count = Int(message.payloadlen)
        let payload: [UInt8] = count > 0 && message.payload != nil
            ? Array(UnsafeRawBufferPointer(start: message.payload, count: count)) : []
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let parsed: SensorMessage
        do {
            parsed = try SensorMessage.parse(topic: topic, payload: payload, receivedMs: now)
        } catch {
            state.withLock { $0.counts.rejected += 1 }
            platformLog("refused a message on \(topic): \(error)")
            return
        }
        var delay = 0.1
        while true {
            do {
                let stored = try store.store(parsed)
                let took = monotonicSeconds() - began
                state.withLock { s in
                    s.commits.add(took)
                    switch parsed {
                    case .event: if stored { s.counts.stored += 1 } else { s.counts.duplicates += 1 }
                    default: s.counts.other += 1
                    }
                }
                if stored, case .event(let e) = parsed { onEvent?(e) }
                return
            } catch {
                if state.withLock({ $0.stopping }) {
                    platformLog("stopping with a message on \(topic) not stored: \(error)")
                    return
                }
                platformLog("cannot store a message on \(topic): \(error); trying again in \(delay) s")
                usleep(UInt32(delay * 1_000_000))
                delay = min(delay * 2, 5)
            }
        }
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
