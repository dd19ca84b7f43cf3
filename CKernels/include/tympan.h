/*
 * tympan.h: the one public header of Tympan's C kernels (target CTympan).
 *
 * Each stage has a config struct (what the caller chooses), an opaque state
 * (what the stage keeps between calls), and create / process / destroy
 * functions. Every function returns a tympan_status. Memory is allocated only
 * by *_create; process functions write only to caller buffers and to scratch
 * owned by the handle, so a handle may be used by one thread at a time and
 * different handles may be used on different threads concurrently.
 *
 * Sizes are explicit: every buffer argument is followed by its element count,
 * and the count is checked before any work (TYMPAN_ELENGTH when it is wrong).
 * The kernels never print and never perform I/O.
 */
#ifndef TYMPAN_H
#define TYMPAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ status */

typedef enum tympan_status {
    TYMPAN_OK = 0,
    TYMPAN_EINVAL = -1,      /* a configuration value or argument is invalid */
    TYMPAN_ELENGTH = -2,     /* a buffer count does not match what the stage needs */
    TYMPAN_ENOMEM = -3,      /* allocation failed (create only) */
    TYMPAN_ENONFINITE = -4,  /* an input sample is NaN or infinite; nothing was consumed */
    TYMPAN_EEMPTYBAND = -5,  /* a mel band covers no FFT bin (too many bands for the FFT size) */
    TYMPAN_EFFT = -6         /* FFTW could not make a plan */
} tympan_status;

/* A static, human-readable description of a status code. Never NULL. */
const char *tympan_status_message(tympan_status status);

/* ------------------------------------------------------------------ framer */
/*
 * Turns a sample stream pushed in chunks of any size into frames of
 * frame_length samples every hop_length samples, through a ring buffer.
 * With lead_padding > 0 the stream is preceded by that many zeros (centred
 * frames, librosa's center=True); tympan_framer_tail_padding tells how many
 * trailing zeros a centred stream needs at its end.
 */
typedef struct tympan_framer_config {
    size_t frame_length;  /* samples per frame, > 0 */
    size_t hop_length;    /* samples between frame starts, > 0 */
    size_t lead_padding;  /* zeros before the first sample, <= frame_length */
} tympan_framer_config;

typedef struct tympan_framer tympan_framer;

tympan_status tympan_framer_create(const tympan_framer_config *config, tympan_framer **out);
void tympan_framer_destroy(tympan_framer *framer);
/* Back to the state just after create (lead zeros not yet consumed). */
tympan_status tympan_framer_reset(tympan_framer *framer);
/* Frames that become ready if sample_count more samples are written. */
tympan_status tympan_framer_frames_for(const tympan_framer *framer, size_t sample_count,
                                       size_t *frame_count);
/* Writes samples until a frame is ready or the samples run out; *accepted
 * tells how many were taken. samples may be NULL to write padding zeros,
 * which do not count as real samples (see tympan_framer_tail_padding). */
tympan_status tympan_framer_write(tympan_framer *framer, const float *samples,
                                  size_t sample_count, size_t *accepted);
/* 1 in *ready when a whole frame is waiting to be read. */
tympan_status tympan_framer_ready(const tympan_framer *framer, int *ready);
/* Copies the waiting frame (frame_count must equal frame_length) and moves
 * on by hop_length. TYMPAN_EINVAL when no frame is ready. */
tympan_status tympan_framer_read(tympan_framer *framer, float *frame, size_t frame_count);
/* Zeros to append at the end of a centred stream so that every frame whose
 * centre lies within the real samples is produced (0 when lead_padding is 0,
 * and 0 when no real sample was written). */
tympan_status tympan_framer_tail_padding(const tympan_framer *framer, size_t *zero_count);

/* ------------------------------------------------------------------ window */
/*
 * Frame conditioning, in Kaldi's order: dither, DC removal, pre-emphasis,
 * window. Works in place on one frame.
 */
