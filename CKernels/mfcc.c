/* MFCC: orthonormal DCT-II of the log-mel values, optional HTK/Kaldi liftering. */
#include <math.h>
#include "internal.h"

struct tympan_mfcc {
    size_t band_count;
    size_t coefficient_count;
    float *matrix;  /* coefficient_count x band_count, lifter folded in */
};

tympan_status tympan_mfcc_create(const tympan_mfcc_config *config, tympan_mfcc **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (config->band_count == 0 || config->coefficient_count == 0 ||
        config->coefficient_count > config->band_count)
        return TYMPAN_EINVAL;
    if (!(config->lifter >= 0.0f) || isinf(config->lifter)) return TYMPAN_EINVAL;
    tympan_mfcc *m = calloc(1, sizeof *m);
    if (!m) return TYMPAN_ENOMEM;
    m->band_count = config->band_count;
    m->coefficient_count = config->coefficient_count;
    m->matrix = tympan_alloc_floats(config->band_count * config->coefficient_count);
    if (!m->matrix) { free(m); return TYMPAN_ENOMEM; }
    double n = (double)config->band_count;
    for (size_t k = 0; k < config->coefficient_count; k++) {
        double scale = k == 0 ? sqrt(1.0 / n) : sqrt(2.0 / n);
        if (config->lifter > 0.0f)
            scale *= 1.0 + 0.5 * config->lifter * sin(TYMPAN_PI * (double)k / config->lifter);
        for (size_t b = 0; b < config->band_count; b++)
            m->matrix[k * config->band_count + b] =
                (float)(scale * cos(TYMPAN_PI * (double)k * (2.0 * (double)b + 1.0) / (2.0 * n)));
    }
    *out = m;
    return TYMPAN_OK;
}

void tympan_mfcc_destroy(tympan_mfcc *m) {
    if (!m) return;
    free(m->matrix);
    free(m);
}

tympan_status tympan_mfcc_process(const tympan_mfcc *m, const float *log_mel, size_t band_count,
                                  float *coefficients, size_t coefficient_count) {
    if (!m || !log_mel || !coefficients) return TYMPAN_EINVAL;
    if (band_count != m->band_count || coefficient_count != m->coefficient_count)
        return TYMPAN_ELENGTH;
    for (size_t k = 0; k < coefficient_count; k++) {
        const float *row = m->matrix + k * band_count;
        double sum = 0.0;
        for (size_t b = 0; b < band_count; b++) sum += (double)row[b] * (double)log_mel[b];
        coefficients[k] = (float)sum;
    }
    return TYMPAN_OK;
}
