/* The front end behind one handle: framer -> window -> spectrum -> filterbank -> log -> mfcc. */
#include <math.h>
#include "internal.h"

struct tympan_stream {
    tympan_framer *framer;
    tympan_window *window;
    tympan_spectrum *spectrum;
    tympan_filterbank *filterbank;
    tympan_log *log;
    tympan_mfcc *mfcc;          /* NULL when rows are mel bands */
    tympan_descriptors *descriptors;  /* NULL without descriptors */
    tympan_background *background;
    size_t frame_length;
    size_t bin_count;
    size_t band_count;
    size_t base_count;          /* mel bands or MFCCs per row */
    size_t descriptor_count;    /* descriptor values per row (0 without) */
    size_t band_count_d;        /* descriptor bands */
    size_t feature_count;
    float *frame;               /* frame_length */
    float *raw;                 /* frame_length: the frame before dither, DC removal, pre-emphasis */
    float *levels;              /* 1 + band_count_d: background channels in */
    float *estimates;           /* 1 + band_count_d: backgrounds out */
    float *bins;                /* bin_count */
    float *mel;                 /* band_count */
};

void tympan_stream_destroy(tympan_stream *s) {
    if (!s) return;
    tympan_framer_destroy(s->framer);
    tympan_window_destroy(s->window);
    tympan_spectrum_destroy(s->spectrum);
    tympan_filterbank_destroy(s->filterbank);
    tympan_log_destroy(s->log);
    tympan_mfcc_destroy(s->mfcc);
    tympan_descriptors_destroy(s->descriptors);
    tympan_background_destroy(s->background);
    free(s->frame);
    free(s->raw);
    free(s->levels);
    free(s->estimates);
    free(s->bins);
    free(s->mel);
    free(s);
}

tympan_status tympan_stream_create(const tympan_stream_config *config, tympan_stream **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    size_t frame_length = config->framer.frame_length;
    if (config->window.length != frame_length) return TYMPAN_EINVAL;
    if (config->spectrum.fft_size < frame_length) return TYMPAN_EINVAL;
    if (config->filterbank.fft_size != config->spectrum.fft_size) return TYMPAN_EINVAL;
    int with_mfcc = config->mfcc.coefficient_count > 0;
    if (with_mfcc && config->mfcc.band_count != config->filterbank.band_count) return TYMPAN_EINVAL;
    int with_descriptors = config->with_descriptors != 0;
    tympan_background_config background = config->background;
    if (with_descriptors) {
        const tympan_descriptors_config *d = &config->descriptors;
        if (config->spectrum.kind != TYMPAN_SPECTRUM_POWER || d->frame_length != frame_length ||
            d->fft_size != config->spectrum.fft_size || d->mel_band_count != config->filterbank.band_count ||
            d->window != config->window.type || d->sample_rate != config->filterbank.sample_rate)
            return TYMPAN_EINVAL;
        background.channel_count = 1 + d->band_count;
    }

    tympan_stream *s = calloc(1, sizeof *s);
    if (!s) return TYMPAN_ENOMEM;
    tympan_status status;
    if ((status = tympan_framer_create(&config->framer, &s->framer)) != TYMPAN_OK ||
        (status = tympan_window_create(&config->window, &s->window)) != TYMPAN_OK ||
        (status = tympan_spectrum_create(&config->spectrum, &s->spectrum)) != TYMPAN_OK ||
        (status = tympan_filterbank_create(&config->filterbank, &s->filterbank)) != TYMPAN_OK ||
        (status = tympan_log_create(&config->log, &s->log)) != TYMPAN_OK ||
        (with_mfcc && (status = tympan_mfcc_create(&config->mfcc, &s->mfcc)) != TYMPAN_OK) ||
        (with_descriptors &&
         ((status = tympan_descriptors_create(&config->descriptors, &s->descriptors)) != TYMPAN_OK ||
          (status = tympan_background_create(&background, &s->background)) != TYMPAN_OK))) {
        tympan_stream_destroy(s);
        return status;
    }
    s->frame_length = frame_length;
    s->bin_count = config->spectrum.fft_size / 2 + 1;
    s->band_count = config->filterbank.band_count;
    s->base_count = with_mfcc ? config->mfcc.coefficient_count : s->band_count;
    if (with_descriptors) {
        tympan_descriptors_count(s->descriptors, &s->descriptor_count);
        s->band_count_d = config->descriptors.band_count;
    }
    /* Descriptors, then background, level above it, and each band above its own. */
    s->feature_count = s->base_count + (with_descriptors ? s->descriptor_count + 2 + s->band_count_d : 0);
    s->frame = tympan_alloc_floats(s->frame_length);
    s->raw = tympan_alloc_floats(s->frame_length);
    s->bins = tympan_alloc_floats(s->bin_count);
    s->mel = tympan_alloc_floats(s->band_count);
    s->levels = tympan_alloc_floats(1 + s->band_count_d);
    s->estimates = tympan_alloc_floats(1 + s->band_count_d);
    if (!s->frame || !s->raw || !s->bins || !s->mel || !s->levels || !s->estimates) {
        tympan_stream_destroy(s);
        return TYMPAN_ENOMEM;
    }
    *out = s;
    return TYMPAN_OK;
}