typedef enum tympan_window_type {
    TYMPAN_WINDOW_RECTANGULAR = 0,
    TYMPAN_WINDOW_HANN_PERIODIC = 1,   /* 0.5 - 0.5 cos(2 pi n / N), scipy/librosa 'hann' */
    TYMPAN_WINDOW_HANN_SYMMETRIC = 2,  /* 0.5 - 0.5 cos(2 pi n / (N - 1)) */
    TYMPAN_WINDOW_HAMMING = 3,         /* 0.54 - 0.46 cos(2 pi n / (N - 1)), HTK and Kaldi */
    TYMPAN_WINDOW_POVEY = 4            /* (0.5 - 0.5 cos(2 pi n / (N - 1)))^0.85, Kaldi */
} tympan_window_type;

typedef struct tympan_window_config {
    size_t length;             /* samples per frame, > 0 */
    tympan_window_type type;
    float preemphasis;         /* 0 disables; x[n] -= k x[n-1], x[0] -= k x[0] (Kaldi/HTK) */
    int remove_dc_offset;      /* nonzero: subtract the frame mean first */
    float dither;              /* 0 disables; adds dither * N(0, 1) noise */
    uint64_t dither_seed;      /* seed of the dither generator: same seed, same noise */
} tympan_window_config;

typedef struct tympan_window tympan_window;

tympan_status tympan_window_create(const tympan_window_config *config, tympan_window **out);
void tympan_window_destroy(tympan_window *window);
/* Restarts the dither sequence from the seed. */
tympan_status tympan_window_reset(tympan_window *window);
tympan_status tympan_window_process(tympan_window *window, float *frame, size_t frame_count);
/* The window coefficients (for tests and plots). */
tympan_status tympan_window_coefficients(const tympan_window *window, float *out, size_t count);

/* ---------------------------------------------------------------- spectrum */
/*
 * Real FFT through FFTW (single precision: its complex FFT of fft_size / 2
 * points plus a split step, see spectrum.c), then |X|^2 or |X|.
 * A frame shorter than fft_size is zero-padded at its end.
 * Planning is serialised by one process-wide lock; process is lock-free.
 */
typedef enum tympan_spectrum_kind {
    TYMPAN_SPECTRUM_POWER = 0,
    TYMPAN_SPECTRUM_MAGNITUDE = 1
} tympan_spectrum_kind;

typedef struct tympan_spectrum_config {
    size_t fft_size;       /* even, >= 2 */
    tympan_spectrum_kind kind;
} tympan_spectrum_config;

typedef struct tympan_spectrum tympan_spectrum;

tympan_status tympan_spectrum_create(const tympan_spectrum_config *config, tympan_spectrum **out);
void tympan_spectrum_destroy(tympan_spectrum *spectrum);
/* frame: frame_count <= fft_size samples; bins: fft_size / 2 + 1 values. */
tympan_status tympan_spectrum_process(tympan_spectrum *spectrum, const float *frame,
                                      size_t frame_count, float *bins, size_t bin_count);

/* -------------------------------------------------------------- filterbank */

typedef enum tympan_mel_scale {
    TYMPAN_MEL_SLANEY = 0,  /* linear below 1 kHz, logarithmic above (librosa default) */
    TYMPAN_MEL_HTK = 1      /* 2595 log10(1 + f / 700) (HTK, Kaldi, librosa htk=True) */
} tympan_mel_scale;

typedef enum tympan_mel_norm {
    TYMPAN_MEL_NORM_NONE = 0,
    TYMPAN_MEL_NORM_SLANEY = 1  /* each triangle scaled to constant area: 2 / (f_right - f_left) */
} tympan_mel_norm;

typedef enum tympan_mel_shape {
    TYMPAN_MEL_TRIANGLE_HZ = 0,  /* triangles linear in Hz between mel-spaced edges (librosa) */
    TYMPAN_MEL_TRIANGLE_MEL = 1  /* triangles linear in mel (HTK, Kaldi) */
} tympan_mel_shape;

