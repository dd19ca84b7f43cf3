/* Framing over a ring buffer: chunks of any size in, overlapping frames out. */
#include "internal.h"

struct tympan_framer {
    size_t frame_length;
    size_t hop_length;
    size_t lead_padding;
    float *ring;          /* the last frame_length samples written, circular */
    uint64_t written;     /* padded samples written so far (lead zeros included) */
    uint64_t next_start;  /* padded position where the next frame starts */
    uint64_t real_written;/* real samples written (padding zeros excluded) */
};

tympan_status tympan_framer_create(const tympan_framer_config *config, tympan_framer **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (config->frame_length == 0 || config->hop_length == 0) return TYMPAN_EINVAL;
    if (config->lead_padding > config->frame_length) return TYMPAN_EINVAL;
    tympan_framer *f = calloc(1, sizeof *f);
    if (!f) return TYMPAN_ENOMEM;
    f->ring = tympan_alloc_floats(config->frame_length);
    if (!f->ring) { free(f); return TYMPAN_ENOMEM; }
    f->frame_length = config->frame_length;
    f->hop_length = config->hop_length;
    f->lead_padding = config->lead_padding;
    tympan_framer_reset(f);
    *out = f;
    return TYMPAN_OK;
}

void tympan_framer_destroy(tympan_framer *f) {
    if (!f) return;
    free(f->ring);
    free(f);
}

tympan_status tympan_framer_reset(tympan_framer *f) {
    if (!f) return TYMPAN_EINVAL;
    memset(f->ring, 0, f->frame_length * sizeof(float));
    /* The lead zeros are already in the zeroed ring. */
    f->written = f->lead_padding;
    f->next_start = 0;
    f->real_written = 0;
    return TYMPAN_OK;
}

static uint64_t frames_available(const tympan_framer *f, uint64_t total) {
    uint64_t end = f->next_start + f->frame_length;
    if (total < end) return 0;
    return (total - end) / f->hop_length + 1;
}

tympan_status tympan_framer_frames_for(const tympan_framer *f, size_t sample_count,
                                       size_t *frame_count) {
    if (!f || !frame_count) return TYMPAN_EINVAL;
    *frame_count = (size_t)frames_available(f, f->written + sample_count);
    return TYMPAN_OK;
}

tympan_status tympan_framer_ready(const tympan_framer *f, int *ready) {
    if (!f || !ready) return TYMPAN_EINVAL;
    *ready = f->written >= f->next_start + f->frame_length;
    return TYMPAN_OK;
}

tympan_status tympan_framer_write(tympan_framer *f, const float *samples, size_t sample_count,
                                  size_t *accepted) {
    if (!f || !accepted) return TYMPAN_EINVAL;
    *accepted = 0;
    uint64_t end = f->next_start + f->frame_length;
    if (f->written >= end || sample_count == 0) return TYMPAN_OK;
    uint64_t need = end - f->written;
    size_t take = sample_count < need ? sample_count : (size_t)need;
    size_t pos = (size_t)(f->written % f->frame_length);
    size_t done = 0;
    while (done < take) {
        size_t run = f->frame_length - pos;
        if (run > take - done) run = take - done;
        if (samples) memcpy(f->ring + pos, samples + done, run * sizeof(float));
        else memset(f->ring + pos, 0, run * sizeof(float));
        done += run;
        pos = 0;
    }
    f->written += take;
    if (samples) f->real_written += take;
    *accepted = take;
    return TYMPAN_OK;
}

tympan_status tympan_framer_read(tympan_framer *f, float *frame, size_t frame_count) {
    if (!f || !frame) return TYMPAN_EINVAL;
    if (frame_count != f->frame_length) return TYMPAN_ELENGTH;
    if (f->written < f->next_start + f->frame_length) return TYMPAN_EINVAL;
    /* Writing stops as soon as a frame is complete, so the frame is exactly
     * the last frame_length samples in the ring, oldest at the write position. */
    size_t pos = (size_t)(f->written % f->frame_length);
    size_t first = f->frame_length - pos;
    memcpy(frame, f->ring + pos, first * sizeof(float));
    memcpy(frame + first, f->ring, pos * sizeof(float));
    f->next_start += f->hop_length;
    return TYMPAN_OK;
}

tympan_status tympan_framer_view(const tympan_framer *f, const float **first, size_t *first_count,
                                 const float **second, size_t *second_count) {
    if (f->written < f->next_start + f->frame_length) return TYMPAN_EINVAL;
    size_t pos = (size_t)(f->written % f->frame_length);
    *first = f->ring + pos;
    *first_count = f->frame_length - pos;
    *second = f->ring;
    *second_count = pos;
    return TYMPAN_OK;
}

void tympan_framer_advance(tympan_framer *f) { f->next_start += f->hop_length; }

tympan_status tympan_framer_tail_padding(const tympan_framer *f, size_t *zero_count) {
    if (!f || !zero_count) return TYMPAN_EINVAL;
    *zero_count = 0;
    if (f->lead_padding == 0 || f->real_written == 0) return TYMPAN_OK;
    /* librosa's center=True: frames t = 0 ... floor(R / hop). */
    uint64_t last = f->real_written / f->hop_length;
    uint64_t needed = last * f->hop_length + f->frame_length;
    if (needed > f->written) *zero_count = (size_t)(needed - f->written);
    return TYMPAN_OK;
}
