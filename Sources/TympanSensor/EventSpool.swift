import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Events on disk until the broker has them: one file per event,
/// `<sequence>.json` in one folder, written to a temporary name, fsync'd and
/// renamed (so a crash leaves either the whole record or nothing), the folder
/// fsync'd too. `remove` deletes an event once the broker acknowledged it.
/// A daemon that starts finds the events a previous run left and sends them
/// first, oldest first. Memory holds only the sequence numbers (and, if a
/// write failed, that event's record, so that it is still delivered).
/// Thread-safe: the detection thread appends, the network thread reads and removes.
public final class EventSpool: Sendable {
    public let folder: String
    private struct State {
        var pending: [UInt64] = []      // sorted; entries before `head` are gone
        var head = 0
        var removed = Set<UInt64>()     // removed out of order, still in `pending`
        var inMemory = [UInt64: String]()
        var next: UInt64 = 1
    }
    private let state: Mutex<State>

    public init(folder: String) throws(SpoolError) {
        self.folder = folder
        if mkdir(folder, 0o700) != 0, errno != EEXIST {
            throw SpoolError(path: folder, operation: "create the folder", code: errno)
        }
        guard let dir = opendir(folder) else { throw SpoolError(path: folder, operation: "open the folder", code: errno) }
        defer { closedir(dir) }
        var found = [UInt64]()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".tmp") {  // a write cut short by a crash: never acknowledged, never complete
                unlink("\(folder)/\(name)")
            } else if name.hasSuffix(".json"), let seq = UInt64(name.dropLast(5)) {
                found.append(seq)
            }
        }
        found.sort()
        state = Mutex(State(pending: found, next: (found.last ?? 0) + 1))
    }

    /// Events waiting for the broker.
    public var count: Int { state.withLock { $0.pending.count - $0.head - $0.removed.count } }

    private func path(_ seq: UInt64) -> String {
        let digits = String(seq)
        return "\(folder)/\(String(repeating: "0", count: max(0, 16 - digits.count)))\(digits).json"
    }

    /// Writes one record durably; returns its sequence number. If the disk
    /// refuses (full, read-only), the record is kept in memory and still
    /// delivered, and the error says so.
    @discardableResult
    public func append(_ record: String) throws(SpoolError) -> UInt64 {
        let seq = state.withLock { s in
            defer { s.next += 1 }
            return s.next
        }
        let final = path(seq)
        var failure: SpoolError?
        do {
            try writeDurably(record + "\n", to: final, temporary: String(final.dropLast(5)) + ".tmp")
        } catch {
            failure = SpoolError(path: error.path, operation: error.operation, code: error.code)
        }
        state.withLock { s in
            s.pending.append(seq)
            if failure != nil { s.inMemory[seq] = record }
        }
        if let failure { throw failure }
        return seq
    }

    /// Up to `limit` waiting events after sequence `after` (nil: from the
    /// oldest), oldest first, with their records.
    public func waiting(after: UInt64?, limit: Int) -> [(sequence: UInt64, record: String)] {
        let (seqs, memory): ([UInt64], [UInt64: String]) = state.withLock { s in
            var out = [UInt64]()
            var i = s.head
            if let after {  // binary search for the first entry > after
                var lo = s.head, hi = s.pending.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if s.pending[mid] <= after { lo = mid + 1 } else { hi = mid }
                }
                i = lo
            }
            while i < s.pending.count, out.count < limit {
                if !s.removed.contains(s.pending[i]) { out.append(s.pending[i]) }
                i += 1
            }
            return (out, s.inMemory)
        }
        var result = [(sequence: UInt64, record: String)]()
        for seq in seqs {
            if let record = memory[seq] {
                result.append((seq, record))
            } else if let text = readSmallFile(path(seq)) {
                result.append((seq, text.hasSuffix("\n") ? String(text.dropLast()) : text))
            }
        }
        return result
    }

    /// The broker has this event: forget it.
    public func remove(_ seq: UInt64) {
        let inMemory = state.withLock { s -> Bool in
            if seq == s.pending[safe: s.head] {
                s.head += 1
                while s.head < s.pending.count, s.removed.remove(s.pending[s.head]) != nil { s.head += 1 }
            } else {
                s.removed.insert(seq)
            }
            if s.head > 1024, s.head * 2 > s.pending.count {  // compact
                s.pending.removeFirst(s.head)
                s.head = 0
            }
            return s.inMemory.removeValue(forKey: seq) != nil
        }
        if !inMemory {
            unlink(path(seq))
            syncFolder(of: path(seq))
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

/// A spool operation that failed: what, on which path, and the system's reason.
public struct SpoolError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var operation: String
    public var code: Int32

    public var description: String { "spool: cannot \(operation) '\(path)': \(String(cString: strerror(code)))" }
}