typedef struct tympan_filterbank_config {
    double sample_rate;    /* Hz, > 0 */
    size_t fft_size;       /* the spectrum has fft_size / 2 + 1 bins */
    size_t band_count;     /* > 0 */
    double min_frequency;  /* Hz, >= 0 */
    double max_frequency;  /* Hz, <= sample_rate / 2, > min_frequency */
    tympan_mel_scale scale;
    tympan_mel_norm norm;
    tympan_mel_shape shape;
} tympan_filterbank_config;

typedef struct tympan_filterbank tympan_filterbank;

tympan_status tympan_mel_from_hz(tympan_mel_scale scale, double hz, double *mel);
tympan_status tympan_hz_from_mel(tympan_mel_scale scale, double mel, double *hz);

/* TYMPAN_EEMPTYBAND when some band would have no nonzero weight. */
tympan_status tympan_filterbank_create(const tympan_filterbank_config *config,
                                       tympan_filterbank **out);
/* What create would return but for memory, without making the weights: time
 * and memory grow with band_count, not fft_size (configuration validation). */
tympan_status tympan_filterbank_check(const tympan_filterbank_config *config);
void tympan_filterbank_destroy(tympan_filterbank *filterbank);
/* power: fft_size / 2 + 1 bins; mel: band_count values. Only each band's
 * nonzero bins are visited. Energies saturate at FLT_MAX (never inf). */
tympan_status tympan_filterbank_process(const tympan_filterbank *filterbank, const float *power,
                                        size_t power_count, float *mel, size_t mel_count);
/* The dense band_count x (fft_size / 2 + 1) weight matrix, row-major (tests, plots). */
tympan_status tympan_filterbank_weights(const tympan_filterbank *filterbank, float *out,
                                        size_t count);

/* --------------------------------------------------------------------- log */

typedef enum tympan_log_kind {
    TYMPAN_LOG_NONE = 0,      /* values pass through */
    TYMPAN_LOG_NATURAL = 1,   /* ln(max(x, floor)) (Kaldi: floor = FLT_EPSILON) */
    TYMPAN_LOG_DECIBEL = 2    /* 10 log10(max(x, amin)) - 10 log10(max(ref, amin)) (librosa) */
} tympan_log_kind;

typedef struct tympan_log_config {
    tympan_log_kind kind;
    float floor;      /* NATURAL: > 0 */
    float amin;       /* DECIBEL: > 0 */
    float reference;  /* DECIBEL: > 0, usually 1 */
    float top_db;     /* DECIBEL: <= 0 disables; else values below (frame max - top_db) are raised to it */
} tympan_log_config;

typedef struct tympan_log tympan_log;

/* Natural log of max(values[i], floor), vectorised (fastlog.c): within 1 ulp
 * of logf where |ln x| > 0.5, 3e-8 absolute nearer 1 (measured; tested to 2 ulp
 * and 1e-7). floor must be a normal float.
 * values and out may be the same array. */
tympan_status tympan_ln(const float *values, float *out, size_t count, float floor);

tympan_status tympan_log_create(const tympan_log_config *config, tympan_log **out);
void tympan_log_destroy(tympan_log *log);
/* In place is allowed (values == out). */
tympan_status tympan_log_process(const tympan_log *log, const float *values, float *out,
                                 size_t count);

/* -------------------------------------------------------------------- mfcc */
/*
 * Orthonormal DCT-II of band_count log-mel values, keeping the first
 * coefficient_count, then optional liftering in the HTK/Kaldi convention:
 * c[k] *= 1 + (lifter / 2) sin(pi k / lifter).
 */
typedef struct tympan_mfcc_config {
    size_t band_count;         /* > 0 */
    size_t coefficient_count;  /* 1 ... band_count */
    float lifter;              /* 0 disables */
} tympan_mfcc_config;

typedef struct tympan_mfcc tympan_mfcc;

