import ArgumentParser
import Foundation
import Tympan

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Print the bundled rules (JSON), to edit a copy for --rules; or check a rules file.",
        discussion: """
            With --check FILE: reads FILE and reports the first error with its line, or 'ok'.
            With --tables: prints the per-frame detection of the bundled rules (or of --rules FILE) \
            as the C kernels take it, one item per line: the front end's configuration, the \
            tables of tympan_aggregates and tympan_scorer, and the features the event trackers \
            read. A program can run the detection's per-frame part from the C kernels alone with \
            it (Benchmarks/arm/detect.c does, for the aarch64 proof); `tympan replay` turns the \
            scores it writes into events.
            """)

    @Option(help: "Check this rules file instead of printing the bundled rules.")
    var check: String?

    @Flag(help: "Print the compiled tables of the per-frame detection instead of the rules.")
    var tables = false

    @OptionGroup var rules: RulesOptions  // with --tables

    func run() throws {
        if tables {
            let compiled = try rules.load()
            guard let text = try EventDetector.tables(for: compiled) else {
                printError("these rules are scored in Swift (soft conditions or classes whose terms must all hold): no C tables")
                throw ExitCode(1)
            }
            print(text, terminator: "")
            return
        }
        if rules.path != nil { throw ValidationError("--rules goes with --tables") }
        guard let check else {
            print(Rules.bundledJSON)
            return
        }
        let rules: Rules
        do {
            rules = try readRules(check).rules
        } catch let error as ValidationError {
            printError(error.message)
            throw ExitCode(1)
        }
        print("ok: \(rules.classes.count) classes (\(rules.classes.map(\.eventClass.label).joined(separator: ", ")))")
    }
}


/// `tympan replay`: the events of a score trace that a detection run from the
/// C kernels alone wrote (the tables of `tympan rules --tables`).
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a score trace written by a C-only detection into events (the aarch64 proof uses it).",
        discussion: """
            TRACE holds, per frame, each class's score, the frame's A-weighted level and each \
            class's onset feature (0 for a class without one), as float64 little-endian, frame after frame: \
            what a program that runs the tables of `tympan rules --tables` writes \
            (Benchmarks/arm/detect.c). The event trackers of the rules turn it into events, one \
            line each: onset and offset (seconds), class, confidence, level (dB).
            """)

    @Argument(help: "The trace file.")
    var trace: String

    @OptionGroup var rules: RulesOptions  // whose trackers to run: the same the tables came from

    func run() throws {
        let rules = try self.rules.load()
        let bytes = try readFile(trace, kind: "trace", limit: 1 << 30)
        guard bytes.count % 8 == 0 else {
            throw ValidationError("trace '\(trace)' is \(bytes.count) bytes, not a whole number of doubles")
        }
        // Little-endian doubles, as Benchmarks/arm/detect.c writes them.
        let values = stride(from: 0, to: bytes.count, by: 8).map { i in
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) })
        }
        let scores: ScoreTrace
        do {
            scores = try ScoreTrace(classes: rules.classes.map(\.eventClass), frames: values)
        } catch {
            throw ValidationError("'\(trace)': \(error)")
        }
        for event in EventDetector.replay(scores, rules: rules) {
            print(String(format: "%.3f\t%.3f\t", event.onsetSeconds, event.offsetSeconds) + event.eventClass.label
                  + String(format: "\t%.4f\t%.1f", event.confidence, event.peakLevel))
        }
    }
}
