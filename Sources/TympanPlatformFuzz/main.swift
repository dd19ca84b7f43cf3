import FuzzSupport
import TympanPlatform

// The platform's fuzz target, apart from the sensor side's (its build carries
// the server's packages): MQTT messages as the platform reads them, the topic
// from the first byte. `make fuzz`, and `tympan-platform-fuzz TARGET FILES`.
fuzzMain("tympan-platform-fuzz", targets: [
    "platform-message": { bytes in
        var input = FuzzInput(bytes)
        let topic = input.pick(["tympan/pole-1/events", "tympan/pole-1/health", "tympan/pole-1/status",
                                "tympan//events", "tympan/pole-1/events/extra", "other"])
        return (try? SensorMessage.parse(topic: topic, payload: input.rest(), receivedMs: 1_780_000_000_000)) != nil
    },
])
