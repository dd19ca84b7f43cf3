/* Log compression: natural log with a floor (Kaldi) or decibels (librosa). */
#include <float.h>
#include <math.h>
#include "internal.h"

struct tympan_log {
    tympan_log_kind kind;
    float floor;
    float amin;
    float top_db;
    float reference_db;   /* 10 log10(max(reference, amin)) */
};

tympan_status tympan_log_create(const tympan_log_config *config, tympan_log **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    switch (config->kind) {
    case TYMPAN_LOG_NONE: break;
    case TYMPAN_LOG_NATURAL:
        if (!(config->floor >= FLT_MIN) || isinf(config->floor)) return TYMPAN_EINVAL;  /* normal: tympan_ln */
        break;
    case TYMPAN_LOG_DECIBEL:
        if (!(config->amin >= FLT_MIN) || isinf(config->amin)) return TYMPAN_EINVAL;
        if (!(config->reference > 0.0f) || isinf(config->reference)) return TYMPAN_EINVAL;
        if (isnan(config->top_db) || isinf(config->top_db)) return TYMPAN_EINVAL;
        break;
    default: return TYMPAN_EINVAL;
    }
    tympan_log *l = calloc(1, sizeof *l);
    if (!l) return TYMPAN_ENOMEM;
    l->kind = config->kind;
    l->floor = config->floor;
    l->amin = config->amin;
    l->top_db = config->top_db;
    if (config->kind == TYMPAN_LOG_DECIBEL)
        l->reference_db = 10.0f * log10f(fmaxf(config->reference, config->amin));
    *out = l;
    return TYMPAN_OK;
}

void tympan_log_destroy(tympan_log *l) { free(l); }

tympan_status tympan_log_process(const tympan_log *l, const float *values, float *out, size_t count) {
    if (!l || !values || !out) return TYMPAN_EINVAL;
    switch (l->kind) {
    case TYMPAN_LOG_NONE:
        if (out != values) memmove(out, values, count * sizeof(float));
        break;
    case TYMPAN_LOG_NATURAL:
        return tympan_ln(values, out, count, l->floor);
    case TYMPAN_LOG_DECIBEL: {
        /* 10 log10 x = (10 / ln 10) ln x */
        tympan_status status = tympan_ln(values, out, count, l->amin);
        if (status != TYMPAN_OK) return status;
        const float scale = 4.3429448190325175f;
        float peak = -INFINITY;
        for (size_t i = 0; i < count; i++) {
            out[i] = scale * out[i] - l->reference_db;
            peak = fmaxf(peak, out[i]);
        }
        if (l->top_db > 0.0f) {
            float lowest = peak - l->top_db;
            for (size_t i = 0; i < count; i++) out[i] = fmaxf(out[i], lowest);
        }
        break;
    }
    }
    return TYMPAN_OK;
}
