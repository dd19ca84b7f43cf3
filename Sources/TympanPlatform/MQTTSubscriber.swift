import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// A subscribing MQTT 3.1.1 client that acknowledges a QoS 1 message only
/// after its handler has returned, which is what the platform needs and what
/// libmosquitto 2.0 does not do (it sends the PUBACK before it calls back):
/// a platform killed while it stores a message has not acknowledged it, and
/// the broker sends it again to the same session. The session is persistent
/// (clean session off, a fixed client id), so messages published while the
/// platform is away wait in the broker.
///
/// One thread of its own: connect, CONNECT, SUBSCRIBE (QoS 1), then read
/// packets in order; a PINGREQ when the line has been quiet for half the
/// keep-alive; on any failure, close and connect again after 1 s, doubling to
/// 30 s. Plain TCP only.
final class MQTTSubscriber: @unchecked Sendable {
    struct Settings: Sendable {
        var host: String
        var port: Int
        var clientID: String
        var username: String?
        var password: String?
        var topics: [String]
        var keepAlive: UInt16 = 30
        /// Of a larger packet only this many bytes are kept (a PUBLISH's topic and
        /// packet id); the rest is read past. Far above any sensor's message.
        var maximumPacket = 128 * 1024
    }

    enum Event: Sendable {
        case connected(sessionPresent: Bool)
        case disconnected(reason: String)
        case refused(reason: String)
    }

    let settings: Settings
    /// A PUBLISH as it arrived: its payload, or (`oversized`) only its size when
    /// it was larger than `maximumPacket` and read past.
    enum Delivery: Sendable {
        case message(topic: String, payload: [UInt8])
        case oversized(topic: String, size: Int)
    }

    /// Called on the client's thread with the PUBLISHes that have arrived
    /// together (one, or as many as were already in, up to `batch`); their
    /// PUBACKs go out when it returns true. False (not taken): no PUBACK, the
    /// connection is closed, and the broker sends them again.
    let onMessages: @Sendable (_ deliveries: [Delivery]) -> Bool
    /// The most PUBLISHes handed over at once.
    let batch = 100
    let onEvent: @Sendable (Event) -> Void
    private let state = NIOLockedValueBox((stopping: false, fd: Int32(-1)))
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(settings: Settings, onMessages: @escaping @Sendable ([Delivery]) -> Bool, onEvent: @escaping @Sendable (Event) -> Void) {
        self.settings = settings
        self.onMessages = onMessages
        self.onEvent = onEvent
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "mqtt-subscriber"
        self.thread = thread
        thread.start()
    }

    /// Sends DISCONNECT (the broker keeps the session), closes, and waits for the thread.
    func stop() {
        guard thread != nil else { return }
        let fd = state.withLockedValue { s -> Int32 in
            s.stopping = true
            return s.fd
        }
        if fd >= 0 {
            _ = sendAll(fd, [0xE0, 0x00])
            shutdown(fd, Int32(SHUT_RDWR))
        }
        finished.wait()
        thread = nil
    }

    private var stopping: Bool { state.withLockedValue { $0.stopping } }

    private func run() {
        var backoff = 1.0
        while !stopping {
            let reason = session()
            if stopping { break }
            onEvent(.disconnected(reason: reason))
            var waited = 0.0
            while waited < backoff && !stopping {
                usleep(100_000)
                waited += 0.1
            }
            backoff = min(backoff * 2, 30)
        }
    }

