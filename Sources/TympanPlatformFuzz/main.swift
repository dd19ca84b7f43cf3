import FuzzSupport
import Tympan
@testable import TympanPlatform

// The platform's fuzz targets, apart from the sensor side's (their build
// carries the server's packages): what arrives over MQTT (the topic from the
// first byte), the configuration file and the sensor places file.
// `make fuzz`, and `tympan-platform-fuzz TARGET FILES` to replay saved inputs.
fuzzMain("tympan-platform-fuzz", targets: [
    "platform-message": { bytes in
        var input = FuzzInput(bytes)
        let topic = input.pick(["tympan/pole-1/events", "tympan/pole-1/health", "tympan/pole-1/status",
                                "tympan//events", "tympan/pole-1/events/extra", "other"])
        return (try? SensorMessage.parse(topic: topic, payload: input.rest(), receivedMs: 1_780_000_000_000)) != nil
    },
    "platform-config": { bytes in
        (try? PlatformConfig.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz")) != nil
    },
    "sensor-places": { bytes in
        guard let root = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self)) else { return false }
        return (try? SensorPlace.list(root, kind: "fuzz")) != nil
    },
])
