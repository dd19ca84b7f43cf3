import CTympan
import Foundation
import Testing
import TestSupport

/// Descriptors at 16 kHz (400 in 512, Hann) with the four standard bands,
/// whose tonalities are 12 + 8 + band in the output.
func bandedDescriptors() throws -> OpaquePointer {
    let edges: [Double] = [50, 500, 500, 2000, 2000, 5000, 5000, 8000]
    var config = tympan_descriptors_config(sample_rate: 16000, frame_length: 400, fft_size: 512,
                                           window: TYMPAN_WINDOW_HANN_PERIODIC, mel_band_count: 4, calibration_db: 0,
                                           pitch_min_hz: 150, pitch_max_hz: 2000, band_count: 4, band_edges: nil)
    var handle: OpaquePointer?
    let status = edges.withUnsafeBufferPointer { edges in
        config.band_edges = edges.baseAddress
        return tympan_descriptors_create(&config, &handle)
    }
    #expect(status == TYMPAN_OK)
    return try #require(handle)
}
