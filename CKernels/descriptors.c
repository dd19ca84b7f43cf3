/* Per-frame descriptors: levels, spectral shape, flux, crest, ZCR, tonality, pitch. */
#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "internal.h"
#include "simd.h"

#define AES17_DB 3.0102999566398120 /* 10 log10(2): a full-scale sine reads 0 dBFS */
#define FLOOR_POWER 1e-12f          /* -120 dB */
#define FLOOR_MEL 1e-10f
#define DB_PER_NEPER 4.342944819f  /* 10 / ln 10: 10 log10 x = DB_PER_NEPER ln x */
#define MEDIAN_SPREAD_START 2.0f /* the bracket around the last frame's median: a factor either side */
#define MEDIAN_SPREAD_MIN 1.1f
#define MEDIAN_SPREAD_MAX 1e4f

/* Every decibel value of a frame is 10 log10 of a power, floored at
 * FLOOR_POWER: the powers are gathered in db_in at these slots, and their logs
 * taken at once by tympan_ln (four lanes, no calls: about 30 logs a frame in
 * double precision through libm were 2,800 aarch64 instructions). */
enum {
    DB_LEVEL, DB_LEVEL_A, DB_CREST, DB_STRONGEST, DB_MEDIAN, DB_TOTAL, DB_FIXED,
    /* then per band, at DB_FIXED + DB_PER_BAND * b: */
    DB_BAND_LEVEL = 0, DB_BAND, DB_BAND_MEDIAN, DB_BAND_TOP, DB_BAND_LEFT, DB_BAND_RIGHT, DB_PER_BAND
};

struct tympan_descriptors {
    double sample_rate;
    size_t frame_length;
    size_t fft_size;
    size_t bin_count;
    size_t mel_band_count;
    size_t band_count;
    double calibration_db;
    double power_scale;       /* 1 / (fft_size * sum(w^2)): one-sided power -> mean square */
    float *a_weight;          /* per bin, linear power gain, one-sided factor folded in */
    float *magnitude;         /* scratch, bin_count */
    float *sorted;            /* scratch for the median, bin_count */
    float *guess;             /* per median (whole spectrum, then each band): the last frame's */
    float *spread;            /* and the factor of the bracket around it (see median_near) */
    float *mel_ln;            /* scratch: ln of each mel band (tympan_ln), mel_band_count */
    float *db_in;             /* scratch: the powers every decibel value is taken of (see decibels()), */
    float *db_out;            /* and their logs: DB_FIXED + DB_PER_BAND * band_count */
    float *previous_mel_db;   /* mel_band_count */
    int has_previous;
    size_t *band_first;       /* per band: first and last bin (inclusive) */
    size_t *band_last;
    size_t *band_top;         /* scratch: each band's strongest bin in the frame */
    size_t lag_min;           /* pitch search lags */
    size_t lag_max;
    float *window_acf;        /* normalised autocorrelation of the window, lag 0..lag_max + 1 */
    float *lag_values;        /* scratch: each lag's normalised autocorrelation, lag 0..lag_max */
    /* The autocorrelation, the inverse real FFT of the power spectrum, as a
     * complex inverse FFT of half the size (see autocorrelation()). */
    float *acf_in;            /* fft_size / 2 complex points (re, im, ...) */
    float *acf_out;           /* the same count of complex points = fft_size real lags */
    float *acf_cos;           /* cos and sin of 2 pi k / fft_size, k < fft_size / 2 */
    float *acf_sin;
    fftwf_plan acf_plan;
};

/* IEC 61672-1 A-weighting, dB. */
static double a_weighting_db(double f) {
    if (f <= 0) return -200.0;
    double f2 = f * f;
    double num = 12194.0 * 12194.0 * f2 * f2;
    double den = (f2 + 20.6 * 20.6) * sqrt((f2 + 107.7 * 107.7) * (f2 + 737.9 * 737.9)) *
                 (f2 + 12194.0 * 12194.0);
    return 20.0 * log10(num / den) + 2.0;
}

void tympan_descriptors_destroy(tympan_descriptors *d) {
    if (!d) return;
    tympan_plan_destroy(d->acf_plan);
    free(d->a_weight);
    free(d->magnitude);
    free(d->sorted);
    free(d->guess);
    free(d->spread);
    free(d->mel_ln);
    free(d->db_in);
    free(d->db_out);
    free(d->previous_mel_db);
    free(d->band_first);
    free(d->band_last);
    free(d->band_top);
    free(d->window_acf);
    free(d->lag_values);
    free(d->acf_in);
    free(d->acf_out);
    free(d->acf_cos);
    free(d->acf_sin);
    free(d);
}

