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
    float *sorted;            /* scratch for the median, 2 * bin_count (see select_kth) */
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
    d->sorted = tympan_alloc_floats(2 * d->bin_count);
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

/* The k-th smallest of a[0 ..< n] (finite values; a is overwritten, and so is
 * spare, of room for n). Quickselect with a median-of-three pivot and
 * branch-free partitions (the comparisons of spectral values are
 * unpredictable, a branch per value mispredicts half the time), each from one
 * buffer into the other: the values below the pivot to the front, the others
 * to the back. Partitioning in place swapped through the slot the next value
 * was read from, so each value waited on the store of the one before. Only
 * when nothing is below the pivot (it is the smallest) are the values equal
 * to it counted, and a k among those is the answer (so that a run of equal
 * values, digital silence, ends the search at once). */
static float select_kth(float *a, float *spare, size_t n, size_t k) {
    float *from = a, *to = spare;
    while (n > 1) {
        float x = from[0], y = from[n / 2], z = from[n - 1];
        float pivot = fmaxf(fminf(x, y), fminf(fmaxf(x, y), z));
        size_t below = 0, top = n;  /* to[0 ..< below] below the pivot, to[top ..< n] the rest */
        for (size_t j = 0; j < n; j++) {
            float v = from[j];
            int lower = v < pivot;
            to[below] = v;
            to[top - 1] = v;
            below += (size_t)lower;
            top -= (size_t)!lower;
        }
        float *next = from;
        from = to;
        to = next;
        if (k < below) { n = below; continue; }
        if (below > 0) { from += below; n -= below; k -= below; continue; }
        /* Nothing below the pivot: the values equal to it first, the others behind them. */
        size_t equal = 0;
        top = n;
        for (size_t j = 0; j < n; j++) {
            float v = from[j];
            int same = v == pivot;
            to[equal] = v;
            to[top - 1] = v;
            equal += (size_t)same;
            top -= (size_t)!same;
        }
        if (k < equal || equal == 0) return pivot; /* equal == 0: a NaN pivot (NaN power); no progress */
        next = from;
        from = to + equal;
        to = next;
        n -= equal;
        k -= equal;
    }
    return from[0];
}