tympan_status tympan_mfcc_create(const tympan_mfcc_config *config, tympan_mfcc **out);
void tympan_mfcc_destroy(tympan_mfcc *mfcc);
tympan_status tympan_mfcc_process(const tympan_mfcc *mfcc, const float *log_mel, size_t band_count,
                                  float *coefficients, size_t coefficient_count);

/* ------------------------------------------------------------- descriptors */
/*
 * Per-frame descriptors from the same FFT as the mel bands. Output order:
 * the TYMPAN_DESCRIPTOR_* values, then band_count band levels (dB, like
 * LEVEL), then band_count band ratios (dB of the band's power over the whole
 * spectrum's), band_count band tonalities (dB of the band's strongest bin
 * over its median bin) and band_count band peaks (Hz of that strongest bin).
 * Levels follow AES17: a full-scale sine reads 0 dB.
 * The spectrum must be a power spectrum of the frame without pre-emphasis.
 */
enum {
    TYMPAN_DESCRIPTOR_LEVEL = 0,        /* RMS level of the raw frame, dBFS */
    TYMPAN_DESCRIPTOR_LEVEL_A = 1,      /* A-weighted (IEC 61672) level, dBFS + calibration_db */
    TYMPAN_DESCRIPTOR_CENTROID = 2,     /* Hz, magnitude-weighted */
    TYMPAN_DESCRIPTOR_BANDWIDTH = 3,    /* Hz, magnitude-weighted standard deviation around the centroid */
    TYMPAN_DESCRIPTOR_FLATNESS = 4,     /* geometric / arithmetic mean of the magnitudes, 0..1 */
    TYMPAN_DESCRIPTOR_ROLLOFF = 5,      /* Hz below which 85 % of the magnitude sum lies */
    TYMPAN_DESCRIPTOR_FLUX = 6,         /* dB: mean over mel bands of the rise since the last frame */
    TYMPAN_DESCRIPTOR_CREST = 7,        /* dB: peak over RMS of the raw frame */
    TYMPAN_DESCRIPTOR_ZCR = 8,          /* sign changes per sample of the raw frame */
    TYMPAN_DESCRIPTOR_TONALITY = 9,     /* dB: strongest bin over the median bin (power) */
    TYMPAN_DESCRIPTOR_PITCH = 10,       /* Hz of the best autocorrelation peak, 0 when none */
    TYMPAN_DESCRIPTOR_HARMONICITY = 11, /* that peak's normalised autocorrelation, 0..1 */
    TYMPAN_DESCRIPTOR_FIXED_COUNT = 12,
    TYMPAN_DESCRIPTOR_PER_BAND = 4      /* values per band after the fixed ones */
};

typedef struct tympan_descriptors_config {
    double sample_rate;
    size_t frame_length;         /* raw frame samples */
    size_t fft_size;             /* power spectrum has fft_size / 2 + 1 bins */
    tympan_window_type window;   /* the window the spectrum was computed with */
    size_t mel_band_count;       /* mel energies given to process (for flux) */
    double calibration_db;       /* added to the A-weighted level (dB SPL = dBFS + calibration) */
    double pitch_min_hz;         /* pitch search range */
    double pitch_max_hz;
    size_t band_count;           /* bands of band_edges */
    const double *band_edges;    /* 2 * band_count values: low, high (Hz); read only during create */
} tympan_descriptors_config;

typedef struct tympan_descriptors tympan_descriptors;

tympan_status tympan_descriptors_create(const tympan_descriptors_config *config,
                                        tympan_descriptors **out);
void tympan_descriptors_destroy(tympan_descriptors *descriptors);
/* Forgets the previous frame (flux starts from 0 again). */
tympan_status tympan_descriptors_reset(tympan_descriptors *descriptors);
/* TYMPAN_DESCRIPTOR_FIXED_COUNT + TYMPAN_DESCRIPTOR_PER_BAND * band_count. */
tympan_status tympan_descriptors_count(const tympan_descriptors *descriptors, size_t *count);
tympan_status tympan_descriptors_process(tympan_descriptors *descriptors, const float *frame,
                                         size_t frame_count, const float *power, size_t bin_count,
                                         const float *mel, size_t mel_count, float *out,
                                         size_t out_count);