tympan_status tympan_descriptors_create(const tympan_descriptors_config *c, tympan_descriptors **out) {
    if (!c || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (!(c->sample_rate > 0) || c->frame_length == 0 || c->fft_size < c->frame_length ||
        c->fft_size % 2 != 0 || c->mel_band_count == 0 || (unsigned)c->window > TYMPAN_WINDOW_POVEY ||
        !isfinite(c->calibration_db) || !(c->pitch_min_hz > 0) || !(c->pitch_max_hz > c->pitch_min_hz) ||
        (c->band_count > 0 && !c->band_edges))
        return TYMPAN_EINVAL;
    double nyquist = c->sample_rate / 2, bin_hz = c->sample_rate / (double)c->fft_size;
    for (size_t b = 0; b < c->band_count; b++) {
        double low = c->band_edges[2 * b], high = c->band_edges[2 * b + 1];
        if (!(low >= 0) || !(high > low) || high > nyquist) return TYMPAN_EINVAL;
        if (floor(high / bin_hz) < ceil(low / bin_hz)) return TYMPAN_EEMPTYBAND;
    }
    tympan_descriptors *d = calloc(1, sizeof *d);
    if (!d) return TYMPAN_ENOMEM;
    d->sample_rate = c->sample_rate;
    d->frame_length = c->frame_length;
    d->fft_size = c->fft_size;
    d->bin_count = c->fft_size / 2 + 1;
    d->mel_band_count = c->mel_band_count;
    d->band_count = c->band_count;
    d->calibration_db = c->calibration_db;
    /* The lags, bounded while still doubles (a pitch range of a millionth of
     * a hertz must not reach a conversion to size_t out of its range). */
    double top_lag = (double)(c->fft_size / 2 - 1);
    d->lag_min = (size_t)fmin(ceil(c->sample_rate / c->pitch_max_hz), top_lag + 1);
    /* Lags up to fft_size - frame_length are free of circular wrap-around. */
    size_t exact = c->fft_size - c->frame_length;
    d->lag_max = (size_t)fmin(floor(c->sample_rate / c->pitch_min_hz), top_lag);
    if (exact > d->lag_min + 2 && d->lag_max > exact) d->lag_max = exact;
    if (d->lag_min < 2) d->lag_min = 2;

    d->a_weight = tympan_alloc_floats(d->bin_count);
    d->magnitude = tympan_alloc_floats(d->bin_count);
    d->sorted = tympan_alloc_floats(d->bin_count);
    d->guess = tympan_alloc_floats(c->band_count + 1);
    d->spread = tympan_alloc_floats(c->band_count + 1);
    d->mel_ln = tympan_alloc_floats(c->mel_band_count);
    d->db_in = tympan_alloc_floats(DB_FIXED + DB_PER_BAND * c->band_count);
    d->db_out = tympan_alloc_floats(DB_FIXED + DB_PER_BAND * c->band_count);
    d->previous_mel_db = tympan_alloc_floats(c->mel_band_count);
    d->band_first = calloc(c->band_count + 1, sizeof(size_t));
    d->band_last = calloc(c->band_count + 1, sizeof(size_t));
    d->band_top = calloc(c->band_count + 1, sizeof(size_t));
    d->window_acf = tympan_alloc_floats(d->lag_max + 2);
    d->lag_values = tympan_alloc_floats(d->lag_max + 1);
    d->acf_in = tympan_alloc_floats(c->fft_size);
    d->acf_out = tympan_alloc_floats(c->fft_size);
    d->acf_cos = tympan_alloc_floats(c->fft_size / 2);
    d->acf_sin = tympan_alloc_floats(c->fft_size / 2);
    if (!d->a_weight || !d->magnitude || !d->sorted || !d->guess || !d->spread || !d->mel_ln || !d->db_in || !d->db_out || !d->previous_mel_db ||
        !d->band_first || !d->band_last || !d->band_top || !d->window_acf || !d->lag_values || !d->acf_in || !d->acf_out ||
        !d->acf_cos || !d->acf_sin) {
        tympan_descriptors_destroy(d);
        return TYMPAN_ENOMEM;
    }
    double window_energy = 0;
    double *w = malloc(c->frame_length * sizeof(double));
    if (!w) { tympan_descriptors_destroy(d); return TYMPAN_ENOMEM; }
    for (size_t n = 0; n < c->frame_length; n++) {
        w[n] = tympan_window_value(c->window, n, c->frame_length);
        window_energy += w[n] * w[n];
    }
    for (size_t lag = 0; lag <= d->lag_max + 1; lag++) {
        double sum = 0;
        for (size_t n = 0; n + lag < c->frame_length; n++) sum += w[n] * w[n + lag];
        d->window_acf[lag] = (float)(sum / window_energy);
    }
    free(w);
    d->power_scale = 1.0 / ((double)c->fft_size * window_energy);
    for (size_t k = 0; k < d->bin_count; k++) {
        double one_sided = (k == 0 || k == d->bin_count - 1) ? 1.0 : 2.0;
        d->a_weight[k] = (float)(one_sided * pow(10.0, a_weighting_db((double)k * bin_hz) / 10.0));
    }
    for (size_t b = 0; b < c->band_count; b++) {
        d->band_first[b] = (size_t)ceil(c->band_edges[2 * b] / bin_hz);
        d->band_last[b] = (size_t)floor(c->band_edges[2 * b + 1] / bin_hz);
    }
    for (size_t k = 0; k < c->fft_size / 2; k++) {
        double angle = 2.0 * TYMPAN_PI * (double)k / (double)c->fft_size;
        d->acf_cos[k] = (float)cos(angle);
        d->acf_sin[k] = (float)sin(angle);
    }
    tympan_planner_lock();
    d->acf_plan = fftwf_plan_dft_1d((int)(c->fft_size / 2), (fftwf_complex *)d->acf_in, (fftwf_complex *)d->acf_out,
                                    FFTW_BACKWARD, FFTW_ESTIMATE);
    tympan_planner_unlock();
    if (!d->acf_plan) { tympan_descriptors_destroy(d); return TYMPAN_EFFT; }
    tympan_descriptors_reset(d);
    *out = d;
    return TYMPAN_OK;
}

tympan_status tympan_descriptors_reset(tympan_descriptors *d) {
    if (!d) return TYMPAN_EINVAL;
    d->has_previous = 0;
    for (size_t i = 0; i <= d->band_count; i++) {
        d->guess[i] = 0;
        d->spread[i] = MEDIAN_SPREAD_START;
    }
    return TYMPAN_OK;
}

tympan_status tympan_descriptors_count(const tympan_descriptors *d, size_t *count) {
    if (!d || !count) return TYMPAN_EINVAL;
    *count = TYMPAN_DESCRIPTOR_FIXED_COUNT + TYMPAN_DESCRIPTOR_PER_BAND * d->band_count;
    return TYMPAN_OK;
}

/* A power as tympan_ln takes it: in single precision, below the largest
 * float (tympan_ln floors it, and NaN, at FLOOR_POWER). */
static inline float as_power(double x) { return x < 3.4028234e38 ? (float)x : 3.4028234e38f; }

/* The k-th smallest of n finite values (reorders a). Quickselect with a
 * median-of-three pivot and branch-free partitions (the comparisons of
 * spectral values are unpredictable, a branch per value mispredicts half the
 * time): first the values below the pivot to the front, then, behind them,
 * the values equal to it; a k among those is the answer (so that a run of
 * equal values, digital silence, ends the search at once). */
static float select_kth(float *a, size_t n, size_t k) {
    size_t lo = 0, hi = n;  /* the answer is in a[lo ..< hi] */
    while (hi - lo > 1) {
        float x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        float pivot = fmaxf(fminf(x, y), fminf(fmaxf(x, y), z));
        size_t below = lo;
        for (size_t j = lo; j < hi; j++) {
            float v = a[j];
            a[j] = a[below];
            a[below] = v;
            below += v < pivot;
        }
        if (k < below) { hi = below; continue; }
        size_t equal = below;
        for (size_t j = below; j < hi; j++) {
            float v = a[j];
            a[j] = a[equal];
            a[equal] = v;
            equal += v == pivot;
        }
        if (k < equal) return pivot;
        if (equal == lo) return pivot; /* nothing below or equal: a NaN pivot (NaN power); no progress */
        lo = equal;
    }
    return a[lo];
}

static inline uint32_t bits_of(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

/* The k-th smallest of v[0 ..< n] (power: non-negative; v is not reordered),
 * exactly as select_kth, but mostly from one pass over v: a frame's median is
 * close to the last frame's (*guess), so the pass counts the values below a
 * bracket around it (a factor *spread either side) and gathers those inside;
 * when the k-th smallest is among the gathered, select_kth runs on them alone.
 * Otherwise (an onset, a new tone, the first frame) a second pass gathers the
 * side that holds it. The bracket widens after a miss and narrows while it
 * gathers more than a quarter of the values. Any bracket gives the same answer;
 * only the time differs. Non-negative floats order as their bit patterns do,
 * so the tests are integer ones: one subtraction and compare for the bracket. */
static float median_near(float *scratch, const float *v, size_t n, size_t k, float *guess, float *spread) {
    uint32_t lo = bits_of(*guess / *spread), hi = bits_of(*guess * *spread);
    uint32_t width = hi - lo;
    size_t below = 0, inside = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t x = bits_of(v[j]);
        below += x < lo;
        scratch[inside] = v[j];
        inside += x - lo <= width;
    }
    float m;
    if (below <= k && k < below + inside) {
        m = select_kth(scratch, inside, k - below);
        if (inside > n / 4 && *spread > MEDIAN_SPREAD_MIN) *spread = sqrtf(*spread);
    } else {
        size_t count = 0;
        if (k < below) {
            for (size_t j = 0; j < n; j++) {
                scratch[count] = v[j];
                count += bits_of(v[j]) < lo;
            }
        } else {
            for (size_t j = 0; j < n; j++) {
                scratch[count] = v[j];
                count += bits_of(v[j]) > hi;
            }
            k -= below + inside;
        }
        m = select_kth(scratch, count, k);
        if (*spread < MEDIAN_SPREAD_MAX) *spread *= *spread;
    }
    *guess = m;
    return m;
}

/* Flatness reads magnitudes floored at 1e-5. */
static inline double floored(float m) { return m > 1e-5f ? (double)m : 1e-5; }

/* x = 2^e m with m in [1, 2): returns m and adds e to *exponent (x positive and normal). */
static inline double split_exponent(double x, int64_t *exponent) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    *exponent += (int64_t)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & ~(UINT64_C(0x7ff) << 52)) | (UINT64_C(1023) << 52);
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* The sum of ln max(m[k], 1e-5) over k < count, as the log of the product:
 * four running products (no multiply waits on the one before), each brought
 * back to [1, 2) after every 8 factors (a factor is at least 1e-5 and, being
 * the root of a finite float, below 2e19: 8 of them stay far inside the
 * doubles' range), then one log. A log per bin cost about as much as
 * everything else in this function; the product is within 255 roundings
 * (3e-14) of the sum of logs. A magnitude that is not finite, or a last
 * partial run of factors whose product leaves the doubles' range (absurdly
 * loud input), takes the log per bin, as before. */
