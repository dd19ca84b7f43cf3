/* Windowed aggregates over feature histories: the detection's per-frame memory. */
#include <math.h>
#include "internal.h"
#include "simd.h"

typedef struct {
    size_t first, width;   /* the frame's floats it averages */
    double *ring;          /* frame t at (t % ring_length) * stride and again ring_length frames
                            * later: any run of up to ring_length frames lies in one piece */
    size_t ring_length;
    size_t stride;         /* 1, or 2 for a feature that shares its ring with its pair, lane by lane */
    size_t *windows;       /* its windows, shortest first (then the one looking least ahead) */
    size_t window_count;
    ptrdiff_t pair;        /* the feature whose windows are alike (computed in the other lane), or -1 */
    int leads;             /* 1 for the first of a pair: the lane path computes both there */
} feature;

typedef struct {
    ptrdiff_t frames, ahead;
    /* At the frame computed last: its own value, the window's last, sum, smallest, largest, count. */
    double current, last, sum, low, high;
    ptrdiff_t count;
} window;

struct tympan_aggregates {
    size_t frame_width;
    size_t delay;
    feature *features;
    size_t feature_count;
    window *windows;
    size_t window_count;
    /* The aggregates grouped by kind (in their order within a kind): a loop
     * per kind, no switch per aggregate. */
    struct output { uint32_t value, window; } *outputs;  /* where it goes in values[], which window it reads */
    size_t kind_end[TYMPAN_AGGREGATE_RANGE + 1];          /* outputs[kind_end[kind - 1] ..< kind_end[kind]] */
    size_t aggregate_count;
    double *rings;         /* every feature's ring, one after the other */
    size_t *order;         /* every feature's windows, one after the other */
    ptrdiff_t newest;      /* the last frame pushed, -1 before the first */
    ptrdiff_t next;        /* the next frame to compute */
};

void tympan_aggregates_destroy(tympan_aggregates *a) {
    if (!a) return;
    free(a->features);
    free(a->windows);
    free(a->outputs);
    free(a->rings);
    free(a->order);
    free(a);
}

static int shorter(const window *w, size_t i, size_t j) {
    return w[i].frames < w[j].frames || (w[i].frames == w[j].frames && w[i].ahead < w[j].ahead);
}

