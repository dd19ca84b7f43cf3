internal import CMosquitto
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A line on standard error, in one write (threads do not interleave).
public func logLine(_ message: String) {
    let line = Array("tympan listen: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Monotonic seconds.
func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// What the link needs to reach a broker.
public struct BrokerSettings: Sendable {
    public var address: BrokerAddress
    public var sensor: String
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var username: String?
    public var password: String?
    /// Longest wait between two attempts (s); the wait doubles from 1 s.
    public var reconnectMax: Double = 30
    /// Events in flight (published, not yet acknowledged) at most.
    public var window = 16

    public init(address: BrokerAddress, sensor: String) {
        self.address = address
        self.sensor = sensor
    }

    public var eventsTopic: String { "tympan/\(sensor)/events" }
    public var statusTopic: String { "tympan/\(sensor)/status" }
    public var healthTopic: String { "tympan/\(sensor)/health" }
}

/// The sensor's connection to its broker, on a thread of its own that alone
/// touches the libmosquitto handle. It delivers the spool's events in order,
/// QoS 1, and removes each one when its PUBACK arrives; it keeps a retained
/// `status` ("online", and "offline" as the last will or on a clean stop)
/// and sends health reports. When the broker is unreachable, refuses the
/// credentials or fails the TLS handshake, it says why on standard error,
/// waits (1 s, doubling up to `reconnectMax`) and tries again with a fresh
/// connection, which starts again from the oldest unacknowledged event (so
/// an event may arrive twice, with the same id, never not at all).
public final class MQTTLink: @unchecked Sendable {
    public let settings: BrokerSettings
    private let spool: EventSpool

    private struct Shared {
        var stopRequested = false
        var drainDeadline = 0.0
        var health: [String] = []
    }
    private let shared = Mutex(Shared())
    private var thread = pthread_t()

    // The link thread's own state (touched by it and by the callbacks it runs).
    private var mosq: OpaquePointer?
    private var connectedHere = false
    private var connectingSince = 0.0
    private var refusal: String?
    private var lastLibraryError: String?
    private var inflight = [Int32: UInt64]()
    private var lastSent: UInt64?
    private var backoff = 1.0
    private var nextAttempt = 0.0
    private var failures = 0
    private var pendingOffline: Int32?
    private var offlineAcknowledged = false

    public init(settings: BrokerSettings, spool: EventSpool) {
        self.settings = settings
        self.spool = spool
        mosquitto_lib_init()
    }

    /// Starts the thread.
    public func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            let link = Unmanaged<MQTTLink>.fromOpaque(raw!).takeRetainedValue()
            link.run()
            return nil
        }, context)
    }

    /// Queues a health report (kept, up to a day's worth at one a minute,
    /// while the broker is away; the oldest go first).
    public func sendHealth(_ payload: String) {
        shared.withLock { s in
            s.health.append(payload)
            if s.health.count > 1440 { s.health.removeFirst() }
        }
    }

    /// Delivers what can be delivered within `drain` seconds while connected,
    /// publishes "offline", disconnects and ends the thread. Whatever is not
    /// acknowledged stays in the spool for the next start.
    public func stop(drain: Double) {
        shared.withLock { s in
            s.stopRequested = true
            s.drainDeadline = monotonic() + drain
        }
        pthread_join(thread, nil)
    }

    // MARK: - The thread

    private func run() {
        while true {
            let (stop, deadline) = shared.withLock { ($0.stopRequested, $0.drainDeadline) }
            let now = monotonic()
            if stop {
                // Until the deadline, deliver (connecting first if need be).
                let drained = spool.count == 0 && shared.withLock { $0.health.isEmpty }
                if drained || now > deadline || (mosq == nil && nextAttempt > deadline) {
                    goOffline(until: now + 2)
                    break
                }
            }
            if mosq == nil {
                if now >= nextAttempt { attempt() } else { usleep(50_000) }
                continue
            }
            let rc = mosquitto_loop(mosq, 100, 1)
            if let refusal {
                fail("the broker refused the connection: \(refusal)")
                continue
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                fail(connectedHere ? "connection lost: \(describe(rc))" : "cannot connect: \(describe(rc))")
                continue
            }
            if !connectedHere {
                if monotonic() - connectingSince > 15 { fail("cannot connect: no answer from the broker within 15 s") }
                continue
            }
            sendWaiting()
        }
    }

    private func describe(_ rc: Int32) -> String {
        var text = rc == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(rc))
        if let lastLibraryError, rc == MOSQ_ERR_TLS.rawValue || rc == MOSQ_ERR_PROTOCOL.rawValue || rc == MOSQ_ERR_ERRNO.rawValue {
            text += " (\(lastLibraryError))"
        }
        return text
    }

    private func attempt() {
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let m = mosquitto_new("tympan-\(settings.sensor)", true, context) else {
            fail("cannot create an MQTT client (out of memory)")
            return
        }
        mosq = m
        connectedHere = false
        refusal = nil
        lastLibraryError = nil
        inflight = [:]
        lastSent = nil
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311)
        mosquitto_max_inflight_messages_set(m, UInt32(settings.window + 4))
        let offline = Array("offline".utf8)
        mosquitto_will_set(m, settings.statusTopic, Int32(offline.count), offline, 1, true)
        if let username = settings.username { mosquitto_username_pw_set(m, username, settings.password) }
        mosquitto_log_callback_set(m) { _, obj, level, text in
            guard level == MOSQ_LOG_ERR, let obj, let text else { return }
            Unmanaged<MQTTLink>.fromOpaque(obj).takeUnretainedValue().lastLibraryError = String(cString: text)
        }
        mosquitto_connect_callback_set(m) { _, obj, rc in
            Unmanaged<MQTTLink>.fromOpaque(obj!).takeUnretainedValue().connected(rc)
        }
        mosquitto_publish_callback_set(m) { _, obj, mid in
            Unmanaged<MQTTLink>.fromOpaque(obj!).takeUnretainedValue().acknowledged(mid)
        }
        if settings.address.tls {
            let rc = mosquitto_tls_set(m, settings.caFile, nil, settings.certFile, settings.keyFile, nil)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                fail("TLS settings refused: \(describe(rc))")
                return
            }
        }
        connectingSince = monotonic()
        // Plain TCP connects without blocking. TLS connects blocking (the TCP
        // connect and the handshake): libmosquitto 2.0.11's asynchronous TLS
        // connect to a closed port reports success and then never fails
        // (seen here), which would hide the reason from the log.
        let rc = settings.address.tls
            ? mosquitto_connect(m, settings.address.host, Int32(settings.address.port), 30)
            : mosquitto_connect_async(m, settings.address.host, Int32(settings.address.port), 30)
        if rc != MOSQ_ERR_SUCCESS.rawValue { fail("cannot connect: \(describe(rc))") }
    }

    private func connected(_ rc: Int32) {
        guard rc == 0 else {
            refusal = String(cString: mosquitto_connack_string(rc))
            return
        }
        connectedHere = true
        if failures > 0 || backoff > 1 {
            logLine("connected to \(settings.address) again; \(spool.count) event(s) to deliver")
        } else {
            logLine("connected to \(settings.address)")
        }
        backoff = 1
        failures = 0
        let online = Array("online".utf8)
        mosquitto_publish(mosq, nil, settings.statusTopic, Int32(online.count), online, 1, true)
    }

    private func acknowledged(_ mid: Int32) {
        if let seq = inflight.removeValue(forKey: mid) { spool.remove(seq) }
        if mid == pendingOffline { offlineAcknowledged = true }
    }

    private func sendWaiting() {
        let health = shared.withLock { s -> [String] in
            defer { s.health = [] }
            return s.health
        }
        for payload in health {
            let bytes = Array(payload.utf8)
            mosquitto_publish(mosq, nil, settings.healthTopic, Int32(bytes.count), bytes, 1, false)
        }
        guard inflight.count < settings.window else { return }
        for (seq, record) in spool.waiting(after: lastSent, limit: settings.window - inflight.count) {
            var mid: Int32 = 0
            let bytes = Array(record.utf8)
            let rc = mosquitto_publish(mosq, &mid, settings.eventsTopic, Int32(bytes.count), bytes, 1, false)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                fail("cannot publish: \(describe(rc))")
                return
            }
            inflight[mid] = seq
            lastSent = seq
        }
    }

    /// Drops the connection, says why, and schedules the next attempt.
    private func fail(_ reason: String) {
        if let m = mosq {
            mosquitto_disconnect(m)
            mosquitto_destroy(m)
        }
        mosq = nil
        connectedHere = false
        failures += 1
        logLine("\(settings.address): \(reason); \(spool.count) event(s) spooled, detection goes on; next attempt in \(Int(backoff)) s")
        nextAttempt = monotonic() + backoff
        backoff = min(backoff * 2, settings.reconnectMax)
    }

    /// A clean goodbye: "offline" (retained), acknowledged or 2 s at most, then disconnect.
    private func goOffline(until deadline: Double) {
        guard let m = mosq else { return }
        if connectedHere {
            let offline = Array("offline".utf8)
            var mid: Int32 = 0
            if mosquitto_publish(m, &mid, settings.statusTopic, Int32(offline.count), offline, 1, true) == MOSQ_ERR_SUCCESS.rawValue {
                pendingOffline = mid
                while !offlineAcknowledged, monotonic() < deadline,
                      mosquitto_loop(m, 100, 1) == MOSQ_ERR_SUCCESS.rawValue {}
            }
            mosquitto_disconnect(m)
            _ = mosquitto_loop(m, 100, 1)
        }
        mosquitto_destroy(m)
        mosq = nil
        connectedHere = false
    }
}
