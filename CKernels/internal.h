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

/* The stream's fused path: the window writes the frame straight into the
 * FFT's input (fft_size floats), then transform zero-pads it past
 * frame_count and computes the bins (spectrum.c). */
float *tympan_spectrum_input(tympan_spectrum *spectrum);
tympan_status tympan_spectrum_transform(tympan_spectrum *spectrum, size_t frame_count, float *bins, size_t bin_count);
/* The window's steps into `out` (window.c): dither, DC removal and
 * pre-emphasis change `frame` in place (when configured), then out = frame x
 * coefficients. */
tympan_status tympan_window_process_into(tympan_window *window, float *frame, float *out, size_t frame_count);
/* Whether dither, DC removal or pre-emphasis change the frame before windowing. */
int tympan_window_changes_frame(const tympan_window *window);
/* The window of a frame given in two pieces (first, then second) into out;
 * only for a window that changes nothing before multiplying (window.c). */
tympan_status tympan_window_apply_split(const tympan_window *window, const float *first, size_t first_count,
                                        const float *second, size_t second_count, float *out);
/* The ready frame where it lies in the framer's ring: first[0 ..< first_count]
 * then second[0 ..< second_count]; advance moves to the next frame, as
 * tympan_framer_read does after its copy (framer.c). */
tympan_status tympan_framer_view(const tympan_framer *framer, const float **first, size_t *first_count,
                                 const float **second, size_t *second_count);
void tympan_framer_advance(tympan_framer *framer);

/* FFTW planning is serialised by one lock (spectrum.c). */
void tympan_planner_lock(void);
void tympan_planner_unlock(void);
/* fftwf_destroy_plan under that lock; NULL is allowed. */
void tympan_plan_destroy(void *plan);

#endif
