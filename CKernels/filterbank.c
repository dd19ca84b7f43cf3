/* Mel filterbank: triangles built once at create, applied sparsely. */
#include <float.h>
#include <math.h>
#include "internal.h"

struct tympan_filterbank {
    size_t bin_count;     /* fft_size / 2 + 1 */
    size_t band_count;
    size_t *first_bin;    /* per band: first bin with a nonzero weight */
    size_t *width;        /* per band: bins from first_bin on */
    size_t *offset;       /* per band: where its weights start in weights[] */
    float *weights;       /* all bands' nonzero runs, back to back */
};

/* Slaney's Auditory Toolbox scale, as librosa: linear to 1 kHz, log above. */
#define SLANEY_F_SP (200.0 / 3.0)
#define SLANEY_MIN_LOG_HZ 1000.0
#define SLANEY_MIN_LOG_MEL (SLANEY_MIN_LOG_HZ / SLANEY_F_SP)
#define SLANEY_LOGSTEP (0.06875177742094912) /* log(6.4) / 27 */

tympan_status tympan_mel_from_hz(tympan_mel_scale scale, double hz, double *mel) {
    if (!mel || !isfinite(hz)) return TYMPAN_EINVAL;
    if (scale == TYMPAN_MEL_HTK) { *mel = 2595.0 * log10(1.0 + hz / 700.0); return TYMPAN_OK; }
    if (scale != TYMPAN_MEL_SLANEY) return TYMPAN_EINVAL;
    *mel = hz >= SLANEY_MIN_LOG_HZ ? SLANEY_MIN_LOG_MEL + log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP
                                   : hz / SLANEY_F_SP;
    return TYMPAN_OK;
}

tympan_status tympan_hz_from_mel(tympan_mel_scale scale, double mel, double *hz) {
    if (!hz || !isfinite(mel)) return TYMPAN_EINVAL;
    if (scale == TYMPAN_MEL_HTK) { *hz = 700.0 * (pow(10.0, mel / 2595.0) - 1.0); return TYMPAN_OK; }
    if (scale != TYMPAN_MEL_SLANEY) return TYMPAN_EINVAL;
    *hz = mel >= SLANEY_MIN_LOG_MEL ? SLANEY_MIN_LOG_HZ * exp(SLANEY_LOGSTEP * (mel - SLANEY_MIN_LOG_MEL))
                                    : SLANEY_F_SP * mel;
    return TYMPAN_OK;
}

static int valid_config(const tympan_filterbank_config *c) {
    if (!(c->sample_rate > 0.0) || !isfinite(c->sample_rate)) return 0;
    if (c->fft_size < 2 || c->fft_size % 2 != 0 || c->band_count == 0) return 0;
    if (!(c->min_frequency >= 0.0) || !(c->max_frequency > c->min_frequency)) return 0;
    if (c->max_frequency > c->sample_rate / 2.0) return 0;
    if ((unsigned)c->scale > TYMPAN_MEL_HTK || (unsigned)c->norm > TYMPAN_MEL_NORM_SLANEY) return 0;
    if ((unsigned)c->shape > TYMPAN_MEL_TRIANGLE_MEL) return 0;
    return 1;
}

/* Weight of bin frequency f (Hz) in band b, given the band_count + 2 edge
 * frequencies in hz[] and their mel values in mel[]. */
static double band_weight(const tympan_filterbank_config *c, const double *hz, const double *mel,
                          size_t b, double f) {
    if (c->shape == TYMPAN_MEL_TRIANGLE_HZ) {
        /* librosa: max(0, min((f - left) / (center - left), (right - f) / (right - center))) */
        double lower = (f - hz[b]) / (hz[b + 1] - hz[b]);
        double upper = (hz[b + 2] - f) / (hz[b + 2] - hz[b + 1]);
        double w = lower < upper ? lower : upper;
        return w > 0.0 ? w : 0.0;
    }
    /* HTK / Kaldi: the triangle is linear in mel, open at both ends. */
    double m;
    tympan_mel_from_hz(c->scale, f, &m);
    if (!(m > mel[b] && m < mel[b + 2])) return 0.0;
    return m <= mel[b + 1] ? (m - mel[b]) / (mel[b + 1] - mel[b])
                           : (mel[b + 2] - m) / (mel[b + 2] - mel[b + 1]);
}