tympan_status tympan_stream_feature_count(const tympan_stream *s, size_t *count) {
    if (!s || !count) return TYMPAN_EINVAL;
    *count = s->feature_count;
    return TYMPAN_OK;
}

tympan_status tympan_stream_frames_for(const tympan_stream *s, size_t sample_count,
                                       size_t *frame_count) {
    if (!s) return TYMPAN_EINVAL;
    return tympan_framer_frames_for(s->framer, sample_count, frame_count);
}

tympan_status tympan_stream_frames_at_finish(const tympan_stream *s, size_t *frame_count) {
    if (!s || !frame_count) return TYMPAN_EINVAL;
    size_t zeros;
    tympan_status status = tympan_framer_tail_padding(s->framer, &zeros);
    if (status != TYMPAN_OK) return status;
    return tympan_framer_frames_for(s->framer, zeros, frame_count);
}

/* Descriptors of the frame, then the backgrounds and the levels above them. */
static tympan_status describe(tympan_stream *s, const float *unwindowed, float *out) {
    tympan_status status = tympan_descriptors_process(s->descriptors, unwindowed, s->frame_length, s->bins,
                                                      s->bin_count, s->mel, s->band_count, out,
                                                      s->descriptor_count);
    if (status != TYMPAN_OK) return status;
    const float *band_levels = out + TYMPAN_DESCRIPTOR_FIXED_COUNT;
    s->levels[0] = out[TYMPAN_DESCRIPTOR_LEVEL_A];
    for (size_t b = 0; b < s->band_count_d; b++) s->levels[1 + b] = band_levels[b];
    status = tympan_background_process(s->background, s->levels, s->estimates, 1 + s->band_count_d);
    if (status != TYMPAN_OK) return status;
    float *tail = out + s->descriptor_count;
    tail[0] = s->estimates[0];
    tail[1] = s->levels[0] - s->estimates[0];
    for (size_t b = 0; b < s->band_count_d; b++) tail[2 + b] = s->levels[1 + b] - s->estimates[1 + b];
    return TYMPAN_OK;
}

static tympan_status spectrum_onwards(tympan_stream *s, const float *unwindowed, float *row);

/* One ready frame from the framer to one output row. */
static tympan_status process_frame(tympan_stream *s, float *row) {
    tympan_status status;
    float *input = tympan_spectrum_input(s->spectrum);
    if (!s->descriptors && !tympan_window_changes_frame(s->window)) {
        /* Nothing reads the frame but the window: it reads the framer's ring in place. */
        const float *first, *second;
        size_t first_count, second_count;
        if ((status = tympan_framer_view(s->framer, &first, &first_count, &second, &second_count)) != TYMPAN_OK ||
            (status = tympan_window_apply_split(s->window, first, first_count, second, second_count, input)) != TYMPAN_OK)
            return status;
        tympan_framer_advance(s->framer);
        return spectrum_onwards(s, NULL, row);
    }
    if ((status = tympan_framer_read(s->framer, s->frame, s->frame_length)) != TYMPAN_OK) return status;
    /* The descriptors read the frame before the window: a copy only when
     * dither, DC removal or pre-emphasis would change it first. */
    const float *unwindowed = s->frame;
    if (s->descriptors && tympan_window_changes_frame(s->window)) {
        memcpy(s->raw, s->frame, s->frame_length * sizeof(float));
        unwindowed = s->raw;
    }
    /* The window writes straight into the FFT's input. */
    if ((status = tympan_window_process_into(s->window, s->frame, input, s->frame_length)) != TYMPAN_OK)
        return status;
    return spectrum_onwards(s, unwindowed, row);
}

