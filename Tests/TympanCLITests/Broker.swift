import Foundation
import TympanIO

#if canImport(Glibc)
import Glibc
#endif
import TestSupport

// The broker itself is TestSupport's (Broker, MQTTTest); here what only the
// CLI's tests need: raw PCM of a scene and a `mosquitto_sub` to read what arrives.

extension MQTTTest {
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
