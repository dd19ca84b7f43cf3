extension Rules {
    /// The bundled rules (documented in docs/rules.md). `tympan rules` prints
    /// them; edit a copy and pass it with `--rules`. Written by scripts/rules/bundle.py.
    public static let bundledJSON = #"""
{
  "format": "tympan-rules",
  "version": 1,
  "about": "Tympan's bundled rules: per class, conditions that must all hold (the class score is the weakest term's score) and the event detector's settings. The gunshot rule was built by hand; the others were induced from labelled frames (scripts/rules/induce.py); all thresholds were tuned on the synthetic train and validation splits (scripts/rules/tune.py). Rules other than gunshot's and crackling's also require the class's band to stand above its background, so that steady sources (a fan, a hum) never fire. See docs/rules.md.",
  "classes": [
    {
      "class": "gunshot", "id": 1,
      "about": "An isolated, impulsive, broadband blast (built by hand from the physics, thresholds tuned): within 80 ms the level jumps well above the background, the flux and the crest factor spike, the high and top bands rise far above their backgrounds; within 250 ms the level falls by 15 dB or more (the tail) but by no more than about 10 dB in the first 60 ms (footsteps and knocks die faster); the mean flux over 0.6 s around it stays low (firecracker strings repeat). Door slams and dropped objects lack the top-band jump.",
      "when": [
        {"feature": "above_background_db", "aggregate": "rise", "frames": 8, "ahead": 3, "above": 7.5, "softness": 6},
        {"feature": "flux_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 19.25, "softness": 3},
        {"feature": "level_dba", "aggregate": "fall", "frames": 26, "ahead": 25, "above": 15.0, "softness": 4},
        {"feature": "crest_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 14.25, "softness": 3},
        {"feature": "band_high_above_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 10, "softness": 6},
        {"feature": "flux_db", "aggregate": "mean", "frames": 61, "ahead": 30, "below": 2.25, "softness": 1},
        {"feature": "band_top_above_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 21.5, "softness": 6},
        {"feature": "level_dba", "aggregate": "fall", "frames": 6, "ahead": 5, "below": 9.5, "softness": 6}
      ],
      "detector": {"on": 0.35, "off": 0.35, "min_duration": 0.025, "max_duration": 1.0, "merge_gap": 0.2, "refractory": 0.1, "onset_feature": "above_background_db", "onset_above": 6, "onset_lookback": 0.15}
    },
    {
      "class": "scream", "id": 2,
      "about": "Voiced and high (induced, then tuned): most energy in 500-2000 Hz and almost none above 2 kHz, strongly harmonic (peaks above 0.83, mean over 0.4 s above 0.56), a pitch reaching 550 Hz, no sharp onsets inside, above the mid band's background; at least 0.3 s. Speech is lower and less steadily voiced; barks are shorter; a whistle's energy lies above 2 kHz.",
      "when": [
        {"feature": "band_mid_ratio_db", "aggregate": "max", "frames": 21, "ahead": 10, "above": -2.608, "softness": 0.216},
        {"feature": "harmonicity", "aggregate": "max", "frames": 21, "ahead": 10, "above": 0.876, "softness": 0.022},
        {"feature": "band_high_ratio_db", "aggregate": "min", "frames": 41, "ahead": 20, "below": -18.628, "softness": 2.198},
        {"feature": "pitch_hz", "aggregate": "max", "frames": 5, "ahead": 2, "above": 550.034, "softness": 200.068},
        {"feature": "flux_db", "aggregate": "max", "frames": 21, "ahead": 10, "below": 5.039, "softness": 0.284},
        {"feature": "harmonicity", "aggregate": "mean", "frames": 41, "ahead": 20, "above": 0.556, "softness": 0.046},
        {"feature": "harmonicity", "aggregate": "max", "frames": 11, "ahead": 5, "above": 0.829, "softness": 0.016},
        {"feature": "band_mid_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 4.0, "softness": 2}
      ],
      "detector": {"on": 0.425, "off": 0.35, "min_duration": 0.3, "max_duration": 5, "merge_gap": 0.15}
    },
    {
      "class": "drill", "id": 3,
      "about": "A motor under load (induced, then tuned): the low and mid bands always hold a share (the rotation and its harmonics), spectral lines but not a pure tone, never as flat as hiss, some top-band rattle, a narrow spread, 6 dB above the background; at least 0.7 s.",
      "when": [
        {"feature": "band_mid_ratio_db", "aggregate": "min", "frames": 11, "ahead": 5, "above": -13.521, "softness": 0.99},
        {"feature": "band_low_ratio_db", "aggregate": "min", "frames": 21, "ahead": 10, "above": -14.518, "softness": 1.093},
        {"feature": "tonality_db", "aggregate": "mean", "frames": 21, "ahead": 10, "below": 33.608, "softness": 1.546},
        {"feature": "flatness", "aggregate": "max", "frames": 41, "ahead": 20, "below": 0.766, "softness": 0.037},
        {"feature": "band_top_ratio_db", "aggregate": "mean", "frames": 41, "ahead": 20, "above": -25.447, "softness": 1.7},
        {"feature": "bandwidth_hz", "aggregate": "max", "frames": 11, "ahead": 5, "below": 2070.986, "softness": 52.578},
        {"feature": "above_background_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 6.0, "softness": 2}
      ],
      "detector": {"on": 0.45, "off": 0.35, "min_duration": 0.7, "max_duration": 30, "merge_gap": 0.25}
    },
    {
      "class": "angle_grinder", "id": 4,
      "about": "A disc cutting (induced, then tuned): impulsive on average over 0.4 s (sparks raise the crest factor), less flat than a spray's hiss, little low-frequency energy, no big onsets; at least 0.325 s. It must also stand above the high band's background.",
      "when": [
        {"feature": "crest_db", "aggregate": "mean", "frames": 41, "ahead": 20, "above": 12.533, "softness": 0.838},
        {"feature": "flatness", "aggregate": "max", "frames": 41, "ahead": 20, "below": 0.853, "softness": 0.082},
        {"feature": "band_low_ratio_db", "aggregate": "min", "frames": 41, "ahead": 20, "below": -7.621, "softness": 3.2},
        {"feature": "crest_db", "aggregate": "min", "frames": 21, "ahead": 10, "above": 5.938, "softness": 0.973},
        {"feature": "flux_db", "aggregate": "mean", "frames": 41, "ahead": 20, "below": 2.011, "softness": 0.102},
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": -1.0, "softness": 2}
      ],
      "detector": {"on": 0.5, "off": 0.35, "min_duration": 0.325, "max_duration": 30, "merge_gap": 0.25}
    },
    {
      "class": "car_horn", "id": 5,
      "about": "One or two steady tones (induced, then tuned): an autocorrelation pitch between about 330 and 630 Hz, harmonic, steady (low crest factor over 0.4 s), a broad harmonic spectrum; at least 0.12 s per honk, 50 ms gaps split honks. Sirens sweep above 630 Hz. It must also stand above the mid band's background.",
      "when": [
        {"feature": "pitch_hz", "aggregate": "max", "frames": 5, "ahead": 2, "below": 631.994, "softness": 33.217},
        {"feature": "harmonicity", "aggregate": "min", "frames": 5, "ahead": 2, "above": 0.374, "softness": 0.094},
        {"feature": "crest_db", "aggregate": "mean", "frames": 41, "ahead": 20, "below": 8.005, "softness": 0.5},
        {"feature": "band_top_ratio_db", "aggregate": "min", "frames": 5, "ahead": 2, "above": -32.597, "softness": 1.582},
        {"feature": "pitch_hz", "aggregate": "max", "frames": 11, "ahead": 5, "above": 326.287, "softness": 29.991},
        {"feature": "bandwidth_hz", "aggregate": "mean", "frames": 5, "ahead": 2, "above": 1556.291, "softness": 84.352},
        {"feature": "band_mid_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": -1.0, "softness": 2}
      ],
      "detector": {"on": 0.55, "off": 0.35, "min_duration": 0.12, "max_duration": 5, "merge_gap": 0.05}
    },
    {
      "class": "whistle", "id": 6,
      "about": "A pea whistle (induced, then tuned): the 2-5 kHz band holds nearly all the energy, a strong spectral line, not impulsive, an autocorrelation pitch above 1.15 kHz (a multiple of the whistle's period), harmonic; at least 0.1 s. Bird chirps are shorter and sweep.",
      "when": [
        {"feature": "band_high_ratio_db", "aggregate": "max", "frames": 11, "ahead": 5, "above": -2.217, "softness": 0.234},
        {"feature": "tonality_db", "aggregate": "max", "frames": 5, "ahead": 2, "above": 31.471, "softness": 3.325},
        {"feature": "crest_db", "aggregate": "max", "frames": 11, "ahead": 5, "below": 12.028, "softness": 0.482},
        {"feature": "band_high_ratio_db", "aggregate": "mean", "frames": 11, "ahead": 5, "above": -3.461, "softness": 0.534},
        {"feature": "pitch_hz", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 1146.554, "softness": 122.24},
        {"feature": "harmonicity", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 0.657, "softness": 0.033},
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": -1.0, "softness": 2}
      ],
      "detector": {"on": 0.5, "off": 0.35, "min_duration": 0.1, "max_duration": 5, "merge_gap": 0.05}
    },
    {
      "class": "aerosol_spray", "id": 7,
      "about": "Hiss (induced, then tuned): the roll-off stays above 5.6 kHz, the top band holds a large share, many zero crossings, not impulsive; at least 0.55 s. Rain is a steady part of the background; a grinder's sparks are impulsive. It must also stand above the top band's background (a steady hiss, a fan, is background).",
      "when": [
        {"feature": "rolloff_hz", "aggregate": "min", "frames": 5, "ahead": 2, "above": 5618.75, "softness": 150.0},
        {"feature": "crest_db", "aggregate": "mean", "frames": 41, "ahead": 20, "below": 10.657, "softness": 0.152},
        {"feature": "zcr", "aggregate": "mean", "frames": 41, "ahead": 20, "above": 0.207, "softness": 0.052},
        {"feature": "band_top_ratio_db", "aggregate": "min", "frames": 11, "ahead": 5, "above": -15.472, "softness": 1.313},
        {"feature": "band_top_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 3.0, "softness": 2}
      ],
      "detector": {"on": 0.5, "off": 0.35, "min_duration": 0.55, "max_duration": 10, "merge_gap": 0.15}
    },
    {
      "class": "crackling", "id": 8,
      "about": "A train of clicks (induced, then tuned): within 0.4 s a flux spike, a wide spectrum, the top band far above its background, flatness peaking (clicks) while the zero-crossing rate stays below a hiss's; at least 0.575 s.",
      "when": [
        {"feature": "flux_db", "aggregate": "max", "frames": 41, "ahead": 20, "above": 5.596, "softness": 1.489},
        {"feature": "bandwidth_hz", "aggregate": "max", "frames": 41, "ahead": 20, "above": 2157.216, "softness": 59.285},
        {"feature": "band_top_above_db", "aggregate": "max", "frames": 41, "ahead": 20, "above": 16.308, "softness": 5.499},
        {"feature": "zcr", "aggregate": "max", "frames": 41, "ahead": 20, "below": 0.545, "softness": 0.051},
        {"feature": "flatness", "aggregate": "max", "frames": 41, "ahead": 20, "above": 0.724, "softness": 0.014},
        {"feature": "band_top_above_db", "aggregate": "max", "frames": 11, "ahead": 5, "above": 12.527, "softness": 5.755}
      ],
      "detector": {"on": 0.55, "off": 0.35, "min_duration": 0.625, "max_duration": 30, "merge_gap": 0.3}
    }
  ]
}
"""#
}