/* -------------------------------------------------------------- background */
/*
 * A slow background estimate per channel: the given percentile of the last
 * window_frames values, from a histogram (resolution_db bins over
 * min_db..max_db), updated in constant time per frame.
 */
typedef struct tympan_background_config {
    size_t channel_count;
    size_t window_frames;   /* history, > 0 */
    float percentile;       /* 0..100 */
    float min_db;
    float max_db;
    float resolution_db;    /* > 0 */
} tympan_background_config;

typedef struct tympan_background tympan_background;

tympan_status tympan_background_create(const tympan_background_config *config,
                                       tympan_background **out);
void tympan_background_destroy(tympan_background *background);
tympan_status tympan_background_reset(tympan_background *background);
/* Adds one value per channel and writes each channel's current background. */
tympan_status tympan_background_process(tympan_background *background, const float *values,
                                        float *estimates, size_t channel_count);

/* ------------------------------------------------------------------ stream */
/*
 * The whole front end behind one handle: framer -> window -> spectrum ->
 * filterbank -> log -> (mfcc), and optionally descriptors and background from
 * the same spectrum. Each output row is feature_count floats: the band_count
 * (log-)mel values, or coefficient_count MFCCs when coefficient_count > 0;
 * then, with descriptors, the descriptor values (see tympan_descriptors), the
 * background of the A-weighted level, the level above it, and each band's
 * level above its own background. Pushing audio in chunks of any size
 * produces exactly the rows that pushing it whole would.
 */
typedef struct tympan_stream_config {
    tympan_framer_config framer;
    tympan_window_config window;       /* window.length must equal framer.frame_length */
    tympan_spectrum_config spectrum;   /* fft_size >= frame_length */
    tympan_filterbank_config filterbank; /* fft_size must equal spectrum.fft_size */
    tympan_log_config log;
    tympan_mfcc_config mfcc;           /* coefficient_count 0: no MFCC, rows are mel bands */
    int with_descriptors;              /* nonzero: append descriptors (power spectrum only) */
    tympan_descriptors_config descriptors;
    tympan_background_config background; /* channel_count is set by the stream */
} tympan_stream_config;

typedef struct tympan_stream tympan_stream;

tympan_status tympan_stream_create(const tympan_stream_config *config, tympan_stream **out);
void tympan_stream_destroy(tympan_stream *stream);
/* Floats per output row. */
tympan_status tympan_stream_feature_count(const tympan_stream *stream, size_t *count);
/* Rows that pushing sample_count more samples will produce. */
tympan_status tympan_stream_frames_for(const tympan_stream *stream, size_t sample_count,
                                       size_t *frame_count);
/* Rows that finish will produce. */
tympan_status tympan_stream_frames_at_finish(const tympan_stream *stream, size_t *frame_count);
/*
 * Consumes all sample_count samples and writes the rows that became ready to
 * features (capacity in floats, at least frames_for(sample_count) * feature_count).
 * TYMPAN_ENONFINITE when any sample is NaN or infinite, TYMPAN_ELENGTH when the
 * capacity is short: in both cases nothing is consumed and the stream is unchanged.
 */
tympan_status tympan_stream_push(tympan_stream *stream, const float *samples, size_t sample_count,
                                 float *features, size_t capacity, size_t *frames_written);
/* Ends the stream: pads a centred stream with zeros, writes the last rows,
 * and returns the stream to its initial state for a new stream. */
tympan_status tympan_stream_finish(tympan_stream *stream, float *features, size_t capacity,
                                   size_t *frames_written);
/* Drops buffered samples and restarts (dither too), as after create. */
tympan_status tympan_stream_reset(tympan_stream *stream);

