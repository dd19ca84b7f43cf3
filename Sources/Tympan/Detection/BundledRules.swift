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
      "about": "An isolated, impulsive, broadband blast (built by hand from the physics, thresholds tuned): within 80 ms the level jumps 12 dB or more above the background, the flux and the crest factor spike, the high and top bands rise well above their backgrounds; within 250 ms the level falls by 13 dB or more (the tail) but not by more than about 10 dB in the first 60 ms (footsteps and knocks die faster); the mean flux over 0.6 s around it stays low (firecracker strings repeat). Door slams and dropped objects lack the top-band jump.",
      "when": [
        {"feature": "above_background_db", "aggregate": "rise", "frames": 8, "ahead": 3, "above": 12.0, "softness": 6},
        {"feature": "flux_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 19.25, "softness": 3},
        {"feature": "level_dba", "aggregate": "fall", "frames": 26, "ahead": 25, "above": 13.0, "softness": 4},
        {"feature": "crest_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 18.75, "softness": 3},
        {"feature": "band_high_above_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 10, "softness": 6},
        {"feature": "flux_db", "aggregate": "mean", "frames": 61, "ahead": 30, "below": 2.25, "softness": 1},
        {"feature": "band_top_above_db", "aggregate": "max", "frames": 5, "ahead": 4, "above": 21.5, "softness": 6},
        {"feature": "level_dba", "aggregate": "fall", "frames": 6, "ahead": 5, "below": 9.5, "softness": 6}
      ],
      "detector": {"on": 0.35, "off": 0.35, "min_duration": 0.025, "max_duration": 1.0, "merge_gap": 0.2, "refractory": 0.1, "onset_feature": "above_background_db", "onset_above": 6, "onset_lookback": 0.15}
    },
    {
      "class": "scream", "id": 2,
      "about": "Voiced and high (induced, then tuned): most energy in 500-2000 Hz, strongly harmonic over 0.4 s, a pitch reaching about 600 Hz or more, not impulsive; at least 0.6 s. Speech is lower and less steadily voiced; barks are shorter; a whistle's energy lies above 2 kHz. It must also stand above the mid band's background.",
      "when": [
        {"feature": "band_mid_ratio_db", "aggregate": "max", "frames": 41, "ahead": 20, "above": -2.528, "softness": 0.156},
        {"feature": "harmonicity", "aggregate": "mean", "frames": 41, "ahead": 20, "above": 0.649, "softness": 0.058},
        {"feature": "pitch_hz", "aggregate": "max", "frames": 11, "ahead": 5, "above": 591.95, "softness": 221.684},
        {"feature": "crest_db", "aggregate": "mean", "frames": 21, "ahead": 10, "below": 8.472, "softness": 0.408},
        {"feature": "harmonicity", "aggregate": "max", "frames": 21, "ahead": 10, "above": 0.843, "softness": 0.019},
        {"feature": "band_mid_ratio_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": -6.321, "softness": 0.641},
        {"feature": "band_mid_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 3.0, "softness": 2}
      ],
      "detector": {"on": 0.4, "off": 0.35, "min_duration": 0.6, "max_duration": 5, "merge_gap": 0.15}
    },
    {
      "class": "drill", "id": 3,
      "about": "A motor under load (induced, then tuned): a good share of mid-band energy, low band always present (the rotation), tonal but not a pure tone, some top-band rattle, never smooth (crest factor); at least 0.575 s. It must also stand above the background.",
      "when": [
        {"feature": "band_mid_ratio_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": -8.995, "softness": 0.787},
        {"feature": "band_low_ratio_db", "aggregate": "min", "frames": 41, "ahead": 20, "above": -14.817, "softness": 1.164},
        {"feature": "tonality_db", "aggregate": "max", "frames": 21, "ahead": 10, "below": 37.255, "softness": 1.703},
        {"feature": "tonality_db", "aggregate": "min", "frames": 41, "ahead": 20, "above": 15.52, "softness": 1.447},
        {"feature": "band_top_ratio_db", "aggregate": "max", "frames": 11, "ahead": 5, "above": -24.314, "softness": 1.842},
        {"feature": "crest_db", "aggregate": "min", "frames": 21, "ahead": 10, "above": 6.922, "softness": 0.466},
        {"feature": "above_background_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 3.0, "softness": 2}
      ],
      "detector": {"on": 0.4, "off": 0.35, "min_duration": 0.575, "max_duration": 30, "merge_gap": 0.25}
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
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 3.0, "softness": 2}
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
        {"feature": "band_mid_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 3.0, "softness": 2}
      ],
      "detector": {"on": 0.55, "off": 0.35, "min_duration": 0.12, "max_duration": 5, "merge_gap": 0.05}
    },
    {
      "class": "whistle", "id": 6,
      "about": "A pea whistle (induced, then tuned): the 2-5 kHz band holds nearly all the energy, a strong spectral line, an autocorrelation pitch above 1.1 kHz (a multiple of the whistle's period) and harmonic; at least 0.1 s. Bird chirps are shorter and sweep. It must also stand above the high band's background.",
      "when": [
        {"feature": "band_high_ratio_db", "aggregate": "max", "frames": 21, "ahead": 10, "above": -3.232, "softness": 0.187},
        {"feature": "tonality_db", "aggregate": "mean", "frames": 11, "ahead": 5, "above": 36.653, "softness": 3.464},
        {"feature": "pitch_hz", "aggregate": "mean", "frames": 41, "ahead": 20, "above": 1092.946, "softness": 129.65},
        {"feature": "band_high_ratio_db", "aggregate": "mean", "frames": 5, "ahead": 2, "above": -4.8, "softness": 0.525},
        {"feature": "harmonicity", "aggregate": "mean", "frames": 41, "ahead": 20, "above": 0.635, "softness": 0.04},
        {"feature": "band_mid_ratio_db", "aggregate": "max", "frames": 41, "ahead": 20, "below": -1.287, "softness": 3.945},
        {"feature": "band_high_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 3.0, "softness": 2}
      ],
      "detector": {"on": 0.4, "off": 0.35, "min_duration": 0.1, "max_duration": 5, "merge_gap": 0.05}
    },
    {
      "class": "aerosol_spray", "id": 7,
      "about": "Hiss (induced, then tuned): the roll-off stays above 5.6 kHz, the top band holds a large share, many zero crossings, not impulsive; at least 0.55 s. Rain is a steady part of the background; a grinder's sparks are impulsive. It must also stand above the top band's background (a steady hiss, a fan, is background).",
      "when": [
        {"feature": "rolloff_hz", "aggregate": "min", "frames": 5, "ahead": 2, "above": 5618.75, "softness": 150.0},
        {"feature": "crest_db", "aggregate": "mean", "frames": 41, "ahead": 20, "below": 10.391, "softness": 0.152},
        {"feature": "zcr", "aggregate": "mean", "frames": 41, "ahead": 20, "above": 0.259, "softness": 0.052},
        {"feature": "band_top_ratio_db", "aggregate": "min", "frames": 11, "ahead": 5, "above": -16.128, "softness": 1.313},
        {"feature": "band_top_above_db", "aggregate": "mean", "frames": 21, "ahead": 10, "above": 3.0, "softness": 2}
      ],
      "detector": {"on": 0.4, "off": 0.35, "min_duration": 0.55, "max_duration": 10, "merge_gap": 0.15}
    },
    {
      "class": "crackling", "id": 8,
      "about": "A train of clicks (induced, then tuned): within 0.4 s a flux spike, a wide spectrum, the top band far above its background, flatness peaking (clicks) while the zero-crossing rate stays below a hiss's; at least 0.575 s.",
      "when": [
        {"feature": "flux_db", "aggregate": "max", "frames": 41, "ahead": 20, "above": 5.596, "softness": 1.489},
        {"feature": "bandwidth_hz", "aggregate": "max", "frames": 41, "ahead": 20, "above": 2216.501, "softness": 59.285},
        {"feature": "band_top_above_db", "aggregate": "max", "frames": 41, "ahead": 20, "above": 16.308, "softness": 5.499},
        {"feature": "zcr", "aggregate": "max", "frames": 41, "ahead": 20, "below": 0.545, "softness": 0.051},
        {"feature": "flatness", "aggregate": "max", "frames": 41, "ahead": 20, "above": 0.752, "softness": 0.014},
        {"feature": "band_top_above_db", "aggregate": "max", "frames": 11, "ahead": 5, "above": 12.527, "softness": 5.755}
      ],
      "detector": {"on": 0.55, "off": 0.35, "min_duration": 0.575, "max_duration": 30, "merge_gap": 0.3}
    }
  ]
}
"""#
}
