import ArgumentParser
import Foundation
import Hummingbird
import TympanPlatform
import TympanSensor

@main
struct TympanPlatformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tympan-platform",
        abstract: "The central platform: collects the sensors' event records from the broker, stores them, serves them.",
        discussion: "It receives event records, health reports and status only: sensors send no sound, and nothing here could store any.",
        subcommands: [Serve.self, Events.self, Token.self, User.self])
}

/// `--database sqlite:PATH` (a path alone is read as SQLite too) or `postgres://…`.
func openStore(_ url: String) async throws -> EventStore {
    do {
        return try await EventStore.open(url)
    } catch let error as StoreError {
        throw ValidationError(error.description)
    }
}

/// The `--database` help, one text for every command.
let databaseText = "sqlite:PATH (one file, the default) or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&connect_timeout=SECONDS]."
let databaseHelp = ArgumentHelp(stringLiteral: databaseText)

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Subscribe to the sensors' topics, store what arrives, and serve the HTTP API.",
        discussion: """
            Subscribes to tympan/+/events, tympan/+/health and tympan/+/status with QoS 1 and a persistent \
            session (client id --client-id, clean session off), so that what sensors publish while the platform \
            is down arrives when it is back. An event id already stored is not stored again. Stops on SIGINT or \
            SIGTERM.
            """)

    @Option(help: "A JSON file of these settings (names with underscores: broker, database, http, client_id, share_group, retention_days, tiles, tile_attribution, leaflet) and sensors, the known positions; an option given here wins over the file.")
    var config: String?
    @Option(help: "The broker: mqtt://HOST[:PORT] (required, here or in --config).")
    var broker: String?
    @Option(help: ArgumentHelp(stringLiteral: databaseText + " Default: sqlite:tympan-platform.sqlite."))
    var database: String?
    @Option(help: "HOST:PORT the HTTP API listens on. Default: 127.0.0.1:8080.")
    var http: String?
    @Option(help: "The MQTT client id: the broker keeps this session's messages while the platform is away. Default: tympan-platform.")
    var clientID: String?
    @Option(help: "Share the event subscription in this group ($share/GROUP/...) with other platform instances.")
    var shareGroup: String?
    @Option(help: "Delete events older than this many days (checked at start and every hour). Default: 90.")
    var retentionDays: Int?
    @Option(help: "Map tiles for the web pages, e.g. https://tile.example.org/{z}/{x}/{y}.png (none: a plain background with a scale).")
    var tiles: String?
    @Option(help: "The tiles' attribution, shown on the map.")
    var tileAttribution: String?
    @Option(help: "Where Leaflet and its marker clustering are (Debian's libjs-leaflet, libjs-leaflet.markercluster). Default: /usr/share/javascript/leaflet.")
    var leaflet: String?
    @Option(help: "A JSON file of sensors' positions, [{\"id\", \"latitude\", \"longitude\"}, ...] (health reports with a position replace them).")
    var sensors: String?

    func run() async throws {
        let file: PlatformConfig
        do {
            file = try config.map { try PlatformConfig.read(path: $0) } ?? PlatformConfig()
        } catch let error as MessageError {
            throw ValidationError(error.description)
        }
        guard let broker = broker ?? file.broker else { throw ValidationError("no broker: give --broker mqtt://HOST[:PORT], or broker in --config") }
        let database = database ?? file.database ?? "sqlite:tympan-platform.sqlite"
        let http = http ?? file.http ?? "127.0.0.1:8080"
        let clientID = clientID ?? file.clientID ?? "tympan-platform"
        let shareGroup = shareGroup ?? file.shareGroup
        let retentionDays = retentionDays ?? file.retentionDays ?? 90
        let tiles = tiles ?? file.tiles
        let tileAttribution = tileAttribution ?? file.tileAttribution ?? ""
        let leaflet = leaflet ?? file.leaflet ?? "/usr/share/javascript/leaflet"
        var places = file.sensors
        do {
            if let sensors { places += try SensorPlace.read(path: sensors) }
        } catch let error as MessageError {
            throw ValidationError(error.description)
        }
        guard let address = BrokerAddress(broker) else { throw ValidationError("--broker \(broker) is not mqtt://HOST[:PORT]") }
        guard let colon = http.lastIndex(of: ":"), let port = Int(http[http.index(after: colon)...]),
              (0...65_535).contains(port) else {
            throw ValidationError("--http \(http) is not HOST:PORT")
        }
        guard (1...36_500).contains(retentionDays) else { throw ValidationError("--retention-days \(retentionDays): 1...36500") }
        let store = try await openStore(database)
        for place in places { try await store.place(sensor: place.id, latitude: place.latitude, longitude: place.longitude) }
        if !places.isEmpty { platformLog("placed \(places.count) sensor(s) from --config and --sensors") }
        var settings = IngestSettings(broker: address)
        settings.clientID = clientID
        settings.shareGroup = shareGroup
        let ingest = Ingest(settings: settings, store: store)
        let live = LiveEvents()
        ingest.onEvent = { live.publish($0) }
        try ingest.start()
        defer { ingest.stop() }
        let days = retentionDays
        var web = WebSettings()
        web.tileURL = tiles
        web.tileAttribution = tileAttribution
        web.leafletFolder = leaflet
        let retention = Task {
            while !Task.isCancelled {
                do {
                    let deleted = try await store.applyRetention(days: days)
                    if deleted > 0 { platformLog("retention: deleted \(deleted) event(s) older than \(days) days") }
                } catch {
                    platformLog("retention: \(error)")
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
        defer { retention.cancel() }
        let app = Application(
            router: PlatformAPI.router(store: store, ingest: ingest, live: live, retentionDays: retentionDays, web: web),
            configuration: .init(address: .hostname(String(http[..<colon]), port: port), serverName: "tympan-platform"),
            onServerRunning: { channel in
                platformLog("HTTP on \(channel.localAddress.map { "\($0)" } ?? "?")")
            })
        try await app.runService()
        let counts = ingest.counts
        platformLog("stopped: \(counts.stored) event(s) stored, \(counts.duplicates) duplicate(s), \(counts.rejected) refused")
    }
}

/// Who a token or a login is for: a unique name, a role, the database.
struct Grant: ParsableArguments {
    @Argument(help: "Who it is for (unique).")
    var name: String
    @Option(help: "viewer (reads), operator (also reviews) or admin (also manages users and tokens).")
    var role: String
    @Option(help: databaseHelp)
    var database: String = "sqlite:tympan-platform.sqlite"

    func checkedRole() throws -> Role {
        guard let role = Role(rawValue: role) else { throw ValidationError("--role \(role): viewer, operator or admin") }
        return role
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bearer tokens for the HTTP API.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a token; print it once (only its SHA-256 is stored).")
        @OptionGroup var grant: Grant

        func run() async throws {
            let role = try grant.checkedRole()
            let store = try await openStore(grant.database)
            print(try await store.addToken(name: grant.name, role: role))
        }
    }
}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Operators' logins for the web page.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; the password is read from standard input (one line) and kept as a bcrypt hash.")
        @OptionGroup var grant: Grant

        func run() async throws {
            let role = try grant.checkedRole()
            guard let password = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
            let store = try await openStore(grant.database)
            try await store.addUser(name: grant.name, password: password, role: role)
            print("added \(grant.name) (\(role.rawValue))")
        }
    }
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the stored events, newest first, one JSON record a line (an export: written to the audit log).")
    @Option(help: databaseHelp)
    var database: String = "sqlite:tympan-platform.sqlite"
    @Option(help: "At most this many events (1...1000000).")
    var limit: Int = 1000

    func run() async throws {
        guard (1...1_000_000).contains(limit) else { throw ValidationError("--limit \(limit): 1...1000000") }
        let store = try await openStore(database)
        var query = EventQuery()
        query.limit = limit
        let events = try await store.events(query)
        let reviews = try await store.reviews(of: events.map(\.id))
        for e in events { print(e.json(review: reviews[e.id])) }
        try await store.audit(who: "command line", action: "export", detail: "tympan-platform events, \(events.count) event(s)")
    }
}