/* -------------------------------------------------------------- aggregates */
/*
 * The detection's memory of its features: each feature (the mean of a run of
 * a frame's floats) in a ring, and windows of frames over it: frame e's
 * window is frames [e + ahead - frames + 1, e + ahead], cut at the stream's
 * two ends. Each aggregate is one statistic of one window (tympan_aggregate).
 * Windows that look ahead delay the output by `delay` frames: pushing frame
 * t computes frame t - delay; tympan_aggregates_flush computes the frames
 * still waiting at the end of a stream, one per call.
 *
 * Sums run in frame order, oldest first, one window after the other: the
 * windows over one feature are taken shortest first, and one that contains
 * the window before it adds only its own frames to that window's sum (so a
 * frame is read once per feature, not once per window). Values are doubles.
 * Two features whose windows are alike are computed together, one in each of
 * two double lanes (SSE2, NEON), each lane in that same order: the values
 * equal the scalar reference's (tympan_aggregates_push_scalar) bit for bit.
 */
typedef enum tympan_aggregate {
    TYMPAN_AGGREGATE_VALUE = 0,  /* the frame's own value */
    TYMPAN_AGGREGATE_MEAN = 1,
    TYMPAN_AGGREGATE_MAX = 2,
    TYMPAN_AGGREGATE_MIN = 3,
    TYMPAN_AGGREGATE_RISE = 4,   /* the window's last value minus its smallest */
    TYMPAN_AGGREGATE_FALL = 5,   /* its largest minus its last */
    TYMPAN_AGGREGATE_RANGE = 6   /* its largest minus its smallest */
} tympan_aggregate;

typedef struct tympan_aggregates_config {
    size_t frame_width;            /* floats per frame pushed, > 0 */
    size_t feature_count;
    const size_t *feature_first;   /* per feature: its first float in the frame, */
    const size_t *feature_width;   /* and how many (> 0) it averages */
    size_t window_count;           /* no two alike */
    const size_t *window_feature;  /* per window: the feature it reads, */
    const size_t *window_frames;   /* its length (> 0), */
    const size_t *window_ahead;    /* and how far past the frame it ends (<= delay) */
    size_t aggregate_count;
    const size_t *aggregate_window;
    const tympan_aggregate *aggregate_kind;
    size_t delay;                  /* frames between the newest frame and the one computed */
} tympan_aggregates_config;

typedef struct tympan_aggregates tympan_aggregates;

tympan_status tympan_aggregates_create(const tympan_aggregates_config *config, tympan_aggregates **out);
void tympan_aggregates_destroy(tympan_aggregates *aggregates);
/* Forgets the stream: the next frame pushed is frame 0. */
tympan_status tympan_aggregates_reset(tympan_aggregates *aggregates);
/* Adds the next frame (frame_count == frame_width). Once `delay` frames have
 * followed a frame, it is computed: *computed is its index (from 0) and
 * values[0 ..< aggregate_count] its aggregates; before that *computed is -1
 * and values is not written. */
tympan_status tympan_aggregates_push(tympan_aggregates *aggregates, const float *frame, size_t frame_count,
                                     double *values, size_t value_count, ptrdiff_t *computed);
/* At the end of a stream: computes the next frame still waiting (its windows
 * cut at the last frame) as push does, or sets *computed to -1 when none is
 * left. */
tympan_status tympan_aggregates_flush(tympan_aggregates *aggregates, double *values, size_t value_count,
                                      ptrdiff_t *computed);

/* ------------------------------------------------------------------ scorer */
/*
 * A compiled weighted model: conditions (a value inside [low, high]; a
 * threshold above t is [t, +inf], below t [-inf, t]) combined by terms (a
 * term holds when all its conditions hold) into one score per class, the
 * logistic of the class's bias plus the weights of its terms that hold.
 * Weights are fixed point (weight * 2^40, rounded): sums of integers are
 * exact in any order, so a score is the same number on every machine. Each
 * class's weights must add up, in absolute value, to at most 2^20.
 * A gate: when values[gate_value] is below gate_below (digital silence),
 * every score is 0 and the conditions are not tested (gate_value equal to
 * value_count: no gate).
 *
 * The model is not written after create: one scorer serves any number of
 * streams, from any number of threads at once. Each stream keeps its own
 * `held` bytes (tympan_scorer_held_count of them, written by process): the
 * conditions' results at its last frame the gate let through.
 */