static double log_of_product(const float *m, size_t count) {
    double p[4] = {1, 1, 1, 1};
    int64_t exponent = 0;
    size_t k = 0;
    int finite = 1;
    while (k + 32 <= count) {
        for (size_t end = k + 32; k < end; k += 4)
            for (int lane = 0; lane < 4; lane++) {
                p[lane] *= floored(m[k + (size_t)lane]);
            }
        for (int lane = 0; lane < 4; lane++) {
            if (!(p[lane] <= DBL_MAX)) finite = 0;
            else p[lane] = split_exponent(p[lane], &exponent);
        }
        if (!finite) break;
    }
    double tail = 1;
    for (; finite && k < count; k++) tail *= floored(m[k]);
    double product = (p[0] * p[1]) * (p[2] * p[3]) * tail;
    if (finite && product > 0 && product <= DBL_MAX) return log(product) + (double)exponent * 0.69314718055994530942;
    double sum = 0;
    for (size_t j = 0; j < count; j++) sum += log(floored(m[j]));
    return sum;
}

/* A local maximum, so that the slope down from lag 0 is not taken for a peak. */
static int is_peak(const float *r, size_t lag) { return r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1]; }

/* The circular autocorrelation of the frame, 2 M times over (N = 2 M lags in
 * acf_out), from its power spectrum P[0 ... M]: the inverse real FFT of N
 * points as a complex inverse FFT of M points (FFTW's complex codelets are its
 * vectorised ones; its c2r of 512 points took 8,000 aarch64 instructions, this
 * about 5,000). The inverse of spectrum.c's split step: lags 2n and 2n + 1 are
 * the real and imaginary parts of point n of the inverse transform of
 *     Z[k] = E[k] + i O[k],  E = P[k] + P[M - k],  O = (P[k] - P[M - k]) e^(2 pi i k / N),
 * (the even lags' and the odd lags' spectra, each twice over), for k < M; P
 * being real, Z[k] = (E - D sin) + i D cos with D = P[k] - P[M - k]. */
