/* The whole per-frame detection through the C kernels alone, for the aarch64
 * proof (Benchmarks/arm/run.sh): the front end (tympan_stream: framing,
 * window, FFT, mel, log, descriptors, background), the windowed aggregates
 * (tympan_aggregates) and the compiled model (tympan_scorer), as
 * `tympan rules --tables` describes them for the bundled rules.
 *
 *   detect TABLES AUDIO OUT [STAGES]
 *
 * AUDIO: float32 samples at the tables' rate. It is fed in 100 ms chunks and
 * OUT gets, per scored frame, what the event trackers read (float64, as
 * `tympan replay` takes it): each class's score, the frame's A-weighted level,
 * each class's onset feature (0 for none, as the detector keeps it). With STAGES, the audio goes in
 * one hop at a time (one frame each) and tympan_marker_begin_K /
 * tympan_marker_end_K surround stage K of every frame: 0 the front end, 1
 * the aggregates, 2 the scorer, for the instruction counter (insncount.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tympan.h"

static volatile int marker_sink;
#define MARKER(name, k) __attribute__((noinline, used)) void name(void) { marker_sink = k; }
MARKER(tympan_marker_begin_0, 0) MARKER(tympan_marker_end_0, 1) MARKER(tympan_marker_begin_1, 2) MARKER(tympan_marker_end_1, 3)
MARKER(tympan_marker_begin_2, 4) MARKER(tympan_marker_end_2, 5) MARKER(tympan_marker_begin_3, 6) MARKER(tympan_marker_end_3, 7)

static FILE *tables;

static void fail(const char *what) {
    fprintf(stderr, "detect: %s\n", what);
    exit(1);
}

static void check(tympan_status s, const char *what) {
    if (s != TYMPAN_OK) {
        fprintf(stderr, "detect: %s: %s\n", what, tympan_status_message(s));
        exit(1);
    }
}

/* The next word, which must be `name`. */
static void expect(const char *name) {
    char word[64];
    if (fscanf(tables, "%63s", word) != 1 || strcmp(word, name) != 0) {
        fprintf(stderr, "detect: tables: expected '%s', found '%s'\n", name, word);
        exit(1);
    }
}

static size_t size(void) {
    unsigned long long x;
    if (fscanf(tables, "%llu", &x) != 1) fail("tables: expected a count");
    return (size_t)x;
}

static double number(void) {
    char word[64];
    if (fscanf(tables, "%63s", word) != 1) fail("tables: expected a number");
    char *end;
    double x = strtod(word, &end);  /* reads inf and -inf too */
    if (*end) fail("tables: not a number");
    return x;
}

