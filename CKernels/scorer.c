/* The compiled weighted model: conditions to bytes, terms to fixed-point sums, sums to scores.
 * The model is read only after create; each stream keeps its own bytes (`held`). */
#include <math.h>
#include "internal.h"
#include "simd.h"

struct tympan_scorer {
    size_t value_count;
    size_t condition_count;
    /* The conditions in slots sorted by the value they read (neighbours
     * share cache lines): slot j holds when low[j] <= values[reads[j]] <= high[j]. */
    uint32_t *reads;       /* condition_count slots, padded to a multiple of 4 */
    double *low;
    double *high;
    size_t *slot;          /* condition i's slot */
    size_t padded;         /* slots: the caller's held bytes are padded + 1, the last always 1 */
    size_t class_count;
    double *bias;
    size_t *class_term_end;
    size_t arity;
    uint32_t *members;     /* term_count * arity slots in held */
    int64_t *weights;
    size_t gate_value;
    double gate_below;
};

void tympan_scorer_destroy(tympan_scorer *s) {
    if (!s) return;
    free(s->reads);
    free(s->low);
    free(s->high);
    free(s->slot);
    free(s->bias);
    free(s->class_term_end);
    free(s->members);
    free(s->weights);
    free(s);
}

tympan_status tympan_scorer_create(const tympan_scorer_config *c, tympan_scorer **out) {
    if (!c || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (c->value_count == 0 || c->condition_count == 0 || c->condition_count > (size_t)1 << 24 ||
        c->class_count == 0 || c->term_arity == 0 || c->term_arity > TYMPAN_SCORER_MAX_ARITY ||
        !c->condition_value || !c->condition_low || !c->condition_high || !c->class_bias || !c->class_term_end ||
        c->gate_value > c->value_count || (c->gate_value < c->value_count && isnan(c->gate_below)))
        return TYMPAN_EINVAL;
    for (size_t i = 0; i < c->condition_count; i++)
        if (c->condition_value[i] >= c->value_count || isnan(c->condition_low[i]) || isnan(c->condition_high[i]))
            return TYMPAN_EINVAL;
    size_t term_count = c->class_term_end[c->class_count - 1];
    if (term_count > 0 && (!c->term_conditions || !c->term_weights)) return TYMPAN_EINVAL;
    if (term_count > (size_t)1 << 24) return TYMPAN_EINVAL;
    for (size_t k = 0; k < c->class_count; k++) {
        size_t first = k == 0 ? 0 : c->class_term_end[k - 1];
        if (c->class_term_end[k] < first || !isfinite(c->class_bias[k])) return TYMPAN_EINVAL;
        /* |weights| up to 2^20 (in fixed point 2^60): a sum cannot overflow. */
        uint64_t total = 0;
        for (size_t j = first; j < c->class_term_end[k]; j++) {
            int64_t w = c->term_weights[j];
            if (w == INT64_MIN) return TYMPAN_EINVAL;
            total += (uint64_t)(w < 0 ? -w : w);
            if (total > (uint64_t)1 << 60) return TYMPAN_EINVAL;
        }
    }
    for (size_t m = 0; m < term_count * c->term_arity; m++)
        if (c->term_conditions[m] > c->condition_count) return TYMPAN_EINVAL;

    tympan_scorer *s = calloc(1, sizeof *s);
    if (!s) return TYMPAN_ENOMEM;
    size_t padded = (c->condition_count + 3) / 4 * 4;
    s->value_count = c->value_count;
    s->condition_count = c->condition_count;
    s->class_count = c->class_count;
    s->arity = c->term_arity;
    s->gate_value = c->gate_value;
    s->gate_below = c->gate_below;
    s->padded = padded;
    s->reads = calloc(padded, sizeof *s->reads);
    s->low = calloc(padded, sizeof *s->low);
    s->high = calloc(padded, sizeof *s->high);
    s->slot = calloc(c->condition_count, sizeof *s->slot);
    s->bias = calloc(c->class_count, sizeof *s->bias);
    s->class_term_end = calloc(c->class_count, sizeof *s->class_term_end);
    s->members = calloc(term_count * c->term_arity + 1, sizeof *s->members);
    s->weights = calloc(term_count + 1, sizeof *s->weights);
    if (!s->reads || !s->low || !s->high || !s->slot || !s->bias ||
        !s->class_term_end || !s->members || !s->weights) {
        tympan_scorer_destroy(s);
        return TYMPAN_ENOMEM;
    }
    /* Slots by value (a counting sort keeps the conditions' order within a value). */
    size_t j = 0;
    for (size_t v = 0; v < c->value_count; v++)
        for (size_t i = 0; i < c->condition_count; i++) {
            if (c->condition_value[i] != v) continue;
            s->slot[i] = j;
            s->reads[j] = (uint32_t)v;
            s->low[j] = c->condition_low[i];
            s->high[j] = c->condition_high[i];
            j++;
        }
    /* Padding slots (reading value 0) never hold; the byte after them, which
     * pads a term shorter than the arity, always does (written by process). */
    for (; j < padded; j++) {
        s->low[j] = 1;
        s->high[j] = 0;
    }
    for (size_t m = 0; m < term_count * c->term_arity; m++) {
        size_t i = c->term_conditions[m];
        s->members[m] = (uint32_t)(i == c->condition_count ? padded : s->slot[i]);
    }
    if (term_count) memcpy(s->weights, c->term_weights, term_count * sizeof *s->weights);
    memcpy(s->bias, c->class_bias, c->class_count * sizeof *s->bias);
    memcpy(s->class_term_end, c->class_term_end, c->class_count * sizeof *s->class_term_end);
    *out = s;
    return TYMPAN_OK;
}

size_t tympan_scorer_held_count(const tympan_scorer *s) { return s ? s->padded + 1 : 0; }

/* Every slot's byte, one at a time. */
static void test_scalar(const tympan_scorer *s, const double *values, uint8_t *held) {
    for (size_t j = 0; j < s->padded; j++) {
        double x = values[s->reads[j]];
        held[j] = (uint8_t)((x >= s->low[j]) & (x <= s->high[j]));
    }
}

#if TYMPAN_SIMD
/* Four conditions at a time, in two pairs of double lanes (the padding slots
 * make the count a multiple of four). */
static void test_lanes(const tympan_scorer *s, const double *values, uint8_t *held) {
    const uint32_t *reads = s->reads;
    for (size_t j = 0; j < s->padded; j += 4) {
        unsigned a = v2d_inside(v2d_pair(values[reads[j]], values[reads[j + 1]]), v2d_load(s->low + j),
                                v2d_load(s->high + j));
        unsigned b = v2d_inside(v2d_pair(values[reads[j + 2]], values[reads[j + 3]]), v2d_load(s->low + j + 2),
                                v2d_load(s->high + j + 2));
        held[j] = (uint8_t)(a & 1);
        held[j + 1] = (uint8_t)(a >> 1);
        held[j + 2] = (uint8_t)(b & 1);
        held[j + 3] = (uint8_t)(b >> 1);
    }
}
#endif

/* Term j's weight when all its conditions hold, else 0 (masked, not branched on). */
static inline uint64_t term(const uint8_t *held, const uint32_t *members, const int64_t *weights, size_t arity,
                            size_t j) {
    const uint32_t *m = members + j * arity;
    uint8_t all = held[m[0]];
    for (size_t a = 1; a < arity; a++) all &= held[m[a]];
    return (uint64_t)weights[j] & (0 - (uint64_t)all);
}

static inline uint64_t pair(const uint8_t *held, const uint32_t *members, const int64_t *weights, size_t j) {
    return (uint64_t)weights[j] & (0 - (uint64_t)(held[members[2 * j]] & held[members[2 * j + 1]]));
}

/* Each class: the logistic of its bias plus the weights of the terms whose
 * conditions all hold, in four running sums (none waits on another). */
static void combine(const tympan_scorer *s, const uint8_t *held, double *scores) {
    const uint32_t *members = s->members;
    const int64_t *weights = s->weights;
    size_t arity = s->arity, first = 0;
    for (size_t k = 0; k < s->class_count; k++) {
        size_t end = s->class_term_end[k], j = first;
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (arity == 2) {  /* depth-2 boosted rules: single conditions and pairs */
            for (; j + 4 <= end; j += 4) {
                s0 += pair(held, members, weights, j);
                s1 += pair(held, members, weights, j + 1);
                s2 += pair(held, members, weights, j + 2);
                s3 += pair(held, members, weights, j + 3);
            }
            for (; j < end; j++) s0 += pair(held, members, weights, j);
        } else {
            for (; j + 4 <= end; j += 4) {
                s0 += term(held, members, weights, arity, j);
                s1 += term(held, members, weights, arity, j + 1);
                s2 += term(held, members, weights, arity, j + 2);
                s3 += term(held, members, weights, arity, j + 3);
            }
            for (; j < end; j++) s0 += term(held, members, weights, arity, j);
        }
        int64_t total = (int64_t)((s0 + s1) + (s2 + s3));
        double z = s->bias[k] + (double)total / TYMPAN_SCORER_FIXED_POINT;
        scores[k] = 1 / (1 + exp(-z));
        first = end;
    }
}

static tympan_status process(const tympan_scorer *s, const double *values, size_t value_count, uint8_t *held,
                             size_t held_count, double *scores, size_t class_count, int *gated, int lanes) {
    if (!s || !values || !held || !scores || !gated) return TYMPAN_EINVAL;
    if (value_count != s->value_count || held_count != s->padded + 1 || class_count != s->class_count)
        return TYMPAN_ELENGTH;
    *gated = s->gate_value < s->value_count && values[s->gate_value] < s->gate_below;
    if (*gated) {
        for (size_t k = 0; k < class_count; k++) scores[k] = 0;
        return TYMPAN_OK;
    }
#if TYMPAN_SIMD
    if (lanes) test_lanes(s, values, held);
    else test_scalar(s, values, held);
#else
    (void)lanes;
    test_scalar(s, values, held);
#endif
    held[s->padded] = 1;
    combine(s, held, scores);
    return TYMPAN_OK;
}

tympan_status tympan_scorer_process(const tympan_scorer *s, const double *values, size_t value_count, uint8_t *held,
                                    size_t held_count, double *scores, size_t class_count, int *gated) {
    return process(s, values, value_count, held, held_count, scores, class_count, gated, 1);
}

tympan_status tympan_scorer_process_scalar(const tympan_scorer *s, const double *values, size_t value_count,
                                           uint8_t *held, size_t held_count, double *scores, size_t class_count,
                                           int *gated) {
    return process(s, values, value_count, held, held_count, scores, class_count, gated, 0);
}

tympan_status tympan_scorer_conditions(const tympan_scorer *s, const uint8_t *held, size_t held_count, size_t first,
                                       uint8_t *out, size_t count) {
    if (!s || !held || (!out && count)) return TYMPAN_EINVAL;
    if (held_count != s->padded + 1 || first > s->condition_count || count > s->condition_count - first)
        return TYMPAN_ELENGTH;
    for (size_t i = 0; i < count; i++) out[i] = held[s->slot[first + i]];
    return TYMPAN_OK;
}