static inline uint32_t bits_of(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

/* The k-th smallest of a[0 ..< m], m <= MEDIAN_FEW, without a branch on the
 * values: the value whose count of smaller ones, and of equal ones, puts rank
 * k among them. */
#define MEDIAN_FEW 8
static float few_kth(const float *a, size_t m, size_t k) {
    float result = 0;
    for (size_t i = 0; i < m; i++) {
        size_t smaller = 0, equal = 0;
        for (size_t j = 0; j < m; j++) {
            smaller += a[j] < a[i];
            equal += a[j] == a[i];
        }
        result = (smaller <= k && k < smaller + equal) ? a[i] : result;
    }
    return result;
}

/* below[j] = how many of v[0 ..< n] lie below bound[j] (bit patterns of
 * non-negative floats, which order as the floats do, and as signed integers). */
#define MEDIAN_CELLS 8
static void count_below(const float *v, size_t n, const int32_t *bound, size_t *below) {
    size_t i = 0;
    for (size_t j = 0; j <= MEDIAN_CELLS; j++) below[j] = 0;
#if TYMPAN_SIMD
    v4i counts[MEDIAN_CELLS + 1], bounds[MEDIAN_CELLS + 1];
    for (size_t j = 0; j <= MEDIAN_CELLS; j++) {
        counts[j] = v4i_splat(0);
        bounds[j] = v4i_splat(bound[j]);
    }
    for (; i + 4 <= n; i += 4) {
        v4i x = v4_bits(v4_load(v + i));
        for (size_t j = 0; j <= MEDIAN_CELLS; j++) counts[j] = v4i_count_below(counts[j], x, bounds[j]);
    }
    for (size_t j = 0; j <= MEDIAN_CELLS; j++) below[j] = (size_t)v4i_sum(counts[j]);
#endif
    for (; i < n; i++) {
        int32_t x = (int32_t)bits_of(v[i]);
        for (size_t j = 0; j <= MEDIAN_CELLS; j++) below[j] += x < bound[j];
    }
}

/* The k-th smallest of v[0 ..< n] (power: non-negative; v is not reordered),
 * exactly as select_kth, but mostly from two passes over v (scratch: room for
 * 2 n): a frame's median is close to the last frame's (*guess), so a bracket
 * around it (a factor *spread either side) is cut into MEDIAN_CELLS cells,
 * equal in bit pattern (about equal in ratio), and one pass (four lanes)
 * counts the values below each cell's edge. When the k-th smallest is inside
 * the bracket, a second pass gathers its cell alone (a few values: with
 * MEDIAN_FEW or fewer, few_kth picks it without a branch, else select_kth).
 * Otherwise (an onset, a new tone, the first frame) the second pass gathers
 * the side of the bracket that holds it. The bracket widens after a miss and
 * narrows while it holds more than half of the values. Any bracket gives the
 * same answer; only the time differs. */
static float median_near(float *scratch, const float *v, size_t n, size_t k, float *guess, float *spread) {
    uint32_t lo = bits_of(*guess / *spread), hi = bits_of(*guess * *spread);
    uint32_t step = (hi - lo) / MEDIAN_CELLS + 1;
    int32_t bound[MEDIAN_CELLS + 1];
    size_t below[MEDIAN_CELLS + 1];
    for (size_t j = 0; j <= MEDIAN_CELLS; j++) bound[j] = (int32_t)(lo + (uint32_t)j * step);
    count_below(v, n, bound, below);
    float m;
    if (below[0] <= k && k < below[MEDIAN_CELLS]) {
        size_t cell = 0;
        for (size_t j = 1; j < MEDIAN_CELLS; j++) cell += k >= below[j];
        uint32_t first = (uint32_t)bound[cell], width = (uint32_t)bound[cell + 1] - first - 1;
        size_t count = 0;
        for (size_t j = 0; j < n; j++) {  /* as integers: no move between register files per value */
            uint32_t x;
            memcpy(&x, v + j, sizeof x);
            memcpy(scratch + count, &x, sizeof x);
            count += x - first <= width;
        }
        k -= below[cell];
        m = count <= MEDIAN_FEW ? few_kth(scratch, count, k) : select_kth(scratch, scratch + n, count, k);
        if (below[MEDIAN_CELLS] - below[0] > n / 2 && *spread > MEDIAN_SPREAD_MIN) *spread = sqrtf(*spread);
    } else {
        size_t count = 0;
        if (k < below[0]) {
            for (size_t j = 0; j < n; j++) {
                uint32_t x;
                memcpy(&x, v + j, sizeof x);
                memcpy(scratch + count, &x, sizeof x);
                count += x < lo;
            }
        } else {
            uint32_t top = (uint32_t)bound[MEDIAN_CELLS];
            for (size_t j = 0; j < n; j++) {
                uint32_t x;
                memcpy(&x, v + j, sizeof x);
                memcpy(scratch + count, &x, sizeof x);
                count += x >= top;
            }
            k -= below[MEDIAN_CELLS];
        }
        m = select_kth(scratch, scratch + n, count, k);
        if (*spread < MEDIAN_SPREAD_MAX) *spread *= *spread;
    }
    *guess = m;
    return m;
}

/* Flatness reads magnitudes floored at 1e-5. */
static inline double floored(float m) { return m > 1e-5f ? (double)m : 1e-5; }

/* Sums over a frame or a spectrum run in LANES independent partial sums,
 * added pairwise at the end (a fixed order: the same on every processor). */
#define LANES 4
static inline double lanes_sum(const double *s) { return (s[0] + s[1]) + (s[2] + s[3]); }

/* The sum of x[i]^2 in double (each square is exact). */
static double sum_of_squares(const float *x, size_t count) {
    double s[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= count; i += LANES)
        for (size_t lane = 0; lane < LANES; lane++) s[lane] += (double)x[i + lane] * x[i + lane];
    for (; i < count; i++) s[0] += (double)x[i] * x[i];
    return lanes_sum(s);
}

/* The first bin at which the running sum of the magnitudes reaches reach (0 if
 * none does): whole blocks of 8 bins are skipped while the sum after them stays
 * below it (the block's sum is a short tree, not a chain of 8 adds), then the
 * block that reaches it is walked bin by bin. */
static size_t rolloff_bin(const float *m, size_t n, double reach) {
    double cumulative = 0;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        double block = (((double)m[k] + m[k + 1]) + ((double)m[k + 2] + m[k + 3])) +
                       (((double)m[k + 4] + m[k + 5]) + ((double)m[k + 6] + m[k + 7]));
        if (cumulative + block >= reach) break;
        cumulative += block;
    }
    for (; k < n; k++) {
        cumulative += m[k];
        if (cumulative >= reach) return k;
    }
    return 0;
}

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