tympan_status tympan_filterbank_create(const tympan_filterbank_config *config,
                                       tympan_filterbank **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (!valid_config(config)) return TYMPAN_EINVAL;
    size_t bands = config->band_count, bins = config->fft_size / 2 + 1;
    tympan_status status = TYMPAN_ENOMEM;
    double *hz = malloc((bands + 2) * sizeof(double));
    double *mel = malloc((bands + 2) * sizeof(double));
    tympan_filterbank *fb = calloc(1, sizeof *fb);
    if (!hz || !mel || !fb) goto done;
    fb->bin_count = bins;
    fb->band_count = bands;
    fb->first_bin = calloc(bands, sizeof(size_t));
    fb->width = calloc(bands, sizeof(size_t));
    fb->offset = calloc(bands, sizeof(size_t));
    if (!fb->first_bin || !fb->width || !fb->offset) goto done;

    double low, high;
    tympan_mel_from_hz(config->scale, config->min_frequency, &low);
    tympan_mel_from_hz(config->scale, config->max_frequency, &high);
    for (size_t i = 0; i < bands + 2; i++) {
        /* numpy.linspace: low + i * step, with the last point exact. */
        mel[i] = i == bands + 1 ? high : low + (double)i * ((high - low) / (double)(bands + 1));
        tympan_hz_from_mel(config->scale, mel[i], &hz[i]);
    }
    double bin_hz = config->sample_rate / (double)config->fft_size;

    /* First pass: the nonzero run of every band. */
    size_t total = 0;
    for (size_t b = 0; b < bands; b++) {
        size_t first = bins, last = 0;
        for (size_t k = 0; k < bins; k++) {
            if (band_weight(config, hz, mel, b, (double)k * bin_hz) > 0.0) {
                if (first == bins) first = k;
                last = k;
            }
        }
        if (first == bins) { status = TYMPAN_EEMPTYBAND; goto done; }
        fb->first_bin[b] = first;
        fb->width[b] = last - first + 1;
        fb->offset[b] = total;
        total += fb->width[b];
    }
    fb->weights = tympan_alloc_floats(total);
    if (!fb->weights) goto done;
    for (size_t b = 0; b < bands; b++) {
        double scale = 1.0;
        if (config->norm == TYMPAN_MEL_NORM_SLANEY) scale = 2.0 / (hz[b + 2] - hz[b]);
        for (size_t j = 0; j < fb->width[b]; j++) {
            double f = (double)(fb->first_bin[b] + j) * bin_hz;
            fb->weights[fb->offset[b] + j] = (float)(band_weight(config, hz, mel, b, f) * scale);
        }
    }
    status = TYMPAN_OK;
    *out = fb;
done:
    free(hz);
    free(mel);
    if (status != TYMPAN_OK) tympan_filterbank_destroy(fb);
    return status;
}

void tympan_filterbank_destroy(tympan_filterbank *fb) {
    if (!fb) return;
    free(fb->first_bin);
    free(fb->width);
    free(fb->offset);
    free(fb->weights);
    free(fb);
}

tympan_status tympan_filterbank_process(const tympan_filterbank *fb, const float *power,
                                        size_t power_count, float *mel, size_t mel_count) {
    if (!fb || !power || !mel) return TYMPAN_EINVAL;
    if (power_count != fb->bin_count || mel_count != fb->band_count) return TYMPAN_ELENGTH;
    for (size_t b = 0; b < fb->band_count; b++) {
        const float *w = fb->weights + fb->offset[b];
        const float *p = power + fb->first_bin[b];
        float sum = 0.0f;
        for (size_t j = 0; j < fb->width[b]; j++) sum += w[j] * p[j];
        /* Saturate: absurdly loud (finite) input must not turn into inf and
         * then into NaN further down (inf - inf in the DCT). */
        mel[b] = sum < FLT_MAX ? sum : FLT_MAX;
    }
    return TYMPAN_OK;
}

tympan_status tympan_filterbank_weights(const tympan_filterbank *fb, float *out, size_t count) {
    if (!fb || !out) return TYMPAN_EINVAL;
    if (count != fb->band_count * fb->bin_count) return TYMPAN_ELENGTH;
    memset(out, 0, count * sizeof(float));
    for (size_t b = 0; b < fb->band_count; b++)
        memcpy(out + b * fb->bin_count + fb->first_bin[b], fb->weights + fb->offset[b],
               fb->width[b] * sizeof(float));
    return TYMPAN_OK;
}