static void *array(size_t count, size_t width) {
    void *p = calloc(count + 1, width);
    if (!p) fail("out of memory");
    return p;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: detect TABLES AUDIO OUT [STAGES]\n");
        return 2;
    }
    int stages = argc > 4;
    tables = fopen(argv[1], "r");
    if (!tables) { perror(argv[1]); return 1; }
    expect("tympan-tables");
    if (size() != 1) fail("tables: unknown version");

    tympan_stream_config c;
    memset(&c, 0, sizeof c);
    expect("framer");
    c.framer.frame_length = size(); c.framer.hop_length = size(); c.framer.lead_padding = size();
    expect("window");
    c.window.length = size(); c.window.type = (tympan_window_type)size(); c.window.preemphasis = (float)number();
    c.window.remove_dc_offset = (int)size(); c.window.dither = (float)number(); c.window.dither_seed = size();
    expect("spectrum");
    c.spectrum.fft_size = size(); c.spectrum.kind = (tympan_spectrum_kind)size();
    expect("filterbank");
    c.filterbank.sample_rate = number(); c.filterbank.fft_size = size(); c.filterbank.band_count = size();
    c.filterbank.min_frequency = number(); c.filterbank.max_frequency = number();
    c.filterbank.scale = (tympan_mel_scale)size(); c.filterbank.norm = (tympan_mel_norm)size();
    c.filterbank.shape = (tympan_mel_shape)size();
    expect("log");
    c.log.kind = (tympan_log_kind)size(); c.log.floor = (float)number(); c.log.amin = (float)number();
    c.log.reference = (float)number(); c.log.top_db = (float)number();
    expect("mfcc");
    c.mfcc.band_count = size(); c.mfcc.coefficient_count = size(); c.mfcc.lifter = (float)number();
    expect("descriptors");
    c.with_descriptors = (int)size();
    c.descriptors.sample_rate = number(); c.descriptors.frame_length = size(); c.descriptors.fft_size = size();
    c.descriptors.window = (tympan_window_type)size(); c.descriptors.mel_band_count = size();
    c.descriptors.calibration_db = number(); c.descriptors.pitch_min_hz = number(); c.descriptors.pitch_max_hz = number();
    c.descriptors.band_count = size();
    double *edges = array(2 * c.descriptors.band_count, sizeof *edges);
    for (size_t i = 0; i < 2 * c.descriptors.band_count; i++) edges[i] = number();
    c.descriptors.band_edges = edges;
    expect("background");
    c.background.window_frames = size(); c.background.percentile = (float)number();
    c.background.min_db = (float)number(); c.background.max_db = (float)number();
    c.background.resolution_db = (float)number();

    tympan_aggregates_config a;
    memset(&a, 0, sizeof a);
    expect("frame_width"); a.frame_width = size();
    expect("delay"); a.delay = size();
    expect("features"); a.feature_count = size();
    size_t *first = array(a.feature_count, sizeof *first), *width = array(a.feature_count, sizeof *width);
    for (size_t f = 0; f < a.feature_count; f++) { expect("feature"); first[f] = size(); width[f] = size(); }
    a.feature_first = first; a.feature_width = width;
    expect("windows"); a.window_count = size();
    size_t *wf = array(a.window_count, sizeof *wf), *frames = array(a.window_count, sizeof *frames),
           *ahead = array(a.window_count, sizeof *ahead);
    for (size_t w = 0; w < a.window_count; w++) { expect("window"); wf[w] = size(); frames[w] = size(); ahead[w] = size(); }
    a.window_feature = wf; a.window_frames = frames; a.window_ahead = ahead;
    expect("aggregates"); a.aggregate_count = size();
    size_t *aw = array(a.aggregate_count, sizeof *aw);
    tympan_aggregate *kind = array(a.aggregate_count, sizeof *kind);
    for (size_t k = 0; k < a.aggregate_count; k++) { expect("aggregate"); aw[k] = size(); kind[k] = (tympan_aggregate)size(); }
    a.aggregate_window = aw; a.aggregate_kind = kind;

    tympan_scorer_config s;
    memset(&s, 0, sizeof s);
    s.value_count = a.aggregate_count;
    expect("gate");
    char word[64];
    if (fscanf(tables, "%63s", word) != 1) fail("tables: gate");
    if (strcmp(word, "none") == 0) s.gate_value = s.value_count;
    else { s.gate_value = (size_t)strtoull(word, NULL, 10); s.gate_below = number(); }
    expect("conditions"); s.condition_count = size();
    size_t *cv = array(s.condition_count, sizeof *cv);
    double *low = array(s.condition_count, sizeof *low), *high = array(s.condition_count, sizeof *high);
    for (size_t i = 0; i < s.condition_count; i++) { expect("condition"); cv[i] = size(); low[i] = number(); high[i] = number(); }
    s.condition_value = cv; s.condition_low = low; s.condition_high = high;
    expect("classes"); s.class_count = size(); expect("arity"); s.term_arity = size();
    double *bias = array(s.class_count, sizeof *bias);
    size_t *ends = array(s.class_count, sizeof *ends), capacity = 1024, terms = 0;
    size_t *members = array(capacity * s.term_arity, sizeof *members);
    int64_t *weights = array(capacity, sizeof *weights);
    for (size_t k = 0; k < s.class_count; k++) {
        expect("class");
        bias[k] = number();
        size_t count = size();
        for (size_t j = 0; j < count; j++, terms++) {
            if (terms == capacity) {
                capacity *= 2;
                members = realloc(members, capacity * s.term_arity * sizeof *members);
                weights = realloc(weights, capacity * sizeof *weights);
                if (!members || !weights) fail("out of memory");
            }
            expect("term");
            long long w;
            if (fscanf(tables, "%lld", &w) != 1) fail("tables: term weight");
            weights[terms] = w;
            for (size_t m = 0; m < s.term_arity; m++) members[terms * s.term_arity + m] = size();
        }
        ends[k] = terms;
    }
    s.class_bias = bias; s.class_term_end = ends; s.term_conditions = members; s.term_weights = weights;
    expect("level");
    size_t level = size();
    size_t *onset_first = array(s.class_count, sizeof *onset_first), *onset_width = array(s.class_count, sizeof *onset_width);
    for (size_t k = 0; k < s.class_count; k++) {
        expect("onset");
        if (fscanf(tables, "%63s", word) != 1) fail("tables: onset");
        if (strcmp(word, "none") == 0) continue;
        onset_first[k] = (size_t)strtoull(word, NULL, 10);
        onset_width[k] = size();
    }
    fclose(tables);

    tympan_stream *stream;
    tympan_aggregates *aggregates;
    tympan_scorer *scorer;
    check(tympan_stream_create(&c, &stream), "stream_create");
    check(tympan_aggregates_create(&a, &aggregates), "aggregates_create");
    check(tympan_scorer_create(&s, &scorer), "scorer_create");
    size_t feature_count;
    check(tympan_stream_feature_count(stream, &feature_count), "feature_count");
    if (feature_count != a.frame_width) fail("the stream's rows and the tables' frame width differ");

    FILE *in = fopen(argv[2], "rb");
    if (!in) { perror(argv[2]); return 1; }
    fseek(in, 0, SEEK_END);
    size_t n = (size_t)ftell(in) / sizeof(float);
    fseek(in, 0, SEEK_SET);
    float *x = array(n, sizeof *x);
    if (fread(x, sizeof *x, n, in) != n) fail("cannot read the audio");
    fclose(in);
    FILE *out = fopen(argv[3], "wb");
    if (!out) { perror(argv[3]); return 1; }

    size_t chunk = stages ? c.framer.hop_length : (size_t)(c.filterbank.sample_rate / 10);
    size_t rows_capacity = chunk / c.framer.hop_length + 2;
    float *rows = array(rows_capacity * feature_count, sizeof *rows);
    double *values = array(a.aggregate_count, sizeof *values), *scores = array(s.class_count, sizeof *scores);
    size_t held_count = tympan_scorer_held_count(scorer);
    uint8_t *held = array(held_count, sizeof *held);  /* this stream's condition bytes */
    /* The trackers' inputs of each frame, kept until the frame is scored (delay frames later). */
    size_t ring = a.delay + 1;
    double *levels = array(ring, sizeof *levels), *onsets = array(ring * s.class_count, sizeof *onsets);
    double *record = array(2 * s.class_count + 1, sizeof *record);
    size_t frame = 0;

    #define SCORE(e)                                                                           \
        do {                                                                                   \
            if (stages) tympan_marker_begin_2();                                               \
            int gated;                                                                         \
            check(tympan_scorer_process(scorer, values, a.aggregate_count, held, held_count, scores, s.class_count, &gated), "scorer"); \
            if (stages) tympan_marker_end_2();                                                 \
            for (size_t k = 0; k < s.class_count; k++) record[k] = scores[k];                  \
            record[s.class_count] = levels[(size_t)(e) % ring];                                \
            for (size_t k = 0; k < s.class_count; k++)                                         \
                record[s.class_count + 1 + k] = onsets[((size_t)(e) % ring) * s.class_count + k]; \
            fwrite(record, sizeof *record, 2 * s.class_count + 1, out);                        \
        } while (0)

    for (size_t offset = 0; offset <= n; offset += chunk) {
        size_t written = 0, length = offset < n ? (n - offset < chunk ? n - offset : chunk) : 0;
        if (stages) tympan_marker_begin_0();
        if (length) check(tympan_stream_push(stream, x + offset, length, rows, rows_capacity * feature_count, &written), "stream_push");
        else check(tympan_stream_finish(stream, rows, rows_capacity * feature_count, &written), "stream_finish");
        if (stages) tympan_marker_end_0();
        for (size_t r = 0; r < written; r++, frame++) {
            const float *row = rows + r * feature_count;
            levels[frame % ring] = row[level];
            for (size_t k = 0; k < s.class_count; k++) {
                double sum = 0;
                for (size_t i = 0; i < onset_width[k]; i++) sum += (double)row[onset_first[k] + i];
                onsets[(frame % ring) * s.class_count + k] = onset_width[k] ? sum / (double)onset_width[k] : 0;
            }
            ptrdiff_t e;
            if (stages) tympan_marker_begin_1();
            check(tympan_aggregates_push(aggregates, row, feature_count, values, a.aggregate_count, &e), "aggregates_push");
            if (stages) tympan_marker_end_1();
            if (e >= 0) SCORE(e);
        }
        if (!length) break;
    }
    for (;;) {
        ptrdiff_t e;
        check(tympan_aggregates_flush(aggregates, values, a.aggregate_count, &e), "aggregates_flush");
        if (e < 0) break;
        SCORE(e);
    }
    fclose(out);
    tympan_stream_destroy(stream);
    tympan_aggregates_destroy(aggregates);
    tympan_scorer_destroy(scorer);
    return 0;
}
