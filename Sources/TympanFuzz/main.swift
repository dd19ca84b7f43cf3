import FuzzSupport
import TympanSensor

// The fuzz targets of the sensor side (Targets.swift): `make fuzz`, and
// `tympan-fuzz TARGET FILES` to replay saved inputs.
fuzzMain("tympan-fuzz", targets: [
    "features": fuzzFeatures,
    "simd": fuzzSIMD,
    "rules": fuzzRules,
    "labels": fuzzLabels,
    "sensor-config": { (try? SensorConfiguration(json: String(decoding: $0, as: UTF8.self), source: "fuzz")) != nil },
    "audio-file": fuzzAudioFile,
    "raw-pcm": fuzzRawPCM,
    "site-state": fuzzSiteState,
])
