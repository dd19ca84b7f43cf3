import Testing
@testable import TympanPlatform

/// The `--database postgres://…` URL: what it may say, and what it is refused for.
@Suite struct PostgresURLTests {
    @Test("connect_timeout sets how long a statement waits for a connection (10 s unless said); sslmode as before")
    func connectTimeout() async throws {
        let plain = try PostgresDatabase(url: "postgres://u@127.0.0.1:1/db?sslmode=disable")
        #expect(plain.waitSeconds == 10)
        await plain.close()
        let patient = try PostgresDatabase(url: "postgres://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=60")
        #expect(patient.waitSeconds == 60)
        await patient.close()
    }

    @Test("A connect_timeout outside 1...3600 s, not a whole number, or an unknown parameter is refused by name",
          arguments: ["connect_timeout=0", "connect_timeout=3601", "connect_timeout=ten", "connect_timeout=1.5",
                      "sslmode=maybe", "timeout=5"])
    func refused(_ query: String) {
        #expect {
            _ = try PostgresDatabase(url: "postgres://u@127.0.0.1:1/db?" + query)
        } throws: { error in
            "\(error)".contains(query) && "\(error)".contains("connect_timeout=1...3600")
        }
    }
}
