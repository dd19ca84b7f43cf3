import ArgumentParser
import Tympan
import TympanIO
import TympanSensor

#if canImport(Glibc)
import Glibc
#endif

struct Listen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The sensor daemon: detect events in a live stream and publish them to an MQTT broker, with nothing lost.",
        discussion: """
            Reads raw PCM from standard input ('-'), a file or a FIFO (with --raw, --rate, --channels), or an audio file, runs detection with bounded memory, and publishes each event record (the record of `tympan detect` plus a unique "id") to tympan/<sensor>/events, QoS 1. Every event is first written to the spool folder (fsync'd) and removed only when the broker acknowledged it; while the broker is away detection goes on and events wait there, and a restart sends what an earlier run left. A retained tympan/<sensor>/status says "online", or "offline" (last will, or a clean stop). Every --health-interval seconds of audio, tympan/<sensor>/health gets the interval's Leq and maximum in dB(A), frames processed, dropped and late, input overruns, CPU seconds and spool depth.

              arecord -f S16_LE -r 16000 -c 1 | tympan listen --config sensor.json --raw s16le --rate 16000 -

            The configuration file is a JSON object with the keys sensor, latitude, longitude, calibration_db, rules, broker (mqtt://host:port or mqtts://host:port), ca_file, cert_file, key_file, username, password_file, spool, health_interval, reconnect_max, site_state, site_save_interval; a flag overrides its key. Any error in it stops the start, before audio is read. SIGTERM/SIGINT: close open events, deliver or spool them, publish "offline", exit 0. SIGHUP: reload the rules file (a bad file keeps the current rules). What the detector learns of its site (each class's score histogram, no audio) is read at start from --site-state (default: site-state in the spool folder) and written there every site_save_interval seconds of audio (default 300) and at the end, so that a restart goes on from it; delete the file when the sensor moves. The daemon opens no listening port and never writes audio.
            """)

    @Argument(help: "'-' for raw PCM on standard input, a raw PCM file or FIFO (with --raw), or an audio file.")
    var input: String

    @Option(help: "A sensor configuration file (JSON).")
    var config: String?

    @OptionGroup var rawInput: RawInputOptions

    @OptionGroup var detection: DetectionOptions

    @Option(help: "Broker, mqtt://host:port or mqtts://host:port (config key broker).")
    var broker: String?

    @Option(help: "Spool folder (config key spool).")
    var spool: String?

    @Option(name: .customLong("site-state"), help: "File of what the detector learned of its site (config key site_state; default: site-state in the spool folder).")
    var siteState: String?

    @Option(name: .customLong("health-interval"), help: "Seconds of audio between health reports (config key health_interval; default 60).")
    var healthInterval: Double?

    @Option(name: .customLong("ca-file"), help: "CA certificate of an mqtts:// broker (config key ca_file).")
    var caFile: String?

    @Option(name: .customLong("cert-file"), help: "Client certificate (config key cert_file).")
    var certFile: String?

    @Option(name: .customLong("key-file"), help: "Client key (config key key_file).")
    var keyFile: String?

    @Option(help: "Broker user name (config key username).")
    var username: String?

    @Option(name: .customLong("password-file"), help: "File whose first line is the password (config key password_file).")
    var passwordFile: String?

    @Flag(help: "Also print each record as a JSON line on standard output.")
    var stdout = false

    @Option(help: "At the end, seconds to wait for the broker to take the spooled events.")
    var drain: Double = 5

    func settings() throws -> SensorConfiguration {
        var c = SensorConfiguration()
        if let config {
            let text: String
            do {
                text = try readTextFile(config, kind: "configuration")
            } catch {
                throw ListenError("\(error)")
            }
            do {
                c = try SensorConfiguration(json: text, source: config)
            } catch {
                throw ListenError(error.description)
            }
        }
        if let sensor = detection.sensor { c.sensor = sensor }
        if let broker {
            guard let address = BrokerAddress(broker) else {
                throw ValidationError("--broker '\(broker)' is not mqtt://host:port or mqtts://host:port")
            }
            c.broker = address
        }
        if let spool { c.spool = spool }
        if let siteState { c.siteState = siteState }
        if let rules = detection.rules.path { c.rules = rules }
        if let calibration = detection.calibration { c.calibration = calibration }
        if let healthInterval {
            guard (1...86_400).contains(healthInterval) else {
                throw ValidationError("--health-interval \(healthInterval) is outside 1...86400 s")
            }
            c.healthInterval = healthInterval
        }
        if let caFile { c.caFile = caFile }
        if let certFile { c.certFile = certFile }
        if let keyFile { c.keyFile = keyFile }
        if let username { c.username = username }
        if let passwordFile { c.passwordFile = passwordFile }
        return c
    }

    func options() throws -> Listener.Options {
        let source: ListenInput
        try rawInput.check([input])
        if let raw = rawInput.raw, let rate = rawInput.rate {
            source = .raw(path: input == "-" ? nil : input, encoding: raw, rate: rate, channels: rawInput.channels)
        } else {
            source = .file(path: input)
        }
        var o = Listener.Options(configuration: try settings(), input: source)
        o.stdout = stdout
        if let start = detection.start { o.startTime = start }
        guard (0...3_600).contains(drain) else { throw ValidationError("--drain \(drain) is outside 0...3600 s") }
        o.drain = drain
        return o
    }

    func run() throws {
        let listener: Listener
        do {
            listener = try Listener(options: try options())
        } catch let error as ListenError {
            printError("listen: \(error)")
            throw ExitCode(2)
        }
        let status = listener.run()
        if status != 0 { throw ExitCode(status) }
    }
}
