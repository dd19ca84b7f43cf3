import Foundation
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

/// Test doubles that are not doubles: a real mosquitto broker on a loopback
/// port, a real `mosquitto_sub`, and the real `tympan listen`.
enum MQTTTest {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func program(_ name: String) throws -> String {
        for folder in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Missing(description: "\(name) is not installed (scripts/bootstrap.sh installs mosquitto and mosquitto-clients)")
    }

    /// A loopback TCP port nobody listens on, below the kernel's ephemeral range
    /// (32768 and up on Linux): a port the kernel hands out could be given to some
    /// outgoing connection while a test's broker is stopped, and the broker could
    /// not listen on it again. Distinct within this process (tests run in parallel).
    static func freePort() -> Int {
        portLock.lock()
        defer { portLock.unlock() }
        while true {
            nextPort = nextPort >= 32_000 ? 20_000 : nextPort + 1
            if bindable(nextPort) { return nextPort }
        }
    }

    private static let portLock = NSLock()
    nonisolated(unsafe) private static var nextPort = 20_000 + Int(getpid() % 10_000)

    private static func bindable(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Waits until `condition` holds (checked every 50 ms); false after `timeout` s.
    @discardableResult
    static func wait(_ timeout: Double = 60, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// A scene as raw s16le bytes (what arecord would send).
    static func s16le(_ path: String) throws -> Data {
        let clip = try AudioFile.read(path)
        var bytes = Data(capacity: clip.samples.count * 2)
        for x in clip.samples {
            let v = Int16(max(-32768, min(32767, (x * 32768).rounded())))
            withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// A throwaway CA and a server certificate for 127.0.0.1 that it signed.
    static func makeCertificates(in folder: URL, name: String = "ca") throws -> (ca: String, cert: String, key: String) {
        let ca = folder.appendingPathComponent("\(name).crt").path, caKey = folder.appendingPathComponent("\(name).key").path
        let key = folder.appendingPathComponent("\(name)-server.key").path, csr = folder.appendingPathComponent("\(name)-server.csr").path
        let cert = folder.appendingPathComponent("\(name)-server.crt").path
        let ext = folder.appendingPathComponent("\(name)-ext.cnf").path
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: ext, atomically: true, encoding: .utf8)
        let openssl = try program("openssl")
        for arguments in [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=Tympan test CA \(name)"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext],
        ] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: openssl)
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw Missing(description: "openssl \(arguments[0]) failed") }
        }
        return (ca, cert, key)
    }
}

extension Process {
    /// Starts the process with no signal blocked: the test runner's threads
    /// block them all, a child inherits that mask, and a broker that ignores
    /// SIGTERM would never stop.
    func runUnblocked() throws {
        var all = sigset_t(), saved = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_UNBLOCK, &all, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try run()
    }
}

/// mosquitto on 127.0.0.1:port with its own configuration and persistence
/// folder (so a subscriber's session survives a restart).
final class Broker {
    let port: Int
    let folder: URL
    let settings: [String]
    private var process: Process?

    init(folder: URL, settings: [String] = ["allow_anonymous true"]) {
        port = MQTTTest.freePort()
        self.folder = folder
        self.settings = settings
    }

    func start() throws {
        let conf = folder.appendingPathComponent("mosquitto-\(port).conf")
        let lines = ["listener \(port) 127.0.0.1", "user root", "persistence true",
                     "persistence_location \(folder.path)/"] + settings
        try (lines.joined(separator: "\n") + "\n").write(to: conf, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try MQTTTest.program("mosquitto"))
        p.arguments = ["-c", conf.path]
        let log = folder.appendingPathComponent("mosquitto-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        try p.runUnblocked()
        process = p
        // Our mosquitto must be the one that answers (it exits when it cannot listen).
        guard MQTTTest.wait(10, { MQTTTest.accepts(port: port) }), p.isRunning else {
            throw MQTTTest.Missing(description: "mosquitto did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
    }

    var pid: Int32? { process?.processIdentifier }

    func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    deinit { stop() }
}

/// `mosquitto_sub` on tympan/#, QoS 1, a persistent session: what a central
/// platform would see, in arrival order.
final class Subscriber {
    private let process = Process()
    private let output: URL

    init(port: Int, folder: URL, extra: [String] = []) throws {
        output = folder.appendingPathComponent("sub-\(port)-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: try MQTTTest.program("mosquitto_sub"))
        process.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-t", "tympan/#", "-v", "-q", "1", "-c",
                             "-i", "platform-\(UUID().uuidString.prefix(8))"] + extra
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.runUnblocked()
    }

    /// (topic, payload) in arrival order.
    var messages: [(topic: String, payload: String)] {
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> (topic: String, payload: String)? in
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
    }

    /// The event records received, as JSON objects, in arrival order.
    var events: [[String: Any]] {
        messages.filter { $0.topic.hasSuffix("/events") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as? [String: Any]
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// `tympan listen` with a pipe on its standard input.
final class Daemon {
    let process = Process()
    private let input = Pipe()
    let stderrFile: URL
    let stdoutFile: URL

    init(_ arguments: [String], folder: URL) throws {
        Glibc.signal(SIGPIPE, SIG_IGN)
        let tag = UUID().uuidString.prefix(8)
        stderrFile = folder.appendingPathComponent("listen-\(tag).err")
        stdoutFile = folder.appendingPathComponent("listen-\(tag).out")
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        process.executableURL = CLI.binary
        process.arguments = ["listen"] + arguments
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.runUnblocked()
    }

    func write(_ data: Data, chunk: Int = 8192) {
        var offset = data.startIndex  // a slice keeps its parent's indices
        while offset < data.endIndex {
            let end = min(offset + chunk, data.endIndex)
            // A daemon that exited (the test then fails on its status) must not crash the tests.
            guard (try? input.fileHandleForWriting.write(contentsOf: data.subdata(in: offset..<end))) != nil else { return }
            offset = end
        }
    }

    func closeInput() { try? input.fileHandleForWriting.close() }

    func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

    /// Waits for the exit; nil if it did not exit within `timeout` s.
    func exitStatus(within timeout: Double = 60) -> Int32? {
        guard MQTTTest.wait(timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