/* From the windowed frame in the FFT's input to the output row; the
 * descriptors read `unwindowed` (NULL without descriptors). */
static tympan_status spectrum_onwards(tympan_stream *s, const float *unwindowed, float *row) {
    tympan_status status;
    if ((status = tympan_spectrum_transform(s->spectrum, s->frame_length, s->bins, s->bin_count)) != TYMPAN_OK)
        return status;
    if ((status = tympan_filterbank_process(s->filterbank, s->bins, s->bin_count, s->mel,
                                            s->band_count)) != TYMPAN_OK)
        return status;
    if (s->descriptors && (status = describe(s, unwindowed, row + s->base_count)) != TYMPAN_OK) return status;
    if (!s->mfcc) return tympan_log_process(s->log, s->mel, row, s->band_count);
    if ((status = tympan_log_process(s->log, s->mel, s->mel, s->band_count)) != TYMPAN_OK) return status;
    return tympan_mfcc_process(s->mfcc, s->mel, s->band_count, row, s->base_count);
}

/* Writes samples (NULL: padding zeros) through the framer, one row per ready frame. */
static tympan_status run(tympan_stream *s, const float *samples, size_t count, float *features,
                         size_t *frames_written) {
    size_t rows = 0;
    for (;;) {
        int ready;
        tympan_framer_ready(s->framer, &ready);
        if (ready) {
            tympan_status status = process_frame(s, features + rows * s->feature_count);
            if (status != TYMPAN_OK) return status;
            rows++;
            continue;
        }
        if (count == 0) break;
        size_t accepted;
        tympan_framer_write(s->framer, samples, count, &accepted);
        if (samples) samples += accepted;
        count -= accepted;
    }
    *frames_written = rows;
    return TYMPAN_OK;
}

tympan_status tympan_stream_push(tympan_stream *s, const float *samples, size_t sample_count,
                                 float *features, size_t capacity, size_t *frames_written) {
    if (!s || !frames_written || (!samples && sample_count > 0)) return TYMPAN_EINVAL;
    *frames_written = 0;
    for (size_t i = 0; i < sample_count; i++)
        if (!isfinite(samples[i])) return TYMPAN_ENONFINITE;
    size_t frames;
    tympan_framer_frames_for(s->framer, sample_count, &frames);
    if (frames > 0 && (!features || capacity < frames * s->feature_count)) return TYMPAN_ELENGTH;
    return run(s, samples, sample_count, features, frames_written);
}

tympan_status tympan_stream_finish(tympan_stream *s, float *features, size_t capacity,
                                   size_t *frames_written) {
    if (!s || !frames_written) return TYMPAN_EINVAL;
    *frames_written = 0;
    size_t zeros, frames;
    tympan_framer_tail_padding(s->framer, &zeros);
    tympan_framer_frames_for(s->framer, zeros, &frames);
    if (frames > 0 && (!features || capacity < frames * s->feature_count)) return TYMPAN_ELENGTH;
    tympan_status status = run(s, NULL, zeros, features, frames_written);
    if (status != TYMPAN_OK) return status;
    return tympan_stream_reset(s);
}

tympan_status tympan_stream_reset(tympan_stream *s) {
    if (!s) return TYMPAN_EINVAL;
    tympan_framer_reset(s->framer);
    tympan_window_reset(s->window);
    if (s->descriptors) {
        tympan_descriptors_reset(s->descriptors);
        tympan_background_reset(s->background);
    }
    return TYMPAN_OK;
}
