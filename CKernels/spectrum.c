/* Real FFT through FFTW single precision, then power or magnitude per bin. */
#include <math.h>
#include <pthread.h>
#include <fftw3.h>
#include "internal.h"
#include "simd.h"

/* FFTW's planner is not thread-safe; fftwf_execute on a plan's own arrays is.
 * Every plan and destroy in the process goes through this one lock. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

void tympan_planner_lock(void) { pthread_mutex_lock(&planner_lock); }
void tympan_planner_unlock(void) { pthread_mutex_unlock(&planner_lock); }

void tympan_plan_destroy(void *plan) {
    if (!plan) return;
    tympan_planner_lock();
    fftwf_destroy_plan((fftwf_plan)plan);
    tympan_planner_unlock();
}

struct tympan_spectrum {
    size_t fft_size;
    tympan_spectrum_kind kind;
    float *input;              /* fft_size real samples */
    fftwf_complex *output;     /* fft_size / 2 + 1 complex bins */
    fftwf_plan plan;
    size_t clean_from;         /* input[clean_from...] is known to be zero (FFTW's r2c leaves its input alone) */
};

tympan_status tympan_spectrum_create(const tympan_spectrum_config *config, tympan_spectrum **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (config->fft_size < 2 || config->fft_size % 2 != 0 || config->fft_size > (1u << 24))
        return TYMPAN_EINVAL;
    if (config->kind != TYMPAN_SPECTRUM_POWER && config->kind != TYMPAN_SPECTRUM_MAGNITUDE)
        return TYMPAN_EINVAL;
    tympan_spectrum *s = calloc(1, sizeof *s);
    if (!s) return TYMPAN_ENOMEM;
    s->fft_size = config->fft_size;
    s->kind = config->kind;
    s->input = tympan_alloc_floats(config->fft_size);  /* zeroed */
    s->clean_from = 0;
    s->output = (fftwf_complex *)tympan_alloc_floats(2 * (config->fft_size / 2 + 1));
    if (!s->input || !s->output) { tympan_spectrum_destroy(s); return TYMPAN_ENOMEM; }
    /* FFTW_ESTIMATE: the plan does not depend on timing, so every handle
     * computes bit-identical spectra. */
    tympan_planner_lock();
    s->plan = fftwf_plan_dft_r2c_1d((int)config->fft_size, s->input, s->output, FFTW_ESTIMATE);
    tympan_planner_unlock();
    if (!s->plan) { tympan_spectrum_destroy(s); return TYMPAN_EFFT; }
    *out = s;
    return TYMPAN_OK;
}

void tympan_spectrum_destroy(tympan_spectrum *s) {
    if (!s) return;
    tympan_plan_destroy(s->plan);
    free(s->input);
    free(s->output);
    free(s);
}

/* Power or magnitude of the bins FFTW wrote; `simd` picks the four-lane path. */
static void finish(const tympan_spectrum *s, float *bins, size_t bin_count, int simd) {
    const float *c = (const float *)s->output;
    size_t k = 0;
    if (s->kind == TYMPAN_SPECTRUM_POWER) {
#if TYMPAN_SIMD
        if (simd)
            for (; k + 8 <= bin_count; k += 8) {
                v4f a = v4_power(c + 2 * k), b = v4_power(c + 2 * k + 8);
                v4_store(bins + k, a);
                v4_store(bins + k + 4, b);
            }
#endif
        for (; k < bin_count; k++) {
            float re = c[2 * k], im = c[2 * k + 1];
            bins[k] = re * re + im * im;
        }
    } else {
        for (; k < bin_count; k++) {
            float re = c[2 * k], im = c[2 * k + 1];
            bins[k] = sqrtf(re * re + im * im);
        }
    }
    (void)simd;
}

static tympan_status process(tympan_spectrum *s, const float *frame, size_t frame_count, float *bins,
                             size_t bin_count, int simd) {
    if (!s || !frame || !bins) return TYMPAN_EINVAL;
    if (frame_count > s->fft_size || bin_count != s->fft_size / 2 + 1) return TYMPAN_ELENGTH;
    memcpy(s->input, frame, frame_count * sizeof(float));
    memset(s->input + frame_count, 0, (s->fft_size - frame_count) * sizeof(float));
    s->clean_from = frame_count;
    fftwf_execute(s->plan);
    finish(s, bins, bin_count, simd);
    return TYMPAN_OK;
}

tympan_status tympan_spectrum_process(tympan_spectrum *s, const float *frame, size_t frame_count,
                                      float *bins, size_t bin_count) {
    return process(s, frame, frame_count, bins, bin_count, 1);
}

tympan_status tympan_spectrum_process_scalar(tympan_spectrum *s, const float *frame, size_t frame_count,
                                             float *bins, size_t bin_count) {
    return process(s, frame, frame_count, bins, bin_count, 0);
}

float *tympan_spectrum_input(tympan_spectrum *s) { return s->input; }

tympan_status tympan_spectrum_transform(tympan_spectrum *s, size_t frame_count, float *bins, size_t bin_count) {
    if (frame_count > s->fft_size || bin_count != s->fft_size / 2 + 1) return TYMPAN_ELENGTH;
    /* The caller wrote input[0 ..< frame_count]; the padding was zeroed once
     * and stays so, unless an earlier, longer frame wrote into it. */
    if (frame_count < s->clean_from) memset(s->input + frame_count, 0, (s->clean_from - frame_count) * sizeof(float));
    s->clean_from = frame_count;
    fftwf_execute(s->plan);
    finish(s, bins, bin_count, 1);
    return TYMPAN_OK;
}
