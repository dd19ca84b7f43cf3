/* Helpers shared by the stage files; not part of the public API. */
#ifndef TYMPAN_INTERNAL_H
#define TYMPAN_INTERNAL_H

#include <stdlib.h>
#include <string.h>
#include "tympan.h"

#define TYMPAN_ALIGNMENT 64

/* Zeroed, TYMPAN_ALIGNMENT-aligned memory for count floats (free with free()). */
static inline float *tympan_alloc_floats(size_t count) {
    size_t bytes = count * sizeof(float);
    bytes = (bytes + TYMPAN_ALIGNMENT - 1) / TYMPAN_ALIGNMENT * TYMPAN_ALIGNMENT;
    if (bytes == 0) bytes = TYMPAN_ALIGNMENT;
    float *p = aligned_alloc(TYMPAN_ALIGNMENT, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

#define TYMPAN_PI 3.14159265358979323846

/* Coefficient n of a window of the given length (window.c). */
double tympan_window_value(tympan_window_type type, size_t n, size_t length);

/* FFTW planning is serialised by one lock (spectrum.c). */
void tympan_planner_lock(void);
void tympan_planner_unlock(void);
/* fftwf_destroy_plan under that lock; NULL is allowed. */
void tympan_plan_destroy(void *plan);

#endif
