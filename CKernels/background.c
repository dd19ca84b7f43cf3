/* Running percentile per channel over a sliding window, from a histogram. */
#include <math.h>
#include "internal.h"

typedef struct channel {
    uint32_t *counts;   /* histogram, bin_count */
    uint16_t *history;  /* bins of the last window_frames values, circular */
    size_t index;       /* the percentile's bin */
    size_t below;       /* values in bins below index */
} channel;

struct tympan_background {
    size_t channel_count;
    size_t window_frames;
    float percentile;
    float min_db;
    float resolution_db;
    size_t bin_count;
    size_t filled;      /* values in the window (same for every channel) */
    size_t position;    /* next history slot */
    channel *channels;
};

void tympan_background_destroy(tympan_background *b) {
    if (!b) return;
    if (b->channels)
        for (size_t c = 0; c < b->channel_count; c++) {
            free(b->channels[c].counts);
            free(b->channels[c].history);
        }
    free(b->channels);
    free(b);
}

tympan_status tympan_background_create(const tympan_background_config *config, tympan_background **out) {
    if (!config || !out) return TYMPAN_EINVAL;
    *out = NULL;
    if (config->channel_count == 0 || config->window_frames == 0 || !(config->percentile >= 0) ||
        !(config->percentile <= 100) || !(config->resolution_db > 0) || !(config->max_db > config->min_db))
        return TYMPAN_EINVAL;
    double bins = floor((config->max_db - config->min_db) / config->resolution_db) + 1;
    if (bins > 65535) return TYMPAN_EINVAL;
    tympan_background *b = calloc(1, sizeof *b);
    if (!b) return TYMPAN_ENOMEM;
    b->channel_count = config->channel_count;
    b->window_frames = config->window_frames;
    b->percentile = config->percentile;
    b->min_db = config->min_db;
    b->resolution_db = config->resolution_db;
    b->bin_count = (size_t)bins;
    b->channels = calloc(config->channel_count, sizeof(channel));
    if (!b->channels) { tympan_background_destroy(b); return TYMPAN_ENOMEM; }
    for (size_t c = 0; c < b->channel_count; c++) {
        b->channels[c].counts = calloc(b->bin_count, sizeof(uint32_t));
        b->channels[c].history = calloc(b->window_frames, sizeof(uint16_t));
        if (!b->channels[c].counts || !b->channels[c].history) {
            tympan_background_destroy(b);
            return TYMPAN_ENOMEM;
        }
    }
    *out = b;
    return TYMPAN_OK;
}

tympan_status tympan_background_reset(tympan_background *b) {
    if (!b) return TYMPAN_EINVAL;
    for (size_t c = 0; c < b->channel_count; c++) {
        memset(b->channels[c].counts, 0, b->bin_count * sizeof(uint32_t));
        b->channels[c].index = 0;
        b->channels[c].below = 0;
    }
    b->filled = 0;
    b->position = 0;
    return TYMPAN_OK;
}

static size_t bin_of(const tympan_background *b, float value) {
    double x = floor((value - b->min_db) / b->resolution_db + 0.5);
    if (!(x > 0)) return 0;  /* also NaN */
    if (x >= (double)b->bin_count) return b->bin_count - 1;
    return (size_t)x;
}

tympan_status tympan_background_process(tympan_background *b, const float *values, float *estimates,
                                        size_t channel_count) {
    if (!b || !values || !estimates) return TYMPAN_EINVAL;
    if (channel_count != b->channel_count) return TYMPAN_ELENGTH;
    int full = b->filled == b->window_frames;
    size_t count = full ? b->filled : b->filled + 1;
    size_t rank = (size_t)floor((double)b->percentile / 100.0 * (double)(count - 1) + 1e-9);
    for (size_t c = 0; c < b->channel_count; c++) {
        channel *ch = &b->channels[c];
        if (full) {
            size_t old = ch->history[b->position];
            ch->counts[old]--;
            if (old < ch->index) ch->below--;
        }
        size_t bin = bin_of(b, values[c]);
        ch->history[b->position] = (uint16_t)bin;
        ch->counts[bin]++;
        if (bin < ch->index) ch->below++;
        /* Move the index until rank falls in its bin: below <= rank < below + counts[index]. */
        while (ch->below > rank) {
            ch->index--;
            ch->below -= ch->counts[ch->index];
        }
        while (ch->below + ch->counts[ch->index] <= rank) {
            ch->below += ch->counts[ch->index];
            ch->index++;
        }
        estimates[c] = b->min_db + (float)ch->index * b->resolution_db;
    }
    b->position = (b->position + 1) % b->window_frames;
    if (!full) b->filled++;
    return TYMPAN_OK;
}
