/* Frame conditioning in Kaldi's order: dither, DC removal, pre-emphasis, window. */
#include <math.h>
#include "internal.h"
#include "simd.h"

struct tympan_window {
    size_t length;
    float preemphasis;
    int remove_dc_offset;
    float dither;
    uint64_t seed;
    uint64_t rng;        /* splitmix64 state */
    int has_spare;       /* Box-Muller makes normals in pairs */
    double spare;
    float *coefficients;
};

double tympan_window_value(tympan_window_type type, size_t n, size_t length) {
    double periodic = 2.0 * TYMPAN_PI * (double)n / (double)length;
    double symmetric = length > 1 ? 2.0 * TYMPAN_PI * (double)n / (double)(length - 1) : 0.0;
    switch (type) {
    case TYMPAN_WINDOW_RECTANGULAR: return 1.0;
    case TYMPAN_WINDOW_HANN_PERIODIC: return 0.5 - 0.5 * cos(periodic);
    case TYMPAN_WINDOW_HANN_SYMMETRIC: return 0.5 - 0.5 * cos(symmetric);
    case TYMPAN_WINDOW_HAMMING: return 0.54 - 0.46 * cos(symmetric);
    case TYMPAN_WINDOW_POVEY: return pow(0.5 - 0.5 * cos(symmetric), 0.85);
    }
    return 1.0;
}

tympan_status tympan_window_create(const tympan_window_config *config, tympan_window **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (config->length == 0) return TYMPAN_EINVAL;
    if ((unsigned)config->type > TYMPAN_WINDOW_POVEY) return TYMPAN_EINVAL;
    if (!(config->preemphasis >= 0.0f && config->preemphasis <= 1.0f)) return TYMPAN_EINVAL;
    if (!(config->dither >= 0.0f) || isinf(config->dither)) return TYMPAN_EINVAL;
    tympan_window *w = calloc(1, sizeof *w);
    if (!w) return TYMPAN_ENOMEM;
    w->coefficients = tympan_alloc_floats(config->length);
    if (!w->coefficients) { free(w); return TYMPAN_ENOMEM; }
    w->length = config->length;
    w->preemphasis = config->preemphasis;
    w->remove_dc_offset = config->remove_dc_offset != 0;
    w->dither = config->dither;
    w->seed = config->dither_seed;
    for (size_t n = 0; n < config->length; n++)
        w->coefficients[n] = (float)tympan_window_value(config->type, n, config->length);
    tympan_window_reset(w);
    *out = w;
    return TYMPAN_OK;
}

void tympan_window_destroy(tympan_window *w) {
    if (!w) return;
    free(w->coefficients);
    free(w);
}

tympan_status tympan_window_reset(tympan_window *w) {
    if (!w) return TYMPAN_EINVAL;
    w->rng = w->seed;
    w->has_spare = 0;
    return TYMPAN_OK;
}

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A uniform double in (0, 1]. */
static double uniform(uint64_t *state) {
    return ((double)(splitmix64(state) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

static double gaussian(tympan_window *w) {
    if (w->has_spare) { w->has_spare = 0; return w->spare; }
    double r = sqrt(-2.0 * log(uniform(&w->rng)));
    double a = 2.0 * TYMPAN_PI * uniform(&w->rng);
    w->spare = r * sin(a);
    w->has_spare = 1;
    return r * cos(a);
}

/* Dither, DC removal and pre-emphasis, in place, when configured. */
static void prepare(tympan_window *w, float *frame) {
    size_t n = w->length;
    if (w->dither > 0.0f)
        for (size_t i = 0; i < n; i++) frame[i] += (float)(w->dither * gaussian(w));
    if (w->remove_dc_offset) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) sum += frame[i];
        float mean = (float)(sum / (double)n);
        for (size_t i = 0; i < n; i++) frame[i] -= mean;
    }
    if (w->preemphasis > 0.0f) {
        for (size_t i = n - 1; i > 0; i--) frame[i] -= w->preemphasis * frame[i - 1];
        frame[0] -= w->preemphasis * frame[0];
    }
}

/* out[i] = x[i] c[i] for i < n (out may be x). */
static void multiply(const float *x, const float *c, float *out, size_t n, int simd) {
    const float *end = x + n;
#if TYMPAN_SIMD
    if (simd)
        for (; x + 16 <= end; x += 16, c += 16, out += 16) {
            v4f a = v4_mul(v4_load(x), v4_load(c)), b = v4_mul(v4_load(x + 4), v4_load(c + 4));
            v4f d = v4_mul(v4_load(x + 8), v4_load(c + 8)), e = v4_mul(v4_load(x + 12), v4_load(c + 12));
            v4_store(out, a);
            v4_store(out + 4, b);
            v4_store(out + 8, d);
            v4_store(out + 12, e);
        }
#endif
    (void)simd;
    for (; x < end; x++, c++, out++) *out = *x * *c;
}

tympan_status tympan_window_process(tympan_window *w, float *frame, size_t frame_count) {
    if (!w || !frame) return TYMPAN_EINVAL;
    if (frame_count != w->length) return TYMPAN_ELENGTH;
    prepare(w, frame);
    multiply(frame, w->coefficients, frame, w->length, 1);
    return TYMPAN_OK;
}

tympan_status tympan_window_process_scalar(tympan_window *w, float *frame, size_t frame_count) {
    if (!w || !frame) return TYMPAN_EINVAL;
    if (frame_count != w->length) return TYMPAN_ELENGTH;
    prepare(w, frame);
    multiply(frame, w->coefficients, frame, w->length, 0);
    return TYMPAN_OK;
}

tympan_status tympan_window_process_into(tympan_window *w, float *frame, float *out, size_t frame_count) {
    if (!w || !frame || !out) return TYMPAN_EINVAL;
    if (frame_count != w->length) return TYMPAN_ELENGTH;
    prepare(w, frame);
    multiply(frame, w->coefficients, out, w->length, 1);
    return TYMPAN_OK;
}

tympan_status tympan_window_apply_split(const tympan_window *w, const float *first, size_t first_count,
                                        const float *second, size_t second_count, float *out) {
    if (!w || !out || (!first && first_count) || (!second && second_count)) return TYMPAN_EINVAL;
    if (first_count + second_count != w->length || tympan_window_changes_frame(w)) return TYMPAN_EINVAL;
    multiply(first, w->coefficients, out, first_count, 1);
    multiply(second, w->coefficients + first_count, out + first_count, second_count, 1);
    return TYMPAN_OK;
}

int tympan_window_changes_frame(const tympan_window *w) {
    return w->dither > 0.0f || w->remove_dc_offset || w->preemphasis > 0.0f;
}

tympan_status tympan_window_coefficients(const tympan_window *w, float *out, size_t count) {
    if (!w || !out) return TYMPAN_EINVAL;
    if (count != w->length) return TYMPAN_ELENGTH;
    memcpy(out, w->coefficients, count * sizeof(float));
    return TYMPAN_OK;
}
