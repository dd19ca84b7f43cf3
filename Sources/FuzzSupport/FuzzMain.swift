import Foundation
#if FUZZING
import CFuzzer
#endif

/// A fuzz target: reads fuzzer bytes as one kind of user input and must end in
/// a result or a thrown error, never a crash or a hang; returns whether the
/// input was accepted (and, where there is a second way to compute the same
/// thing, checked against it).
public typealias FuzzTest = ([UInt8]) -> Bool

#if FUZZING
nonisolated(unsafe) private var chosen: FuzzTest = { _ in false }
#endif

/// The main of a fuzz program. Two builds of it:
/// - `make fuzz` builds with -DFUZZING, coverage instrumentation and the
///   address and undefined-behaviour sanitizers, linked with libFuzzer's driver
///   (libclang_rt.fuzzer_no_main): libFuzzer's flags go to LLVMFuzzerRunDriver,
///   and TYMPAN_FUZZ_TARGET names the target;
/// - the plain build (`make test`) replays saved inputs: `PROGRAM TARGET
///   FILE|DIR...`; a crash or a broken invariant ends it.
public func fuzzMain(_ program: String, targets: KeyValuePairs<String, FuzzTest>) -> Never {
    let names = targets.map(\.key).joined(separator: "|")
    func fail(_ message: String, _ status: Int32) -> Never {
        FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
        exit(status)
    }
    #if FUZZING
    let name = ProcessInfo.processInfo.environment["TYMPAN_FUZZ_TARGET"] ?? ""
    guard let test = targets.first(where: { $0.key == name })?.value else {
        fail("TYMPAN_FUZZ_TARGET must be one of \(names)", 2)
    }
    chosen = test
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        _ = chosen(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    })
    #else
    let arguments = CommandLine.arguments.dropFirst()
    guard let name = arguments.first, let test = targets.first(where: { $0.key == name })?.value else {
        fail("usage: \(program) \(names) FILE|DIR...", 2)
    }
    var files = [String]()
    for path in arguments.dropFirst() {
        var directory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &directory), directory.boolValue {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files += entries.filter { !$0.hasPrefix(".") }.sorted().map { "\(path)/\($0)" }
        } else {
            files.append(path)
        }
    }
    var accepted = 0
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)", 1) }
        if test([UInt8](data)) { accepted += 1 }
    }
    print("\(name): \(files.count) inputs (\(accepted) accepted and checked), no crash")
    exit(0)
    #endif
}