    /// One connection, until it fails; returns why.
    private func session() -> String {
        let fd: Int32
        switch connectTCP(settings.host, settings.port) {
        case .success(let socket): fd = socket
        case .failure(let error): return error.description
        }
        let open = state.withLockedValue { s -> Bool in
            if s.stopping { return false }
            s.fd = fd
            return true
        }
        defer {
            state.withLockedValue { $0.fd = -1 }
            close(fd)
        }
        guard open else { return "stopping" }
        var reader = PacketReader(fd: fd, maximum: settings.maximumPacket)
        guard sendAll(fd, connectPacket()) else { return "cannot send CONNECT" }
        guard case .packet(let type, _, let body, _) = reader.next(timeout: 10) else { return "no CONNACK" }
        guard type == 2, body.count == 2 else { return "expected CONNACK, got packet type \(type)" }
        guard body[1] == 0 else {
            let reasons = [1: "unacceptable protocol version", 2: "client id rejected", 3: "server unavailable",
                           4: "bad user name or password", 5: "not authorised"]
            let reason = "the broker refused the connection: \(reasons[Int(body[1])] ?? "code \(body[1])")"
            onEvent(.refused(reason: reason))
            return reason
        }
        onEvent(.connected(sessionPresent: body[0] & 1 == 1))
        guard sendAll(fd, subscribePacket(id: 1)) else { return "cannot send SUBSCRIBE" }
        var lastSent = monotonicSeconds(), lastReceived = lastSent
        let quiet = Double(settings.keepAlive) / 2
        while !stopping {
            let result = reader.next(timeout: max(0.1, quiet - (monotonicSeconds() - lastSent)))
            switch result {
            case .timeout:
                // A broker that answers nothing, not even PINGREQ, for 1.5 keep-alives is gone.
                if monotonicSeconds() - lastReceived > 1.5 * Double(settings.keepAlive) { return "no answer from the broker" }
                guard sendAll(fd, [0xC0, 0x00]) else { return "cannot send PINGREQ" }
                lastSent = monotonicSeconds()
            case .closed(let why):
                return why
            case .packet(let type, _, let body, _):
                lastReceived = monotonicSeconds()
                switch type {
                case 3:  // PUBLISH, and those that came with it: taken together, then acknowledged
                    var deliveries = [Delivery](), ids = [UInt16]()
                    var packet: PacketReader.Result? = result
                    while let current = packet, case .packet(let type, let flags, let body, let size) = current {
                        if type == 3 {
                            guard let message = parsePublish(flags: flags, body: body) else { return "malformed PUBLISH" }
                            // An oversized message was read past, not kept.
                            deliveries.append(size > body.count ? .oversized(topic: message.topic, size: size)
                                                                 : .message(topic: message.topic, payload: message.payload))
                            if let id = message.packetID { ids.append(id) }
                        } else if type == 9 {
                            checkSubscriptions(body)
                        }
                        guard deliveries.count < batch else { break }
                        packet = reader.nextIfReady()
                        if case .closed(let why)? = packet { return why }
                    }
                    guard onMessages(deliveries) else { return "a message was not stored" }
                    if !ids.isEmpty {
                        guard sendAll(fd, ids.flatMap { [0x40, 0x02, UInt8($0 >> 8), UInt8($0 & 0xFF)] }) else { return "cannot send PUBACK" }
                        lastSent = monotonicSeconds()
                    }
                case 9:  // SUBACK
                    checkSubscriptions(body)
                case 13:  // PINGRESP
                    break
                default:
                    break
                }
            }
        }
        return "stopping"
    }

    private func checkSubscriptions(_ suback: [UInt8]) {
        for (i, code) in suback.dropFirst(2).enumerated() where code == 0x80 {
            onEvent(.refused(reason: "the broker refused the subscription to \(settings.topics[min(i, settings.topics.count - 1)])"))
        }
    }

    // MARK: Packets

    private func connectPacket() -> [UInt8] {
        var flags: UInt8 = 0  // clean session off: the broker keeps the session
        var payload = encodeString(settings.clientID)
        if let username = settings.username {
            flags |= 0x80
            payload += encodeString(username)
            if let password = settings.password {
                flags |= 0x40
                payload += encodeString(password)
            }
        }
        let variable = encodeString("MQTT") + [4, flags, UInt8(settings.keepAlive >> 8), UInt8(settings.keepAlive & 0xFF)]
        return [0x10] + remainingLength(variable.count + payload.count) + variable + payload
    }

    private func subscribePacket(id: UInt16) -> [UInt8] {
        var body: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF)]
        for topic in settings.topics { body += encodeString(topic) + [1] }
        return [0x82] + remainingLength(body.count) + body
    }

    private func parsePublish(flags: UInt8, body: [UInt8]) -> (topic: String, packetID: UInt16?, payload: [UInt8])? {
        guard body.count >= 2 else { return nil }
        let length = Int(body[0]) << 8 | Int(body[1])
        guard body.count >= 2 + length else { return nil }
        let topic = String(decoding: body[2..<(2 + length)], as: UTF8.self)
        var index = 2 + length
        let qos = (flags >> 1) & 3
        var id: UInt16?
        if qos > 0 {
            guard body.count >= index + 2 else { return nil }
            id = UInt16(body[index]) << 8 | UInt16(body[index + 1])
            index += 2
        }
        // A QoS 2 delivery cannot happen: every subscription asks for QoS 1 at most.
        return (topic, qos == 1 ? id : nil, Array(body[index...]))
    }
}

