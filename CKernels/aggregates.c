/* Windowed aggregates over feature histories: the detection's per-frame memory. */
#include <math.h>
#include "internal.h"

typedef struct {
    size_t first, width;   /* the frame's floats it averages */
    double *ring;          /* frame t at t % ring_length and again ring_length later (2 ring_length
                            * values): any run of up to ring_length frames lies in one piece */
    size_t ring_length;
    size_t *windows;       /* its windows, shortest first (then the one looking least ahead) */
    size_t window_count;
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
    size_t *aggregate_window;
    tympan_aggregate *aggregate_kind;
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
    free(a->aggregate_window);
    free(a->aggregate_kind);
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
    if (c->frame_width == 0 || c->delay > (size_t)1 << 20 ||
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
    a->aggregate_window = calloc(c->aggregate_count + 1, sizeof *a->aggregate_window);
    a->aggregate_kind = calloc(c->aggregate_count + 1, sizeof *a->aggregate_kind);
    a->order = calloc(c->window_count + 1, sizeof *a->order);
    if (!a->features || !a->windows || !a->aggregate_window || !a->aggregate_kind || !a->order) {
        tympan_aggregates_destroy(a);
        return TYMPAN_ENOMEM;
    }
    for (size_t k = 0; k < c->aggregate_count; k++) {
        a->aggregate_window[k] = c->aggregate_window[k];
        a->aggregate_kind[k] = c->aggregate_kind[k];
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
        total += 2 * x->ring_length;
    }
    a->rings = calloc(total + 1, sizeof *a->rings);
    if (!a->rings) {
        tympan_aggregates_destroy(a);
        return TYMPAN_ENOMEM;
    }
    for (size_t f = 0, at = 0; f < c->feature_count; at += 2 * a->features[f].ring_length, f++)
        a->features[f].ring = a->rings + at;
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
static inline void scan(const double *r, size_t n, ptrdiff_t from, ptrdiff_t to, double *sum, double *low,
                        double *high) {
    double s = 0, lo = INFINITY, hi = -INFINITY;
    const double *x = r + (size_t)from % n, *end = x + (to - from + 1);
    for (; x < end; x++) {
        s += *x;
        lo = lower(lo, *x);
        hi = higher(hi, *x);
    }
    *sum = s;
    *low = lo;
    *high = hi;
}

/* Frame e's windows over feature x, when frames up to newest have been pushed. */
static void evaluate(tympan_aggregates *a, const feature *x, ptrdiff_t e) {
    const double *r = x->ring;
    size_t n = x->ring_length;
    ptrdiff_t newest = a->newest, oldest = newest - (ptrdiff_t)n + 1;
    ptrdiff_t previous_start = 0, previous_end = -1;
    double sum = 0, low = INFINITY, high = -INFINITY;
    double current = r[(size_t)e % n];
    for (size_t k = 0; k < x->window_count; k++) {
        window *w = &a->windows[x->windows[k]];
        /* One wholly past the end (looking further ahead than it is long, at
         * the last frames) reads the last frame. */
        ptrdiff_t end = e + w->ahead < newest ? e + w->ahead : newest;
        ptrdiff_t start = e + w->ahead - w->frames + 1;
        if (start < 0) start = 0;
        if (start < oldest) start = oldest;
        if (start > end) start = end;
        if (previous_start <= previous_end && start <= previous_start && end >= previous_end) {
            double s, lo, hi;
            if (start < previous_start) {
                scan(r, n, start, previous_start - 1, &s, &lo, &hi);
                sum += s;
                low = lower(low, lo);
                high = higher(high, hi);
            }
            if (end > previous_end) {
                scan(r, n, previous_end + 1, end, &s, &lo, &hi);
                sum += s;
                low = lower(low, lo);
                high = higher(high, hi);
            }
        } else {
            scan(r, n, start, end, &sum, &low, &high);
        }
        previous_start = start;
        previous_end = end;
        w->current = current;
        w->last = r[(size_t)end % n];
        w->sum = sum;
        w->low = low;
        w->high = high;
        w->count = end - start + 1;
    }
}

static void compute(tympan_aggregates *a, ptrdiff_t e, double *values) {
    for (size_t f = 0; f < a->feature_count; f++) evaluate(a, &a->features[f], e);
    for (size_t k = 0; k < a->aggregate_count; k++) {
        const window *w = &a->windows[a->aggregate_window[k]];
        double v;
        switch (a->aggregate_kind[k]) {
        case TYMPAN_AGGREGATE_VALUE: v = w->current; break;
        case TYMPAN_AGGREGATE_MEAN: v = w->sum / (double)w->count; break;
        case TYMPAN_AGGREGATE_MAX: v = w->high; break;
        case TYMPAN_AGGREGATE_MIN: v = w->low; break;
        case TYMPAN_AGGREGATE_RISE: v = w->last - w->low; break;
        case TYMPAN_AGGREGATE_FALL: v = w->high - w->last; break;
        default: v = w->high - w->low; break;
        }
        values[k] = v;
    }
}

tympan_status tympan_aggregates_push(tympan_aggregates *a, const float *frame, size_t frame_count,
                                     double *values, size_t value_count, ptrdiff_t *computed) {
    if (!a || !frame || (!values && a->aggregate_count) || !computed) return TYMPAN_EINVAL;
    if (frame_count != a->frame_width || value_count != a->aggregate_count) return TYMPAN_ELENGTH;
    ptrdiff_t t = ++a->newest;
    for (size_t f = 0; f < a->feature_count; f++) {
        feature *x = &a->features[f];
        double sum = 0;
        for (size_t i = 0; i < x->width; i++) sum += (double)frame[x->first + i];
        double v = sum / (double)x->width;
        x->ring[(size_t)t % x->ring_length] = v;
        x->ring[(size_t)t % x->ring_length + x->ring_length] = v;
    }
    ptrdiff_t e = t - (ptrdiff_t)a->delay;
    *computed = -1;
    if (e < 0) return TYMPAN_OK;
    compute(a, e, values);
    a->next = e + 1;
    *computed = e;
    return TYMPAN_OK;
}

tympan_status tympan_aggregates_flush(tympan_aggregates *a, double *values, size_t value_count,
                                      ptrdiff_t *computed) {
    if (!a || (!values && a->aggregate_count) || !computed) return TYMPAN_EINVAL;
    if (value_count != a->aggregate_count) return TYMPAN_ELENGTH;
    *computed = -1;
    if (a->next > a->newest) return TYMPAN_OK;
    compute(a, a->next, values);
    *computed = a->next++;
    return TYMPAN_OK;
}