static void autocorrelation(tympan_descriptors *d, const float *power) {
    size_t m = d->fft_size / 2, k = 0;
    float *z = d->acf_in;
#if TYMPAN_SIMD
    for (; k + 4 <= m; k += 4) {
        v4f a = v4_load(power + k), b = v4_reverse(v4_load(power + m - k - 3));
        v4f e = v4_add(a, b), difference = v4_sub(a, b);
        v4f re = v4_msub(e, difference, v4_load(d->acf_sin + k));
        v4f im = v4_mul(difference, v4_load(d->acf_cos + k));
        v4_store_complex(z + 2 * k, re, im);
    }
#endif
    for (; k < m; k++) {
        float a = power[k], b = power[m - k];
        float e = a + b, difference = a - b;
        z[2 * k] = e - difference * d->acf_sin[k];
        z[2 * k + 1] = difference * d->acf_cos[k];
    }
    fftwf_execute(d->acf_plan);
}

/* Pitch and harmonicity from the autocorrelation (the inverse FFT of the power
 * spectrum), each lag divided by the window's own autocorrelation (Boersma 1993). */
static void pitch(tympan_descriptors *d, const float *power, float *f0, float *harmonicity) {
    *f0 = 0;
    *harmonicity = 0;
    autocorrelation(d, power);
    float r0 = d->acf_out[0];
    if (!(r0 > 0)) return;
    /* The best normalised peak; then, against octave errors, the shortest lag
     * whose peak comes within 5 % of it (a period's multiples peak as high). */
    float top = 0, *normalised = d->lag_values;  /* computed once, read by both passes */
    for (size_t lag = d->lag_min; lag <= d->lag_max; lag++) {
        float value = d->acf_out[lag] / (r0 * d->window_acf[lag]);
        normalised[lag] = value;
        if (value > top && is_peak(d->acf_out, lag)) top = value;
    }
    size_t best = 0;
    float best_value = 0;
    for (size_t lag = d->lag_min; lag <= d->lag_max && top > 0; lag++) {
        float value = normalised[lag];
        if (value >= 0.95f * top && is_peak(d->acf_out, lag)) {
            best = lag;
            best_value = value;
            break;
        }
    }
    if (best == 0) return;
    double left = d->acf_out[best - 1] / (r0 * d->window_acf[best - 1]);
    double right = d->acf_out[best + 1] / (r0 * d->window_acf[best + 1]);
    double curvature = left - 2 * best_value + right;
    double shift = curvature < 0 ? 0.5 * (left - right) / curvature : 0;
    if (shift > 0.5 || shift < -0.5) shift = 0;
    *f0 = (float)(d->sample_rate / ((double)best + shift));
    *harmonicity = best_value > 1 ? 1 : best_value;
}