private func encodeString(_ s: String) -> [UInt8] {
    let bytes = Array(s.utf8)
    return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
}

private func remainingLength(_ n: Int) -> [UInt8] {
    var n = n, out = [UInt8]()
    repeat {
        var byte = UInt8(n % 128)
        n /= 128
        if n > 0 { byte |= 0x80 }
        out.append(byte)
    } while n > 0
    return out
}

private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        sent += n
    }
    return true
}

struct ConnectError: Error, CustomStringConvertible {
    var description: String
}

private func connectTCP(_ host: String, _ port: Int) -> Result<Int32, ConnectError> {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(host, String(port), &hints, &list)
    guard rc == 0, let first = list else {
        return .failure(ConnectError(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))"))
    }
    defer { freeaddrinfo(list) }
    var last = "no address for \(host)"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let a = entry {
        let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
        if fd >= 0 {
            if connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return .success(fd)
            }
            last = "cannot connect to \(host):\(port): \(String(cString: strerror(errno)))"
            close(fd)
        }
        entry = a.pointee.ai_next
    }
    return .failure(ConnectError(description: last))
}

/// Reads whole MQTT packets from a socket, with a timeout for the next one. Of
/// a packet longer than `maximum`, only the first `maximum` bytes of its body
/// are kept and the rest is read and dropped (`size` says how long it was).
struct PacketReader {
    enum Result {
        case packet(type: UInt8, flags: UInt8, body: [UInt8], size: Int)
        case timeout
        case closed(String)
    }

    let fd: Int32
    let maximum: Int
    private var buffer = [UInt8]()
    private var chunk = [UInt8](repeating: 0, count: 65_536)
    /// A packet being read past: its header byte, the body kept, its size, the bytes still to drop.
    private var skipping: (header: UInt8, kept: [UInt8], size: Int, left: Int)?

    init(fd: Int32, maximum: Int) {
        self.fd = fd
        self.maximum = maximum
    }

    mutating func next(timeout: Double) -> Result {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let packet = take() { return packet }
            let left = deadline - monotonicSeconds()
            if left <= 0 { return .timeout }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(left, 3600) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { return .closed("poll: \(String(cString: strerror(errno)))") }
            if ready == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { return .closed("the broker closed the connection") }
            if n < 0 { return .closed("recv: \(String(cString: strerror(errno)))") }
            buffer += chunk[0..<n]
        }
    }

    /// The next packet if it is in already (what the socket holds is read,
    /// without waiting); nil otherwise.
    mutating func nextIfReady() -> Result? {
        if let packet = take() { return packet }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return nil }
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return .closed("the broker closed the connection") }
        if n < 0 { return errno == EINTR || errno == EAGAIN ? nil : .closed("recv: \(String(cString: strerror(errno)))") }
        buffer += chunk[0..<n]
        return take()
    }

    /// A whole packet from the front of the buffer, if one is there.
    private mutating func take() -> Result? {
        if var s = skipping {
            let dropped = min(s.left, buffer.count)
            buffer.removeFirst(dropped)
            s.left -= dropped
            guard s.left == 0 else {
                skipping = s
                return nil
            }
            skipping = nil
            return .packet(type: s.header >> 4, flags: s.header & 0x0F, body: s.kept, size: s.size)
        }
        guard buffer.count >= 2 else { return nil }
        var length = 0, multiplier = 1, index = 1
        while true {
            guard index < buffer.count else { return nil }
            let byte = buffer[index]
            length += Int(byte & 0x7F) * multiplier
            index += 1
            if byte & 0x80 == 0 { break }
            multiplier *= 128
            if index > 4 { return .closed("malformed remaining length") }
        }
        let header = buffer[0]
        if length > maximum {
            guard buffer.count >= index + maximum else { return nil }
            let kept = Array(buffer[index..<(index + maximum)])
            buffer.removeFirst(index + maximum)
            skipping = (header, kept, length, length - maximum)
            return take()
        }
        guard buffer.count >= index + length else { return nil }
        let body = Array(buffer[index..<(index + length)])
        buffer.removeFirst(index + length)
        return .packet(type: header >> 4, flags: header & 0x0F, body: body, size: length)
    }
}