/* The strongest of p[first ... last] (the first of equals), in LANES lanes:
 * a single running maximum is a chain of compares on loaded values that waits
 * on itself at every bin. Ties between lanes go to the lower bin, as a scan
 * in bin order would give. */
static size_t strongest_bin(const float *p, size_t first, size_t last) {
    size_t count = last - first + 1;
    if (count < 2 * LANES) {
        size_t top = first;
        for (size_t k = first + 1; k <= last; k++) top = p[k] > p[top] ? k : top;
        return top;
    }
    float best[LANES];
    size_t at[LANES];
    for (size_t lane = 0; lane < LANES; lane++) {
        best[lane] = p[first + lane];
        at[lane] = first + lane;
    }
    size_t k = first + LANES;
    for (; k + LANES <= last + 1; k += LANES)
        for (size_t lane = 0; lane < LANES; lane++) {
            float v = p[k + lane];
            int higher = v > best[lane];
            best[lane] = higher ? v : best[lane];
            at[lane] = higher ? k + lane : at[lane];
        }
    for (; k <= last; k++) {  /* the tail: bins above every lane's, so only a higher value wins */
        int higher = p[k] > best[0];
        best[0] = higher ? p[k] : best[0];
        at[0] = higher ? k : at[0];
    }
    size_t top = 0;
    for (size_t lane = 1; lane < LANES; lane++)
        if (best[lane] > best[top] || (best[lane] == best[top] && at[lane] < at[top])) top = lane;
    return at[top];
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
    double sum_squares = sum_of_squares(frame, frame_count);
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
     * of the inner bins (all but DC and Nyquist), in one pass. Every sum runs
     * in LANES independent partial sums (inner bin k in lane (k - 1) % LANES),
     * added at the end: a single chain of double adds over the bins waited on
     * itself at every bin (about four cycles an add), here and in the spread,
     * the roll-off, the level and each band's sum. DC and Nyquist count once
     * (one-sided). */
    const float *a_weight = d->a_weight;
    float *magnitude = d->magnitude;
    double weighted[LANES] = {0}, total[LANES] = {0}, magnitudes[LANES] = {0}, moment[LANES] = {0},
           arithmetic[LANES] = {0};
    float strongest = 0;
    size_t k = 0;
#if TYMPAN_SIMD
    /* sqrtf may set errno, which keeps the compiler from vectorising it. */
    for (; k + 4 <= n; k += 4) v4_store(magnitude + k, v4_sqrt(v4_load(power + k)));
#endif
    for (; k < n; k++) magnitude[k] = sqrtf(power[k]);
    k = 1;
    for (; k + LANES <= n - 1; k += LANES)
        for (size_t lane = 0; lane < LANES; lane++) {
            size_t j = k + lane;
            double p = power[j], m = magnitude[j];
            weighted[lane] += (double)a_weight[j] * p;
            total[lane] += 2.0 * p;
            magnitudes[lane] += m;
            moment[lane] += m * (double)j;
            arithmetic[lane] += floored(magnitude[j]);
            strongest = power[j] > strongest ? power[j] : strongest;
        }
    for (; k < n - 1; k++) {
        double p = power[k], m = magnitude[k];
        weighted[0] += (double)a_weight[k] * p;
        total[0] += 2.0 * p;
        magnitudes[0] += m;
        moment[0] += m * (double)k;
        arithmetic[0] += floored(magnitude[k]);
        strongest = power[k] > strongest ? power[k] : strongest;
    }
    size_t last = n - 1;  /* DC and Nyquist, once */
    double spectrum_total = lanes_sum(total) + (double)power[0] + (double)power[last];
    double weighted_total = lanes_sum(weighted) + (double)a_weight[0] * power[0] + (double)a_weight[last] * power[last];
    double magnitude_sum = lanes_sum(magnitudes) + (double)magnitude[0] + (double)magnitude[last];
    double weighted_frequency = (lanes_sum(moment) + (double)magnitude[last] * (double)last) * bin_hz;
    double arithmetic_sum = lanes_sum(arithmetic);
    db[DB_LEVEL_A] = as_power(weighted_total * d->power_scale);
    double centroid = magnitude_sum > 0 ? weighted_frequency / magnitude_sum : 0;
    double spreads[LANES] = {0};
    k = 0;
    for (; k + LANES <= n; k += LANES)
        for (size_t lane = 0; lane < LANES; lane++) {
            double f = (double)(k + lane) * bin_hz - centroid;
            spreads[lane] += magnitude[k + lane] * f * f;
        }
    for (; k < n; k++) {
        double f = (double)k * bin_hz - centroid;
        spreads[0] += magnitude[k] * f * f;
    }
    double spread = lanes_sum(spreads);
    double rolloff = rolloff_bin(magnitude, n, 0.85 * magnitude_sum) * bin_hz;
    out[TYMPAN_DESCRIPTOR_CENTROID] = (float)centroid;
    out[TYMPAN_DESCRIPTOR_BANDWIDTH] = magnitude_sum > 0 ? (float)sqrt(spread / magnitude_sum) : 0.0f;
    out[TYMPAN_DESCRIPTOR_ROLLOFF] = (float)rolloff;

    /* Flatness over the bins between DC and Nyquist. */
    size_t inner = n - 2;
    double log_sum = log_of_product(d->magnitude + 1, inner);
    out[TYMPAN_DESCRIPTOR_FLATNESS] = (float)(exp(log_sum / (double)inner) / (arithmetic_sum / (double)inner));
    float median = median_near(d->sorted, power + 1, inner, inner / 2, &d->guess[0], &d->spread[0]);
    db[DB_STRONGEST] = strongest;
    db[DB_MEDIAN] = median;
    db[DB_TOTAL] = as_power(spectrum_total);

    /* Positive flux of the mel bands in dB (the log of every band at once:
     * tympan_ln, four lanes, no calls; log10f per band was 70 aarch64
     * instructions each, a twelfth of the whole front end). */
    double rises[LANES] = {0};
    tympan_ln(mel, d->mel_ln, d->mel_band_count, FLOOR_MEL);
    size_t b = 0;
    /* Branch-free: whether a band rose is a coin toss on noise. */
    for (; b + LANES <= d->mel_band_count; b += LANES)
        for (size_t lane = 0; lane < LANES; lane++) {
            float db = DB_PER_NEPER * d->mel_ln[b + lane], change = db - d->previous_mel_db[b + lane];
            rises[lane] += change > 0 ? (double)change : 0.0;
            d->previous_mel_db[b + lane] = db;
        }
    for (; b < d->mel_band_count; b++) {
        float db = DB_PER_NEPER * d->mel_ln[b], change = db - d->previous_mel_db[b];
        rises[0] += change > 0 ? (double)change : 0.0;
        d->previous_mel_db[b] = db;
    }
    out[TYMPAN_DESCRIPTOR_FLUX] = d->has_previous ? (float)(lanes_sum(rises) / (double)d->mel_band_count) : 0.0f;
    d->has_previous = 1;

    pitch(d, power, &out[TYMPAN_DESCRIPTOR_PITCH], &out[TYMPAN_DESCRIPTOR_HARMONICITY]);

    /* Bands: level (dBFS), share of the whole spectrum (dB), strongest bin
     * over the band's median bin (dB) and that bin's frequency (Hz, refined
     * by a parabola through the dB of its neighbours). First each band's
     * powers, then every log at once, then the values. */
    for (size_t b = 0; b < d->band_count; b++) {
        size_t first = d->band_first[b], last = d->band_last[b];
        /* One-sided: DC and Nyquist count once, the bins between them twice. */
        size_t lo = first == 0 ? 1 : first, hi = last == n - 1 ? last - 1 : last;  /* inner, inclusive */
        double sums[LANES] = {0}, edges = 0;
        if (first == 0) edges += power[0];
        if (last == n - 1 && last > 0) edges += power[last];
        size_t k = lo;
        for (; k + LANES <= hi + 1; k += LANES)
            for (size_t lane = 0; lane < LANES; lane++) sums[lane] += 2.0 * power[k + lane];
        for (; k <= hi; k++) sums[0] += 2.0 * power[k];
        double band = lanes_sum(sums) + edges;
        size_t top = strongest_bin(power, first, last);
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
    decibels(d, power, out, spectrum_total > 0, bin_hz);
    return TYMPAN_OK;
}
