extension Rules {
    /// The bundled rules (documented in docs/rules.md). `tympan rules` prints
    /// them; edit a copy and pass it with `--rules`.
    public static let bundledJSON = #"""
{
  "format": "tympan-rules",
  "version": 1,
  "about": "Tympan's bundled rules: one rule per class, each a list of conditions that must all hold (the class score is the weakest term's score), then the event detector's settings. Thresholds were tuned on the synthetic train split (scripts/rules/tune.py); see docs/rules.md.",
  "classes": [
    {
      "class": "gunshot", "id": 1,
      "about": "An impulsive, broadband blast: the level jumps well above the background within a few frames, the spectrum's flux and the frame's crest factor spike, high bands join in, and within 250 ms the level falls by 10 dB or more (the tail). Door slams and dropped objects are mostly low-frequency and lack the high-band jump; firecracker strings repeat (the mean flux over 0.6 s around a gunshot stays low); footsteps are soft and fall too fast.",
      "when": [
        {"feature": "above_background_db", "aggregate": "rise", "frames": 8, "ahead": 3, "above": 21.0, "softness": 6},
        {"feature": "flux_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 15.5, "softness": 3},
        {"feature": "level_dba", "aggregate": "fall", "frames": 26, "ahead": 25, "above": 12.0, "softness": 4},
        {"feature": "crest_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 16.5, "softness": 3},
        {"feature": "band_high_above_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 10, "softness": 6},
        {"feature": "flux_db", "aggregate": "mean", "frames": 61, "ahead": 30, "below": 2.25, "softness": 1},
        {"feature": "band_top_above_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 15.5, "softness": 6},
        {"feature": "level_dba", "aggregate": "fall", "frames": 6, "ahead": 5, "below": 8.0, "softness": 6}
      ],
      "detector": {"on": 0.4, "off": 0.35, "min_duration": 0.0, "max_duration": 1.0, "merge_gap": 0.2, "refractory": 0.1, "onset_feature": "above_background_db", "onset_above": 6, "onset_lookback": 0.15}
    },
    {
      "class": "scream", "id": 2,
      "about": "Voiced and high: strong harmonicity, a pitch of roughly 400-1700 Hz, most energy in 500-2000 Hz (formants), well above the background, for at least 0.3 s. Speech is lower-pitched and less steadily voiced; a dog's bark is shorter than the minimum duration; a whistle puts its energy above 2 kHz (the high-band ratio is capped).",
      "when": [
        {"feature": "harmonicity", "aggregate": "mean", "frames": 10, "above": 0.725, "softness": 0.1, "ahead": 5},
        {"feature": "pitch_hz", "aggregate": "mean", "frames": 10, "between": [506.6667, 1700], "softness": 80, "ahead": 5},
        {"feature": "band_mid_ratio_db", "aggregate": "mean", "frames": 10, "above": -0.5, "softness": 2, "ahead": 5},
        {"feature": "above_background_db", "aggregate": "mean", "frames": 10, "above": 3.6667, "softness": 4, "ahead": 5},
        {"feature": "band_high_ratio_db", "aggregate": "mean", "frames": 10, "below": -3, "softness": 2, "ahead": 5}
      ],
      "detector": {"on": 0.575, "off": 0.35, "min_duration": 0.4, "max_duration": 5, "merge_gap": 0.15, "refractory": 0, "onset_feature": "band_mid_above_db", "onset_above": 8, "onset_lookback": 0.3}
    },
    {
      "class": "drill", "id": 3,
      "about": "A motor: tonal (strong spectral lines), low and mid bands above their backgrounds, a low pitch (the rotation, below about 340 Hz), some harmonicity, and chuck rattle lifting the top band; at least half a second. The steady construction hum is part of the background, so it does not rise above it.",
      "when": [
        {"feature": "tonality_db", "aggregate": "mean", "frames": 20, "above": 22, "softness": 4, "ahead": 10},
        {"feature": "band_low_above_db", "aggregate": "mean", "frames": 20, "above": 12.0, "softness": 4, "ahead": 10},
        {"feature": "band_mid_above_db", "aggregate": "mean", "frames": 20, "above": 4.0, "softness": 4, "ahead": 10},
        {"feature": "pitch_hz", "aggregate": "mean", "frames": 20, "below": 340, "softness": 60, "ahead": 10},
        {"feature": "harmonicity", "aggregate": "mean", "frames": 20, "above": 0.3, "softness": 0.1, "ahead": 10},
        {"feature": "band_top_above_db", "aggregate": "mean", "frames": 20, "above": 6.0, "softness": 4, "ahead": 10}
      ],
      "detector": {"on": 0.5, "off": 0.35, "min_duration": 0.6, "max_duration": 30, "merge_gap": 0.3, "refractory": 0, "onset_feature": "above_background_db", "onset_above": 12.0, "onset_lookback": 0.8}
    },
    {
      "class": "angle_grinder", "id": 4,
      "about": "A disc at 8,000-11,000 rpm: the 2-5 kHz band far above its background, a high centroid, sparks lifting the top band and the crest factor, and not as flat as a spray; at least 0.8 s.",
      "when": [
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 20, "above": 16.6667, "softness": 4, "ahead": 10},
        {"feature": "centroid_hz", "aggregate": "mean", "frames": 20, "above": 2700.0, "softness": 400, "ahead": 10},
        {"feature": "crest_db", "aggregate": "mean", "frames": 20, "above": 10.3, "softness": 1, "ahead": 10},
        {"feature": "band_top_above_db", "aggregate": "mean", "frames": 20, "above": 4.0, "softness": 4, "ahead": 10},
        {"feature": "flatness", "aggregate": "mean", "frames": 20, "below": 0.7767, "softness": 0.08, "ahead": 10}
      ],
      "detector": {"on": 0.625, "off": 0.35, "min_duration": 0.975, "max_duration": 30, "merge_gap": 0.3, "refractory": 0, "onset_feature": "band_high_above_db", "onset_above": 6, "onset_lookback": 1.0}
    },
    {
      "class": "car_horn", "id": 5,
      "about": "One or two steady tones at 300-600 Hz: pitch in that range, harmonic, tonal, the mid band above its background and little above 2 kHz; at least 0.15 s per honk, gaps of 50 ms split honks. Sirens sweep above 600 Hz; music is not steadily tonal at one pitch.",
      "when": [
        {"feature": "pitch_hz", "aggregate": "mean", "frames": 8, "between": [290.0, 540.0], "softness": 40, "ahead": 4},
        {"feature": "harmonicity", "aggregate": "mean", "frames": 8, "above": 0.525, "softness": 0.15, "ahead": 4},
        {"feature": "tonality_db", "aggregate": "mean", "frames": 8, "above": 31.0, "softness": 4, "ahead": 4},
        {"feature": "band_mid_above_db", "aggregate": "mean", "frames": 8, "above": 3.0, "softness": 4, "ahead": 4},
        {"feature": "band_high_ratio_db", "aggregate": "mean", "frames": 8, "below": -7.0, "softness": 2, "ahead": 4}
      ],
      "detector": {"on": 0.65, "off": 0.35, "min_duration": 0.3417, "max_duration": 3, "merge_gap": 0.05, "refractory": 0}
    },
    {
      "class": "whistle", "id": 6,
      "about": "A pea whistle: the 2-5 kHz band far above its background and holding most of the energy, tonal and (at a multiple of its period) harmonic, for at least 0.12 s. Bird chirps are shorter and sweep.",
      "when": [
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 8, "above": 6.0, "softness": 4, "ahead": 4},
        {"feature": "band_high_ratio_db", "aggregate": "mean", "frames": 8, "above": -3.5, "softness": 2, "ahead": 4},
        {"feature": "tonality_db", "aggregate": "mean", "frames": 8, "above": 28.0, "softness": 4, "ahead": 4},
        {"feature": "harmonicity", "aggregate": "mean", "frames": 8, "above": 0.65, "softness": 0.15, "ahead": 4}
      ],
      "detector": {"on": 0.625, "off": 0.35, "min_duration": 0.145, "max_duration": 5, "merge_gap": 0.05, "refractory": 0}
    },
    {
      "class": "aerosol_spray", "id": 7,
      "about": "Hiss: a flat spectrum (no lines) centred above 3 kHz, high and top bands above their backgrounds, not impulsive (lower crest than a grinder's sparks); at least 0.4 s. Rain is a steady part of the background.",
      "when": [
        {"feature": "flatness", "aggregate": "mean", "frames": 20, "above": 0.6, "softness": 0.08, "ahead": 10},
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 20, "above": 10.0, "softness": 4, "ahead": 10},
        {"feature": "centroid_hz", "aggregate": "mean", "frames": 20, "above": 3000.0, "softness": 400, "ahead": 10},
        {"feature": "tonality_db", "aggregate": "mean", "frames": 20, "below": 24.0, "softness": 4, "ahead": 10},
        {"feature": "band_top_above_db", "aggregate": "mean", "frames": 20, "above": 8, "softness": 4, "ahead": 10},
        {"feature": "crest_db", "aggregate": "mean", "frames": 20, "below": 10.5, "softness": 1, "ahead": 10}
      ],
      "detector": {"on": 0.4833, "off": 0.35, "min_duration": 0.3667, "max_duration": 10, "merge_gap": 0.15, "refractory": 0, "onset_feature": "band_top_above_db", "onset_above": 6, "onset_lookback": 0.5}
    },
    {
      "class": "crackling", "id": 8,
      "about": "A train of clicks: the crest factor peaks again and again within 0.3 s, the mean flux stays high, and the level and the high band stand above the background; at least 0.8 s. A single gunshot is too short; rain drops are part of the background.",
      "when": [
        {"feature": "crest_db", "aggregate": "max", "frames": 30, "above": 16.25, "softness": 3, "ahead": 15},
        {"feature": "flux_db", "aggregate": "mean", "frames": 30, "above": 2.0666, "softness": 0.8, "ahead": 15},
        {"feature": "above_background_db", "aggregate": "mean", "frames": 30, "above": 7.0, "softness": 3, "ahead": 15},
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 30, "above": 4, "softness": 3, "ahead": 15}
      ],
      "detector": {"on": 0.525, "off": 0.35, "min_duration": 0.8, "max_duration": 30, "merge_gap": 0.5, "refractory": 0}
    }
  ]
}
"""#
}
