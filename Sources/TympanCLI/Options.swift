import ArgumentParser
import Tympan
import TympanIO

extension RawPCMStream.Encoding: ExpressibleByArgument {}

/// The raw PCM options' ranges, checked before any audio is read (a usage error).
func checkRawFormat(rate: Int, channels: Int) throws {
    let rates = supportedSampleRates
    guard rates.contains(rate) else {
        throw ValidationError("--rate \(rate) is outside \(rates.lowerBound)...\(rates.upperBound) Hz")
    }
    guard (1...64).contains(channels) else { throw ValidationError("--channels \(channels) is outside 1...64") }
}

/// Raw PCM input, as `detect` and `listen` read it: with --raw, every input
/// ('-' for standard input, or a file or FIFO) is raw PCM; without it, inputs
/// are audio files and '-' is refused.
struct RawInputOptions: ParsableArguments {
    @Option(help: "The input is raw PCM in this encoding (\(RawPCMStream.Encoding.allCases.map(\.rawValue).joined(separator: ", "))): '-' for standard input, or a file or FIFO. Without it, inputs are audio files.")
    var raw: RawPCMStream.Encoding?

    @Option(help: "Sample rate of the raw PCM (Hz, 4000...384000).")
    var rate: Int?

    @Option(help: "Channels of the raw PCM (1...64).")
    var channels: Int = 1

    func validate() throws {
        if raw != nil, rate == nil { throw ValidationError("--raw needs --rate") }
        if raw == nil, rate != nil { throw ValidationError("--rate describes raw PCM; add --raw") }
        if let rate { try checkRawFormat(rate: rate, channels: channels) }
    }

    /// Refuses '-' without --raw.
    func check(_ inputs: [String]) throws {
        if raw == nil, inputs.contains("-") { throw ValidationError("reading '-' needs --raw (s16le or f32le) and --rate") }
        guard inputs.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("'-' may be given once") }
    }
}

/// Which rules a command runs, as every command that takes rules takes them:
/// `--rules FILE`, or the bundled rules.
struct RulesOptions: ParsableArguments {
    @Option(name: .customLong("rules"),
            help: "A rules file (default: the bundled rules, which `tympan rules` prints; listen: config key rules).")
    var path: String?

    /// The rules, checked against `configuration`'s features.
    func load(configuration: FeatureConfiguration = .detection) throws -> Rules {
        try readRules(path, configuration: configuration).rules
    }

    /// The rules and the text they were read from (what `calibrate` rewrites).
    func loadWithText(configuration: FeatureConfiguration = .detection) throws -> (text: String, rules: Rules) {
        try readRules(path, configuration: configuration)
    }
}

/// What every command that detects takes: the rules, the sensor id, the
/// calibration and the start time. Unset, each is the command's default
/// (`listen`: its configuration file's key).
struct DetectionOptions: ParsableArguments {
    @OptionGroup var rules: RulesOptions

    @Option(help: "Sensor id written in every record (detect: default local; listen: config key sensor).")
    var sensor: String?

    @Option(name: .customLong("calibration-db"),
            help: "dB added to the A-weighted level so that level_db reads dB SPL (default 0; listen: config key calibration_db).")
    var calibrationDB: Double?

    /// `detect`'s earlier name for --calibration-db, still read.
    @Option(name: .customLong("calibration"), help: .hidden)
    var calibrationEarlierName: Double?

    @Option(name: .customLong("start-time"),
            help: "UTC time of the first sample, e.g. 2026-11-30T12:00:00Z (default: when the first sample of a stream arrives; a file's modification time).")
    var startTime: String?

    var calibration: Double? { calibrationDB ?? calibrationEarlierName }

    /// The start time in seconds since 1970, when given.
    var start: Double? { startTime.flatMap(parseUTC) }

    func validate() throws {
        if calibrationDB != nil, calibrationEarlierName != nil {
            throw ValidationError("--calibration is the earlier name of --calibration-db: give one of them")
        }
        if let calibration, !(-200...200).contains(calibration) {
            throw ValidationError("--calibration-db \(calibration) is outside -200...200 dB")
        }
        if let startTime, parseUTC(startTime) == nil {
            throw ValidationError("--start-time '\(startTime)' is not a UTC time like 2026-11-30T12:00:00Z")
        }
    }
}
