/* The log-mel workload of the performance issue through the C kernels alone,
 * for the aarch64 proof (Benchmarks/arm/run.sh): frame 400, hop 160, FFT 512,
 * Hann, 64 Slaney mel bands 0-8 kHz, power spectrum, natural log, centred
 * frames. It feeds SECONDS of deterministic audio in 100 ms chunks and writes
 * the features (float32, frame after frame) to OUT.
 *
 *   harness SECONDS OUT [STAGES]
 *
 * With STAGES, it runs each stage by itself on every frame instead, as the
 * stream does (the window from the frame where it lies straight into the
 * FFT's input, FFT + power spectrum, mel filterbank, log) and calls tympan_marker_begin_K
 * and tympan_marker_end_K around stage K, so that an instruction counter (the
 * qemu plugin insncount.c) can attribute the instructions executed between
 * them. The markers are tiny noinline functions: the plugin watches their
 * addresses (link with -no-pie so that they are fixed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tympan.h"
#include "internal.h"  /* the stream's fused window -> FFT input path */

/* Distinct bodies, so that no two markers are folded into one address. */
static volatile int marker_sink;
#define MARKER(name, k) __attribute__((noinline, used)) void name(void) { marker_sink = k; }
MARKER(tympan_marker_begin_0, 0) MARKER(tympan_marker_end_0, 1) MARKER(tympan_marker_begin_1, 2) MARKER(tympan_marker_end_1, 3)
MARKER(tympan_marker_begin_2, 4) MARKER(tympan_marker_end_2, 5) MARKER(tympan_marker_begin_3, 6) MARKER(tympan_marker_end_3, 7)

static float *workload(size_t n) {
    float *x = malloc(n * sizeof *x);
    unsigned state = 12345;
    for (size_t i = 0; i < n; i++) {
        state = state * 1664525u + 1013904223u;
        float white = (float)(state >> 8) / (float)(1 << 24) - 0.5f;
        x[i] = 0.05f * white + 0.05f * sinf(2.0f * 3.14159265f * 440.0f * (float)i / 16000.0f);
    }
    return x;
}

static int check(tympan_status s, const char *what) {
    if (s != TYMPAN_OK) { fprintf(stderr, "harness: %s failed (%d)\n", what, (int)s); exit(1); }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: harness SECONDS OUT [STAGES]\n"); return 2; }
    size_t n = (size_t)atol(argv[1]) * 16000;
    float *x = workload(n);
    FILE *out = fopen(argv[2], "wb");
    if (!out) { perror(argv[2]); return 1; }
    if (argc < 4) {
        tympan_stream_config c;
        memset(&c, 0, sizeof c);
        c.framer = (tympan_framer_config){400, 160, 256 - 56};
        c.window = (tympan_window_config){400, TYMPAN_WINDOW_HANN_PERIODIC, 0, 0, 0, 0};
        c.spectrum = (tympan_spectrum_config){512, TYMPAN_SPECTRUM_POWER};
        c.filterbank = (tympan_filterbank_config){16000, 512, 64, 0, 8000, TYMPAN_MEL_SLANEY, TYMPAN_MEL_NORM_SLANEY, TYMPAN_MEL_TRIANGLE_HZ};
        c.log = (tympan_log_config){TYMPAN_LOG_NATURAL, 1e-10f, 0, 0, 0};
        c.mfcc = (tympan_mfcc_config){64, 0, 0};
        tympan_stream *s;
        check(tympan_stream_create(&c, &s), "stream_create");
        float *features = malloc(64 * 11 * sizeof(float) * 2);
        for (size_t off = 0; off < n; off += 1600) {
            size_t len = n - off < 1600 ? n - off : 1600, written = 0;
            check(tympan_stream_push(s, x + off, len, features, 64 * 22, &written), "stream_push");
            fwrite(features, sizeof(float), written * 64, out);
        }
        tympan_stream_destroy(s);
        free(features);
    } else {
        /* Stage by stage, frame by frame (the same arithmetic as the stream's). */
        tympan_window *w; tympan_spectrum *sp; tympan_filterbank *fb; tympan_log *lg;
        tympan_window_config wc = {400, TYMPAN_WINDOW_HANN_PERIODIC, 0, 0, 0, 0};
        tympan_spectrum_config sc = {512, TYMPAN_SPECTRUM_POWER};
        tympan_filterbank_config fc = {16000, 512, 64, 0, 8000, TYMPAN_MEL_SLANEY, TYMPAN_MEL_NORM_SLANEY, TYMPAN_MEL_TRIANGLE_HZ};
        tympan_log_config lc = {TYMPAN_LOG_NATURAL, 1e-10f, 0, 0, 0};
        check(tympan_window_create(&wc, &w), "window_create");
        check(tympan_spectrum_create(&sc, &sp), "spectrum_create");
        check(tympan_filterbank_create(&fc, &fb), "filterbank_create");
        check(tympan_log_create(&lc, &lg), "log_create");
        float bins[257], mel[64], logmel[64];
        size_t frames = (n - 400) / 160 + 1;
        for (size_t t = 0; t < frames; t++) {
            tympan_marker_begin_0();
            /* As the stream does without descriptors: the window reads the
             * frame where it lies (the framer's ring; here the audio) and
             * writes into the FFT's input. */
            check(tympan_window_apply_split(w, x + t * 160, 400, NULL, 0, tympan_spectrum_input(sp)), "window");
            tympan_marker_end_0();
            tympan_marker_begin_1();
            check(tympan_spectrum_transform(sp, 400, bins, 257), "spectrum");
            tympan_marker_end_1();
            tympan_marker_begin_2();
            check(tympan_filterbank_process(fb, bins, 257, mel, 64), "filterbank");
            tympan_marker_end_2();
            tympan_marker_begin_3();
            check(tympan_log_process(lg, mel, logmel, 64), "log");
            tympan_marker_end_3();
            fwrite(logmel, sizeof(float), 64, out);
        }
        tympan_window_destroy(w); tympan_spectrum_destroy(sp); tympan_filterbank_destroy(fb); tympan_log_destroy(lg);
    }
    fclose(out);
    free(x);
    return 0;
}
