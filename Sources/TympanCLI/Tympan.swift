import ArgumentParser

@main
struct TympanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tympan",
        abstract: "Acoustic event detection for street sensors: features, detection, evaluation.",
        discussion: "Audio never leaves the library: no command writes, stores or sends samples.",
        subcommands: [Detect.self, Listen.self, Evaluate.self, Calibrate.self, Features.self, RulesCommand.self, Replay.self, Bench.self])
}