tympan_status tympan_aggregates_create(const tympan_aggregates_config *c, tympan_aggregates **out) {
    if (!c || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (c->frame_width == 0 || c->delay > (size_t)1 << 20 || c->aggregate_count > (size_t)1 << 24 ||
        c->window_count > (size_t)1 << 24 ||
        (c->feature_count && (!c->feature_first || !c->feature_width)) ||
        (c->window_count && (!c->window_feature || !c->window_frames || !c->window_ahead)) ||
        (c->aggregate_count && (!c->aggregate_window || !c->aggregate_kind)))
        return TYMPAN_EINVAL;
    for (size_t f = 0; f < c->feature_count; f++)
        if (c->feature_width[f] == 0 || c->feature_first[f] >= c->frame_width ||
            c->feature_width[f] > c->frame_width - c->feature_first[f])
            return TYMPAN_EINVAL;
    for (size_t w = 0; w < c->window_count; w++) {
        if (c->window_feature[w] >= c->feature_count || c->window_frames[w] == 0 ||
            c->window_frames[w] > (size_t)1 << 20 || c->window_ahead[w] > c->delay)
            return TYMPAN_EINVAL;
        for (size_t v = 0; v < w; v++)
            if (c->window_feature[v] == c->window_feature[w] && c->window_frames[v] == c->window_frames[w] &&
                c->window_ahead[v] == c->window_ahead[w])
                return TYMPAN_EINVAL;
    }
    for (size_t k = 0; k < c->aggregate_count; k++)
        if (c->aggregate_window[k] >= c->window_count || (unsigned)c->aggregate_kind[k] > TYMPAN_AGGREGATE_RANGE)
            return TYMPAN_EINVAL;

    tympan_aggregates *a = calloc(1, sizeof *a);
    if (!a) return TYMPAN_ENOMEM;
    a->frame_width = c->frame_width;
    a->delay = c->delay;
    a->feature_count = c->feature_count;
    a->window_count = c->window_count;
    a->aggregate_count = c->aggregate_count;
    /* (At least one of each, so that NULL means no memory.) */
    a->features = calloc(c->feature_count + 1, sizeof *a->features);
    a->windows = calloc(c->window_count + 1, sizeof *a->windows);
    a->outputs = calloc(c->aggregate_count + 1, sizeof *a->outputs);
    a->order = calloc(c->window_count + 1, sizeof *a->order);
    if (!a->features || !a->windows || !a->outputs || !a->order) {
        tympan_aggregates_destroy(a);
        return TYMPAN_ENOMEM;
    }
    size_t placed_outputs = 0;
    for (int kind = TYMPAN_AGGREGATE_VALUE; kind <= TYMPAN_AGGREGATE_RANGE; kind++) {
        for (size_t k = 0; k < c->aggregate_count; k++)
            if ((int)c->aggregate_kind[k] == kind)
                a->outputs[placed_outputs++] = (struct output){(uint32_t)k, (uint32_t)c->aggregate_window[k]};
        a->kind_end[kind] = placed_outputs;
    }
    for (size_t w = 0; w < c->window_count; w++) {
        a->windows[w].frames = (ptrdiff_t)c->window_frames[w];
        a->windows[w].ahead = (ptrdiff_t)c->window_ahead[w];
    }
    /* Each feature's windows, sorted by insertion; its ring as long as the
     * longest window and the delay need. */
    size_t placed = 0, total = 0;
    for (size_t f = 0; f < c->feature_count; f++) {
        feature *x = &a->features[f];
        x->first = c->feature_first[f];
        x->width = c->feature_width[f];
        x->windows = a->order + placed;
        size_t longest = 1;
        for (size_t w = 0; w < c->window_count; w++) {
            if (c->window_feature[w] != f) continue;
            size_t at = x->window_count++;
            while (at > 0 && shorter(a->windows, w, x->windows[at - 1])) {
                x->windows[at] = x->windows[at - 1];
                at--;
            }
            x->windows[at] = w;
            if (c->window_frames[w] > longest) longest = c->window_frames[w];
        }
        placed += x->window_count;
        x->ring_length = longest + c->delay + 1;
        x->stride = 1;
        x->pair = -1;
        total += 2 * x->ring_length;
    }
    /* Pairs of features whose windows are alike (the same lengths and
     * look-aheads): the two lanes of the SIMD path compute them together,
     * each lane's sums in the same order as the scalar path's. */
    for (size_t f = 0; f < c->feature_count; f++) {
        feature *x = &a->features[f];
        for (size_t g = f + 1; g < c->feature_count && x->pair < 0; g++) {
            feature *y = &a->features[g];
            if (y->pair >= 0 || y->window_count != x->window_count) continue;
            size_t k = 0;
            while (k < x->window_count && a->windows[x->windows[k]].frames == a->windows[y->windows[k]].frames &&
                   a->windows[x->windows[k]].ahead == a->windows[y->windows[k]].ahead)
                k++;
            if (k < x->window_count) continue;
            x->pair = (ptrdiff_t)g;
            y->pair = (ptrdiff_t)f;
            x->leads = 1;
        }
    }
    a->rings = calloc(total + 1, sizeof *a->rings);
    if (!a->rings) {
        tympan_aggregates_destroy(a);
        return TYMPAN_ENOMEM;
    }
    size_t at = 0;
    for (size_t f = 0; f < c->feature_count; f++) {
        feature *x = &a->features[f];
        if (x->pair < 0) {
            x->ring = a->rings + at;
            at += 2 * x->ring_length;
        } else if (x->leads) {  /* both rings interleaved: frame t of the two at 2 (t % n) and 2 (t % n) + 1 */
            feature *y = &a->features[x->pair];
            x->ring = a->rings + at;
            y->ring = a->rings + at + 1;
            x->stride = y->stride = 2;
            at += 4 * x->ring_length;
        }
    }
    a->newest = -1;
    a->next = 0;
    *out = a;
    return TYMPAN_OK;
}

tympan_status tympan_aggregates_reset(tympan_aggregates *a) {
    if (!a) return TYMPAN_EINVAL;
    a->newest = -1;
    a->next = 0;
    return TYMPAN_OK;
}

/* Smallest and largest so far, and x: one minsd / maxsd each on x86-64 (the
 * NaN of a broken feature is passed over, as the first comparison fails). */
static inline double lower(double low, double x) { return x < low ? x : low; }
static inline double higher(double high, double x) { return x > high ? x : high; }

/* Sum, smallest and largest of frames from ... to (to >= from) of a ring, oldest first. */
static inline void scan(const double *r, size_t n, size_t stride, ptrdiff_t from, ptrdiff_t to, double *sum,
                        double *low, double *high) {
    double s = 0, lo = INFINITY, hi = -INFINITY;
    const double *x = r + (size_t)from % n * stride, *end = x + (size_t)(to - from + 1) * stride;
    for (; x < end; x += stride) {
        s += *x;
        lo = lower(lo, *x);
        hi = higher(hi, *x);
    }
    *sum = s;
    *low = lo;
    *high = hi;
}

/* The window [start, end] of frame e (for a window that looks `ahead` and is
 * `frames` long), cut at the stream's ends and at the oldest frame kept. One
 * wholly past the end (looking further ahead than it is long, at the last
 * frames) reads the last frame. */
static inline void bounds(ptrdiff_t e, const window *w, ptrdiff_t newest, ptrdiff_t oldest, ptrdiff_t *start,
                          ptrdiff_t *end) {
    *end = e + w->ahead < newest ? e + w->ahead : newest;
    ptrdiff_t s = e + w->ahead - w->frames + 1;
    if (s < 0) s = 0;
    if (s < oldest) s = oldest;
    *start = s > *end ? *end : s;
}

/* Frame e's windows over feature x, when frames up to newest have been pushed. */
static void evaluate(tympan_aggregates *a, const feature *x, ptrdiff_t e) {
    const double *r = x->ring;
    size_t n = x->ring_length, stride = x->stride;
    ptrdiff_t newest = a->newest, oldest = newest - (ptrdiff_t)n + 1;
    ptrdiff_t previous_start = 0, previous_end = -1;
    double sum = 0, low = INFINITY, high = -INFINITY;
    double current = r[(size_t)e % n * stride];
    for (size_t k = 0; k < x->window_count; k++) {
        window *w = &a->windows[x->windows[k]];
        ptrdiff_t start, end;
        bounds(e, w, newest, oldest, &start, &end);
        if (previous_start <= previous_end && start <= previous_start && end >= previous_end) {
            double s, lo, hi;
            if (start < previous_start) {
                scan(r, n, stride, start, previous_start - 1, &s, &lo, &hi);
                sum += s;
                low = lower(low, lo);
                high = higher(high, hi);
            }
            if (end > previous_end) {
                scan(r, n, stride, previous_end + 1, end, &s, &lo, &hi);
                sum += s;
                low = lower(low, lo);
                high = higher(high, hi);
            }
        } else {
            scan(r, n, stride, start, end, &sum, &low, &high);
        }
        previous_start = start;
        previous_end = end;
        w->current = current;
        w->last = r[(size_t)end % n * stride];
        w->sum = sum;
        w->low = low;
        w->high = high;
        w->count = end - start + 1;
    }
}

#if TYMPAN_SIMD
/* scan() for the two features of a pair, one per lane. */
static inline void scan_lanes(const double *r, size_t n, ptrdiff_t from, ptrdiff_t to, v2d *sum, v2d *low,
                              v2d *high) {
    v2d s = v2d_splat(0), lo = v2d_splat(INFINITY), hi = v2d_splat(-INFINITY);
    const double *x = r + 2 * ((size_t)from % n), *end = x + 2 * (size_t)(to - from + 1);
    for (; x < end; x += 2) {
        v2d v = v2d_load(x);
        s = v2d_add(s, v);
        lo = v2d_lower(lo, v);
        hi = v2d_higher(hi, v);
    }
    *sum = s;
    *low = lo;
    *high = hi;
}

/* evaluate() for the pair led by x (its windows alike, so their bounds too). */
static void evaluate_lanes(tympan_aggregates *a, const feature *x, ptrdiff_t e) {
    const feature *y = &a->features[x->pair];
    const double *r = x->ring;
    size_t n = x->ring_length;
    ptrdiff_t newest = a->newest, oldest = newest - (ptrdiff_t)n + 1;
    ptrdiff_t previous_start = 0, previous_end = -1;
    v2d sum = v2d_splat(0), low = v2d_splat(INFINITY), high = v2d_splat(-INFINITY);
    double current[2], last[2], sums[2], lows[2], highs[2];
    v2d_store(current, v2d_load(r + 2 * ((size_t)e % n)));
    for (size_t k = 0; k < x->window_count; k++) {
        window *w = &a->windows[x->windows[k]], *v = &a->windows[y->windows[k]];
        ptrdiff_t start, end;
        bounds(e, w, newest, oldest, &start, &end);
        if (previous_start <= previous_end && start <= previous_start && end >= previous_end) {
            v2d s, lo, hi;
            if (start < previous_start) {
                scan_lanes(r, n, start, previous_start - 1, &s, &lo, &hi);
                sum = v2d_add(sum, s);
                low = v2d_lower(low, lo);
                high = v2d_higher(high, hi);
            }
            if (end > previous_end) {
                scan_lanes(r, n, previous_end + 1, end, &s, &lo, &hi);
                sum = v2d_add(sum, s);
                low = v2d_lower(low, lo);
                high = v2d_higher(high, hi);
            }
        } else {
            scan_lanes(r, n, start, end, &sum, &low, &high);
        }
        previous_start = start;
        previous_end = end;
        v2d_store(last, v2d_load(r + 2 * ((size_t)end % n)));
        v2d_store(sums, sum);
        v2d_store(lows, low);
        v2d_store(highs, high);
        window *lanes[2] = {w, v};
        for (int lane = 0; lane < 2; lane++) {
            lanes[lane]->current = current[lane];
            lanes[lane]->last = last[lane];
            lanes[lane]->sum = sums[lane];
            lanes[lane]->low = lows[lane];
            lanes[lane]->high = highs[lane];
            lanes[lane]->count = end - start + 1;
        }
    }
}
#endif

static void compute(tympan_aggregates *a, ptrdiff_t e, double *values, int lanes) {
    for (size_t f = 0; f < a->feature_count; f++) {
        const feature *x = &a->features[f];
#if TYMPAN_SIMD
        if (lanes && x->pair >= 0) {
            if (x->leads) evaluate_lanes(a, x, e);
            continue;
        }
#endif
        (void)lanes;
        evaluate(a, x, e);
    }
    const struct output *o = a->outputs;
    const window *w = a->windows;
    const size_t *end = a->kind_end;
    size_t i = 0;
    for (; i < end[TYMPAN_AGGREGATE_VALUE]; i++) values[o[i].value] = w[o[i].window].current;
    for (; i < end[TYMPAN_AGGREGATE_MEAN]; i++) values[o[i].value] = w[o[i].window].sum / (double)w[o[i].window].count;
    for (; i < end[TYMPAN_AGGREGATE_MAX]; i++) values[o[i].value] = w[o[i].window].high;
    for (; i < end[TYMPAN_AGGREGATE_MIN]; i++) values[o[i].value] = w[o[i].window].low;
    for (; i < end[TYMPAN_AGGREGATE_RISE]; i++) values[o[i].value] = w[o[i].window].last - w[o[i].window].low;
    for (; i < end[TYMPAN_AGGREGATE_FALL]; i++) values[o[i].value] = w[o[i].window].high - w[o[i].window].last;
    for (; i < end[TYMPAN_AGGREGATE_RANGE]; i++) values[o[i].value] = w[o[i].window].high - w[o[i].window].low;
}

static tympan_status push(tympan_aggregates *a, const float *frame, size_t frame_count, double *values,
                          size_t value_count, ptrdiff_t *computed, int lanes) {
    if (!a || !frame || (!values && a->aggregate_count) || !computed) return TYMPAN_EINVAL;
    if (frame_count != a->frame_width || value_count != a->aggregate_count) return TYMPAN_ELENGTH;
    ptrdiff_t t = ++a->newest;
    for (size_t f = 0; f < a->feature_count; f++) {
        feature *x = &a->features[f];
        double sum = 0;
        for (size_t i = 0; i < x->width; i++) sum += (double)frame[x->first + i];
        double v = sum / (double)x->width;
        x->ring[(size_t)t % x->ring_length * x->stride] = v;
        x->ring[((size_t)t % x->ring_length + x->ring_length) * x->stride] = v;
    }
    ptrdiff_t e = t - (ptrdiff_t)a->delay;
    *computed = -1;
    if (e < 0) return TYMPAN_OK;
    compute(a, e, values, lanes);
    a->next = e + 1;
    *computed = e;
    return TYMPAN_OK;
}

static tympan_status flush(tympan_aggregates *a, double *values, size_t value_count, ptrdiff_t *computed,
                           int lanes) {
    if (!a || (!values && a->aggregate_count) || !computed) return TYMPAN_EINVAL;
    if (value_count != a->aggregate_count) return TYMPAN_ELENGTH;
    *computed = -1;
    if (a->next > a->newest) return TYMPAN_OK;
    compute(a, a->next, values, lanes);
    *computed = a->next++;
    return TYMPAN_OK;
}

tympan_status tympan_aggregates_push(tympan_aggregates *a, const float *frame, size_t frame_count,
                                     double *values, size_t value_count, ptrdiff_t *computed) {
    return push(a, frame, frame_count, values, value_count, computed, 1);
}

tympan_status tympan_aggregates_flush(tympan_aggregates *a, double *values, size_t value_count,
                                      ptrdiff_t *computed) {
    return flush(a, values, value_count, computed, 1);
}

tympan_status tympan_aggregates_push_scalar(tympan_aggregates *a, const float *frame, size_t frame_count,
                                            double *values, size_t value_count, ptrdiff_t *computed) {
    return push(a, frame, frame_count, values, value_count, computed, 0);
}

tympan_status tympan_aggregates_flush_scalar(tympan_aggregates *a, double *values, size_t value_count,
                                             ptrdiff_t *computed) {
    return flush(a, values, value_count, computed, 0);
}
