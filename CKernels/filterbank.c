/* Mel filterbank: triangles built once at create, applied sparsely.
 *
 * Scalar reference: band by band over its nonzero run. Four-lane path
 * (simd.h): bands in groups of four, over the union of the group's runs, each
 * bin's power broadcast and multiplied by the four bands' weights at that bin
 * (zero outside a band): no horizontal sums, no per-band loop overhead
 * (64 Slaney bands of a 512-point FFT: 16 groups over 336 bins, four a step,
 * instead of 64 runs over 498 bins). Each lane adds its band's products in
 * the same order as the scalar code, plus exact zeros. */
#include <float.h>
#include <math.h>
#include "internal.h"
#include "simd.h"

struct tympan_filterbank {
    size_t bin_count;     /* fft_size / 2 + 1 */
    size_t band_count;
    size_t *first_bin;    /* per band: first bin with a nonzero weight */
    size_t *width;        /* per band: bins from first_bin on */
    size_t *offset;       /* per band: where its weights start in weights[] */
    float *weights;       /* all bands' nonzero runs, back to back */
    size_t group_count;   /* ceil(band_count / 4) */
    size_t *group_first;  /* per group: first bin covering the union of its bands' runs */
    size_t *group_width;  /* per group: bins from group_first on */
    float *group_weights; /* group after group, per bin the four bands' weights */
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

/* The band_count + 2 edges, evenly spaced in mel (numpy.linspace: low + i *
 * step, the last point exact), and their frequencies in Hz. */
static void band_edges(const tympan_filterbank_config *c, double *hz, double *mel) {
    size_t bands = c->band_count;
    double low, high;
    tympan_mel_from_hz(c->scale, c->min_frequency, &low);
    tympan_mel_from_hz(c->scale, c->max_frequency, &high);
    for (size_t i = 0; i < bands + 2; i++) {
        mel[i] = i == bands + 1 ? high : low + (double)i * ((high - low) / (double)(bands + 1));
        tympan_hz_from_mel(c->scale, mel[i], &hz[i]);
    }
}

/* The first and last bin where band b's weight is positive; 0 when there is
 * none. A weight can be positive only for f in [hz[b], hz[b + 2]] (both shapes:
 * the mel scale is increasing), so the candidates are the bins from one below
 * that interval to one above it, walked in from each end: the first and last
 * positive bins of an exhaustive search, in a few steps a band (inside the
 * interval every bin is positive but near its ends), so that checking a
 * configuration costs the bands, not the bins (2^24-point FFTs are valid). */
static int band_run(const tympan_filterbank_config *c, const double *hz, const double *mel, size_t b,
                    size_t bins, double bin_hz, size_t *first, size_t *last) {
    double below = floor(hz[b] / bin_hz) - 1.0, above = ceil(hz[b + 2] / bin_hz) + 1.0;
    size_t from = below > 0.0 ? (size_t)below : 0;
    size_t to = above < (double)(bins - 1) ? (size_t)above : bins - 1;
    size_t k = from;
    while (k <= to && !(band_weight(c, hz, mel, b, (double)k * bin_hz) > 0.0)) k++;
    if (k > to) return 0;
    *first = k;
    k = to;
    while (!(band_weight(c, hz, mel, b, (double)k * bin_hz) > 0.0)) k--;  /* stops at first at the latest */
    *last = k;
    return 1;
}

tympan_status tympan_filterbank_check(const tympan_filterbank_config *config) {
    if (!config) return TYMPAN_EINVAL;
    if (!valid_config(config)) return TYMPAN_EINVAL;
    size_t bands = config->band_count, bins = config->fft_size / 2 + 1, first, last;
    double *hz = malloc((bands + 2) * sizeof(double));
    double *mel = malloc((bands + 2) * sizeof(double));
    tympan_status status = TYMPAN_ENOMEM;
    if (hz && mel) {
        band_edges(config, hz, mel);
        double bin_hz = config->sample_rate / (double)config->fft_size;
        status = TYMPAN_OK;
        for (size_t b = 0; b < bands && status == TYMPAN_OK; b++)
            if (!band_run(config, hz, mel, b, bins, bin_hz, &first, &last)) status = TYMPAN_EEMPTYBAND;
    }
    free(hz);
    free(mel);
    return status;
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

    band_edges(config, hz, mel);
    double bin_hz = config->sample_rate / (double)config->fft_size;
    /* First pass: the nonzero run of every band. */
    size_t total = 0;
    for (size_t b = 0; b < bands; b++) {
        size_t first, last;
        if (!band_run(config, hz, mel, b, bins, bin_hz, &first, &last)) { status = TYMPAN_EEMPTYBAND; goto done; }
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
    /* Groups of four bands for the four-lane path, each over the union of
     * its bands' runs widened (with zero weights) to a multiple of four bins
     * where the spectrum allows, so that the loop takes four bins a step. */
    fb->group_count = (bands + 3) / 4;
    fb->group_first = calloc(fb->group_count, sizeof(size_t));
    fb->group_width = calloc(fb->group_count, sizeof(size_t));
    if (!fb->group_first || !fb->group_width) goto done;
    size_t group_total = 0;
    for (size_t g = 0; g < fb->group_count; g++) {
        size_t first = bins, end = 0;
        for (size_t b = 4 * g; b < 4 * g + 4 && b < bands; b++) {
            if (fb->first_bin[b] < first) first = fb->first_bin[b];
            if (fb->first_bin[b] + fb->width[b] > end) end = fb->first_bin[b] + fb->width[b];
        }
        size_t width = (end - first + 3) / 4 * 4;
        if (width > bins) width = bins;
        if (first + width > bins) first = bins - width;
        fb->group_first[g] = first;
        fb->group_width[g] = width;
        group_total += width;
    }
    fb->group_weights = tympan_alloc_floats(4 * group_total);  /* zeroed */
    if (!fb->group_weights) goto done;
    float *w = fb->group_weights;
    for (size_t g = 0; g < fb->group_count; g++) {
        for (size_t b = 4 * g; b < 4 * g + 4 && b < bands; b++)
            for (size_t j = 0; j < fb->width[b]; j++)
                w[4 * (fb->first_bin[b] + j - fb->group_first[g]) + (b - 4 * g)] = fb->weights[fb->offset[b] + j];
        w += 4 * fb->group_width[g];
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
    free(fb->group_first);
    free(fb->group_width);
    free(fb->group_weights);
    free(fb);
}

tympan_status tympan_filterbank_process_scalar(const tympan_filterbank *fb, const float *power,
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

tympan_status tympan_filterbank_process(const tympan_filterbank *fb, const float *power,
                                        size_t power_count, float *mel, size_t mel_count) {
#if TYMPAN_SIMD
    if (!fb || !power || !mel) return TYMPAN_EINVAL;
    if (power_count != fb->bin_count || mel_count != fb->band_count) return TYMPAN_ELENGTH;
    const size_t groups = fb->group_count, bands = fb->band_count;
    const size_t *restrict firsts = fb->group_first, *restrict widths = fb->group_width;
    const float *restrict weights = fb->group_weights;
    v4m finite = v4_all_lanes();
    for (size_t g = 0; g < groups; g++) {
        const float *p = power + firsts[g], *end = p + widths[g];
        v4f sum = v4_splat(0.0f);
        for (; p + 4 <= end; p += 4, weights += 16) sum = v4_madd4(sum, weights, p);
        for (; p < end; p++, weights += 4) sum = v4_madd(sum, v4_load(weights), v4_splat(*p));
        finite = v4_and_finite(finite, sum);
        if (4 * g + 4 <= bands) {
            v4_store(mel + 4 * g, sum);
        } else {
            float lanes[4];
            v4_store(lanes, sum);
            for (size_t b = 4 * g; b < bands; b++) mel[b] = lanes[b - 4 * g];
        }
    }
    /* An infinite or NaN power (0 x inf in a lane outside its band) or an
     * overflow: the reference path says what each band is. */
    if (!v4_mask_all(finite)) return tympan_filterbank_process_scalar(fb, power, power_count, mel, mel_count);
    return TYMPAN_OK;
#else
    return tympan_filterbank_process_scalar(fb, power, power_count, mel, mel_count);
#endif
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