static inline int refines(const tympan_descriptors *d, const float *power, size_t top) {
    return top > 0 && top + 1 < d->bin_count && power[top] > 0;  /* two neighbours, not silent */
}

/* The values made of decibels, from the powers process() gathered in db_in. */
static void decibels(tympan_descriptors *d, const float *power, float *out, int some_power, double bin_hz) {
    size_t count = DB_FIXED + DB_PER_BAND * d->band_count;
    tympan_ln(d->db_in, d->db_out, count, FLOOR_POWER);
    const float *ln = d->db_out;
    const double scale = 4.3429448190325182765;  /* 10 / ln 10 */
    out[TYMPAN_DESCRIPTOR_LEVEL] = (float)(scale * ln[DB_LEVEL] + AES17_DB);
    out[TYMPAN_DESCRIPTOR_LEVEL_A] = (float)(scale * ln[DB_LEVEL_A] + AES17_DB + d->calibration_db);
    out[TYMPAN_DESCRIPTOR_CREST] = (float)(scale * ln[DB_CREST]);
    out[TYMPAN_DESCRIPTOR_TONALITY] = (float)(scale * ((double)ln[DB_STRONGEST] - ln[DB_MEDIAN]));
    float *levels = out + TYMPAN_DESCRIPTOR_FIXED_COUNT;
    float *ratios = levels + d->band_count;
    float *tonalities = ratios + d->band_count;
    float *peaks = tonalities + d->band_count;
    for (size_t b = 0; b < d->band_count; b++) {
        const float *x = ln + DB_FIXED + DB_PER_BAND * b;
        levels[b] = (float)(scale * x[DB_BAND_LEVEL] + AES17_DB);
        ratios[b] = some_power ? (float)(scale * ((double)x[DB_BAND] - ln[DB_TOTAL])) : 0.0f;
        tonalities[b] = (float)(scale * ((double)x[DB_BAND_TOP] - x[DB_BAND_MEDIAN]));
        size_t top = d->band_top[b];
        double shift = 0;
        if (refines(d, power, top)) {
            double l = scale * x[DB_BAND_LEFT], c = scale * x[DB_BAND_TOP], r = scale * x[DB_BAND_RIGHT];
            double curvature = l - 2 * c + r;
            if (curvature < 0) shift = 0.5 * (l - r) / curvature;
            if (shift > 0.5 || shift < -0.5) shift = 0;
        }
        peaks[b] = (float)(((double)top + shift) * bin_hz);
    }
}

