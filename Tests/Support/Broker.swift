import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Test doubles that are not doubles: a real mosquitto broker on a loopback
/// port, a real `mosquitto_sub`, and the real `tympan listen`.
public enum MQTTTest {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public static func program(_ name: String) throws -> String {
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
    public static func freePort() -> Int {
        portLock.lock()
        defer { portLock.unlock() }
        while true {
            nextPort = nextPort >= 32_000 ? 20_000 : nextPort + 1
            if bindable(nextPort) { return nextPort }
        }
    }

    private static let portLock = NSLock()
    nonisolated(unsafe) private static var nextPort = 20_000 + Int(getpid() % 10_000)

    private static func bindable(_ port: Int) -> Bool { onLoopback(port, bind) }

    public static func accepts(port: Int) -> Bool { onLoopback(port, connect) }

    /// `call` (bind or connect) on a new TCP socket with 127.0.0.1:port; true when it succeeds.
    private static func onLoopback(_ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return onLoopback(fd, port, call)
    }

    /// A TCP socket connected to 127.0.0.1:port (the caller closes it), or nil.
    public static func connectLoopback(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if onLoopback(fd, port, connect) { return fd }
        close(fd)
        return nil
    }

    private static func onLoopback(_ fd: Int32, _ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Waits until `condition` holds (checked every 50 ms); false after `timeout` s.
    @discardableResult
    public static func wait(_ timeout: Double = 60, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// A throwaway CA and a server certificate for 127.0.0.1 that it signed.
    public static func makeCertificates(in folder: URL, name: String = "ca") throws -> (ca: String, cert: String, key: String) {
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
    public func runUnblocked() throws {
        var all = sigset_t(), saved = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_UNBLOCK, &all, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try run()
    }
}

/// mosquitto on 127.0.0.1:port with its own configuration and persistence
/// folder (so a subscriber's session survives a restart).
public final class Broker {
    public let port: Int
    public let folder: URL
    public let settings: [String]
    private var process: Process?

    public init(folder: URL, settings: [String] = ["allow_anonymous true"]) {
        port = MQTTTest.freePort()
        self.folder = folder
        self.settings = settings
    }

    public func start() throws {
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

    public var pid: Int32? { process?.processIdentifier }

    public func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    deinit { stop() }
}