#define TYMPAN_SCORER_MAX_ARITY 8
#define TYMPAN_SCORER_FIXED_POINT 1099511627776.0 /* 2^40 */

typedef struct tympan_scorer_config {
    size_t value_count;              /* aggregate values per frame, > 0 */
    size_t condition_count;          /* > 0 */
    const size_t *condition_value;   /* per condition: the value it reads, */
    const double *condition_low;     /* and the interval where it holds */
    const double *condition_high;
    size_t class_count;              /* > 0 */
    const double *class_bias;        /* finite */
    const size_t *class_term_end;    /* class k's terms are [end[k-1], end[k]) (end[-1] = 0) */
    size_t term_arity;               /* conditions per term, 1 ... TYMPAN_SCORER_MAX_ARITY */
    const size_t *term_conditions;   /* term_count * term_arity; condition_count pads a shorter term */
    const int64_t *term_weights;     /* term_count, fixed point */
    size_t gate_value;
    double gate_below;
} tympan_scorer_config;

typedef struct tympan_scorer tympan_scorer;

tympan_status tympan_scorer_create(const tympan_scorer_config *config, tympan_scorer **out);
void tympan_scorer_destroy(tympan_scorer *scorer);
/* The bytes a stream keeps for this model (0 for NULL). */
size_t tympan_scorer_held_count(const tympan_scorer *scorer);
/* One frame's class scores from its values, the stream's held bytes written
 * (held_count == tympan_scorer_held_count). *gated is 1 when the gate closed:
 * scores 0, held not written (the conditions of the frame before kept). */
tympan_status tympan_scorer_process(const tympan_scorer *scorer, const double *values, size_t value_count,
                                    uint8_t *held, size_t held_count, double *scores, size_t class_count,
                                    int *gated);
/* From a stream's held bytes: whether conditions first ..< first + count held
 * (1) or not (0) at its last frame the gate let through. */
tympan_status tympan_scorer_conditions(const tympan_scorer *scorer, const uint8_t *held, size_t held_count,
                                       size_t first, uint8_t *out, size_t count);

/* ------------------------------------------------ SIMD and scalar reference */

/* The four-lane path compiled in: "neon" (aarch64), "sse2" (x86-64), or
 * "scalar" (other targets, or built with -DTYMPAN_NO_SIMD). */
const char *tympan_simd_path(void);

/* The scalar reference of each kernel with a four-lane path: the same
 * contract as the function without _scalar, computed one value at a time.
 * For tests (the two paths are compared) and for comparison benchmarks. */
tympan_status tympan_window_process_scalar(tympan_window *window, float *frame, size_t frame_count);
tympan_status tympan_spectrum_process_scalar(tympan_spectrum *spectrum, const float *frame,
                                             size_t frame_count, float *bins, size_t bin_count);
tympan_status tympan_filterbank_process_scalar(const tympan_filterbank *filterbank, const float *power,
                                               size_t power_count, float *mel, size_t mel_count);
tympan_status tympan_ln_scalar(const float *values, float *out, size_t count, float floor);
tympan_status tympan_aggregates_push_scalar(tympan_aggregates *aggregates, const float *frame, size_t frame_count,
                                            double *values, size_t value_count, ptrdiff_t *computed);
tympan_status tympan_aggregates_flush_scalar(tympan_aggregates *aggregates, double *values, size_t value_count,
                                             ptrdiff_t *computed);
tympan_status tympan_scorer_process_scalar(const tympan_scorer *scorer, const double *values, size_t value_count,
                                           uint8_t *held, size_t held_count, double *scores, size_t class_count,
                                           int *gated);

#ifdef __cplusplus
}
#endif

#endif /* TYMPAN_H */