tympan_status tympan_descriptors_process(tympan_descriptors *d, const float *frame, size_t frame_count,
                                         const float *power, size_t bin_count, const float *mel,
                                         size_t mel_count, float *out, size_t out_count) {
    if (!d || !frame || !power || !mel || !out) return TYMPAN_EINVAL;
    if (frame_count != d->frame_length || bin_count != d->bin_count || mel_count != d->mel_band_count ||
        out_count != TYMPAN_DESCRIPTOR_FIXED_COUNT + TYMPAN_DESCRIPTOR_PER_BAND * d->band_count)
        return TYMPAN_ELENGTH;
    size_t n = d->bin_count;
    double bin_hz = d->sample_rate / (double)d->fft_size;

    /* Time domain: level, crest, zero crossings. */
    double sum_squares = 0;
    for (size_t i = 0; i < frame_count; i++) sum_squares += (double)frame[i] * frame[i];
    /* Separate loops, so that the compiler can vectorise these two: the
     * largest magnitude as the largest bit pattern without the sign (the
     * samples are finite), and the sign changes. */
    uint32_t peak_bits = 0, crossings = 0;
    for (size_t i = 0; i < frame_count; i++) {
        uint32_t bits = bits_of(frame[i]) & 0x7fffffffu;
        peak_bits = bits > peak_bits ? bits : peak_bits;
    }
    for (size_t i = 1; i < frame_count; i++) crossings += (frame[i - 1] < 0) != (frame[i] < 0);
    float peak_magnitude;
    memcpy(&peak_magnitude, &peak_bits, sizeof peak_magnitude);
    double peak = peak_magnitude;
    double mean_square = sum_squares / (double)frame_count;
    float *db = d->db_in;
    db[DB_LEVEL] = as_power(mean_square);
    db[DB_CREST] = mean_square > 0 ? as_power(peak * peak / mean_square) : 1.0f;  /* 20 log10(peak / RMS) */
    out[TYMPAN_DESCRIPTOR_ZCR] = frame_count > 1 ? (float)crossings / (float)(frame_count - 1) : 0.0f;

    /* Spectrum: A-weighted level, shape, and what flatness and tonality need
     * of the inner bins (all but DC and Nyquist), in one pass: each sum still
     * goes in bin order, and the passes' chains of adds overlap. */
    double weighted = 0, total = 0, magnitude_sum = 0, weighted_frequency = 0, arithmetic = 0;
    float strongest = 0;
    for (size_t k = 0; k < n; k++) {
        double p = power[k];
        weighted += d->a_weight[k] * p;
        float m = sqrtf(power[k]);
        d->magnitude[k] = m;
        magnitude_sum += m;
        weighted_frequency += m * (double)k * bin_hz;
        if (k == 0 || k == n - 1) {  /* one-sided: DC and Nyquist count once */
            total += p;
            continue;
        }
        total += 2.0 * p;
        arithmetic += floored(m);
        strongest = power[k] > strongest ? power[k] : strongest;
    }
    db[DB_LEVEL_A] = as_power(weighted * d->power_scale);
    double centroid = magnitude_sum > 0 ? weighted_frequency / magnitude_sum : 0;
    double spread = 0, cumulative = 0, rolloff = 0, reach = 0.85 * magnitude_sum;
    for (size_t k = 0; k < n; k++) {
        double f = (double)k * bin_hz - centroid;
        spread += d->magnitude[k] * f * f;
    }
    for (size_t k = 0; k < n; k++) {
        cumulative += d->magnitude[k];
        if (cumulative >= reach) { rolloff = (double)k * bin_hz; break; }
    }
    out[TYMPAN_DESCRIPTOR_CENTROID] = (float)centroid;
    out[TYMPAN_DESCRIPTOR_BANDWIDTH] = magnitude_sum > 0 ? (float)sqrt(spread / magnitude_sum) : 0.0f;
    out[TYMPAN_DESCRIPTOR_ROLLOFF] = (float)rolloff;

    /* Flatness over the bins between DC and Nyquist. */
    size_t inner = n - 2;
    double log_sum = log_of_product(d->magnitude + 1, inner);
    out[TYMPAN_DESCRIPTOR_FLATNESS] = (float)(exp(log_sum / (double)inner) / (arithmetic / (double)inner));
    float median = median_near(d->sorted, power + 1, inner, inner / 2, &d->guess[0], &d->spread[0]);
    db[DB_STRONGEST] = strongest;
    db[DB_MEDIAN] = median;
    db[DB_TOTAL] = as_power(total);

    /* Positive flux of the mel bands in dB (the log of every band at once:
     * tympan_ln, four lanes, no calls; log10f per band was 70 aarch64
     * instructions each, a twelfth of the whole front end). */
    double rise = 0;
    tympan_ln(mel, d->mel_ln, d->mel_band_count, FLOOR_MEL);
    for (size_t b = 0; b < d->mel_band_count; b++) {
        float db = DB_PER_NEPER * d->mel_ln[b];
        if (d->has_previous && db > d->previous_mel_db[b]) rise += db - d->previous_mel_db[b];
        d->previous_mel_db[b] = db;
    }
    out[TYMPAN_DESCRIPTOR_FLUX] = d->has_previous ? (float)(rise / (double)d->mel_band_count) : 0.0f;
    d->has_previous = 1;

    pitch(d, power, &out[TYMPAN_DESCRIPTOR_PITCH], &out[TYMPAN_DESCRIPTOR_HARMONICITY]);

    /* Bands: level (dBFS), share of the whole spectrum (dB), strongest bin
     * over the band's median bin (dB) and that bin's frequency (Hz, refined
     * by a parabola through the dB of its neighbours). First each band's
     * powers, then every log at once, then the values. */
    for (size_t b = 0; b < d->band_count; b++) {
        double band = 0;
        size_t first = d->band_first[b], last = d->band_last[b], top = first;
        /* One-sided: DC and Nyquist count once, the bins between them twice.
         * The strongest bin (the first of equals) in the same pass, in bin order. */
        size_t k = first;
        if (k == 0) band += power[k++];
        size_t inner_last = last == n - 1 ? last - 1 : last;
        for (; k <= inner_last; k++) {
            band += 2.0 * power[k];
            top = power[k] > power[top] ? k : top;
        }
        if (last == n - 1 && k == last) {
            band += power[last];
            top = power[last] > power[top] ? last : top;
        }
        size_t count = last - first + 1;
        float *x = db + DB_FIXED + DB_PER_BAND * b;
        x[DB_BAND_LEVEL] = as_power(band * d->power_scale);
        x[DB_BAND] = as_power(band);
        x[DB_BAND_MEDIAN] = median_near(d->sorted, power + first, count, count / 2, &d->guess[b + 1], &d->spread[b + 1]);
        x[DB_BAND_TOP] = power[top];
        int refine = refines(d, power, top);  /* the parabola's neighbours */
        x[DB_BAND_LEFT] = refine ? power[top - 1] : 1.0f;
        x[DB_BAND_RIGHT] = refine ? power[top + 1] : 1.0f;
        d->band_top[b] = top;
    }
    decibels(d, power, out, total > 0, bin_hz);
    return TYMPAN_OK;
}
