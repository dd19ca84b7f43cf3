/* Real FFT through FFTW single precision, then power or magnitude per bin. */
#include <math.h>
#include <pthread.h>
#include <fftw3.h>
#include "internal.h"

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
    s->input = tympan_alloc_floats(config->fft_size);
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

tympan_status tympan_spectrum_process(tympan_spectrum *s, const float *frame, size_t frame_count,
                                      float *bins, size_t bin_count) {
    if (!s || !frame || !bins) return TYMPAN_EINVAL;
    if (frame_count > s->fft_size || bin_count != s->fft_size / 2 + 1) return TYMPAN_ELENGTH;
    memcpy(s->input, frame, frame_count * sizeof(float));
    memset(s->input + frame_count, 0, (s->fft_size - frame_count) * sizeof(float));
    fftwf_execute(s->plan);
    if (s->kind == TYMPAN_SPECTRUM_POWER) {
        for (size_t k = 0; k < bin_count; k++) {
            float re = s->output[k][0], im = s->output[k][1];
            bins[k] = re * re + im * im;
        }
    } else {
        for (size_t k = 0; k < bin_count; k++) {
            float re = s->output[k][0], im = s->output[k][1];
            bins[k] = sqrtf(re * re + im * im);
        }
    }
    return TYMPAN_OK;
}
