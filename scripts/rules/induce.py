#!/usr/bin/env python3
"""Proposes a rule per class from labelled frames: a greedy conjunction of
threshold conditions on windowed descriptors (rule induction), written as a
normal, readable rules file that `tune.py` can refine and a person can audit.

    induce.py OUT.json [--splits train validation] [--keep 0.97] [--terms 6]

For each class: positives are the frames inside its events, negatives every
other frame. Each step adds the condition (descriptor, aggregate, window,
direction) whose threshold keeps `keep` of the remaining positives and removes
the most remaining negatives, until `terms` conditions or no negatives are left.
Windows are centred (ahead = frames // 2), as the detector evaluates them.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analyze  # noqa: E402

DESCRIPTORS = ["level_dba", "centroid_hz", "bandwidth_hz", "flatness", "rolloff_hz", "flux_db", "crest_db", "zcr",
               "tonality_db", "pitch_hz", "harmonicity", "band_low_ratio_db", "band_mid_ratio_db", "band_high_ratio_db",
               "band_top_ratio_db", "above_background_db", "band_low_above_db", "band_mid_above_db",
               "band_high_above_db", "band_top_above_db", "band_low_tonality_db", "band_mid_tonality_db",
               "band_high_tonality_db", "band_top_tonality_db", "band_low_peak_hz", "band_mid_peak_hz", "band_high_peak_hz",
               "band_top_peak_hz"]
WINDOWS = [5, 11, 21, 41]
AGGREGATES = ["mean", "max", "min", "range"]

# Detector settings per class, from the physics of each source (durations, gaps).
DETECTOR = {
    "gunshot": {"on": 0.5, "off": 0.35, "min_duration": 0.03, "max_duration": 1.5, "merge_gap": 0.2, "refractory": 0.1},
    "scream": {"on": 0.5, "off": 0.35, "min_duration": 0.25, "max_duration": 5, "merge_gap": 0.15},
    "drill": {"on": 0.5, "off": 0.35, "min_duration": 0.4, "max_duration": 30, "merge_gap": 0.25},
    "angle_grinder": {"on": 0.5, "off": 0.35, "min_duration": 0.4, "max_duration": 30, "merge_gap": 0.25},
    "car_horn": {"on": 0.5, "off": 0.35, "min_duration": 0.12, "max_duration": 5, "merge_gap": 0.05},
    "whistle": {"on": 0.5, "off": 0.35, "min_duration": 0.1, "max_duration": 5, "merge_gap": 0.05},
    "aerosol_spray": {"on": 0.5, "off": 0.35, "min_duration": 0.3, "max_duration": 10, "merge_gap": 0.15},
    "crackling": {"on": 0.5, "off": 0.35, "min_duration": 0.5, "max_duration": 30, "merge_gap": 0.3},
}


def windowed(x, frames, aggregate):
    """The detector's centred windows, cut at the clip's ends."""
    n = len(x)
    ahead = frames // 2
    ends = np.minimum(np.arange(n) + ahead, n - 1)
    starts = np.maximum(np.arange(n) + ahead - frames + 1, 0)
    if aggregate == "mean":
        c = np.concatenate([[0.0], np.cumsum(x)])
        return (c[ends + 1] - c[starts]) / (ends - starts + 1)
    if aggregate == "range":
        return windowed(x, frames, "max") - windowed(x, frames, "min")
    from scipy.ndimage import maximum_filter1d, minimum_filter1d
    # A window [e - frames//2, e + ahead] of odd length is centred; nearest padding = cutting for max/min.
    f = maximum_filter1d if aggregate == "max" else minimum_filter1d
    return f(x, size=frames, mode="nearest", origin=-(ahead - frames // 2) if frames % 2 == 0 else 0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--splits", nargs="+", default=["train", "validation"])
    p.add_argument("--keep", type=float, default=0.97)
    p.add_argument("--terms", type=int, default=6)
    p.add_argument("--tympan", default=str(analyze.ROOT / ".build/release/tympan"))
    args = p.parse_args()

    columns, labels_all, names = [], [], None
    keys = [(d, a, w) for d in DESCRIPTORS for a in AGGREGATES for w in WINDOWS]
    for split in args.splits:
        names, features, labels = analyze.load(split, args.tympan)
        for f, x in features.items():
            k = [names.index(d) for d in DESCRIPTORS]
            cols = np.stack([windowed(x[:, names.index(d)].astype(np.float64), w, a) for d, a, w in keys], axis=1)
            columns.append(cols.astype(np.float32))
            cls = analyze.frame_classes(len(x), labels[f])
            labels_all.append(cls)
    A = np.concatenate(columns)
    y = np.concatenate(labels_all)
    print(f"{len(y)} frames, {A.shape[1]} candidate columns", file=sys.stderr)

    classes = []
    for c in DETECTOR:
        pos = A[y == c]
        neg = A[y != c]
        rng = np.random.default_rng(0)
        if len(neg) > 200_000:
            neg = neg[rng.choice(len(neg), 200_000, replace=False)]
        terms = []
        for _ in range(args.terms):
            best = None
            for j, (d, a, w) in enumerate(keys):
                for direction in ("above", "below"):
                    q = 1 - args.keep if direction == "above" else args.keep
                    t = float(np.quantile(pos[:, j], q))
                    removed = np.count_nonzero(neg[:, j] < t) if direction == "above" else np.count_nonzero(neg[:, j] > t)
                    if best is None or removed > best[0]:
                        best = (removed, j, direction, t)
            removed, j, direction, t = best
            if removed == 0:
                break
            d, a, w = keys[j]
            spread = float(np.subtract(*np.percentile(pos[:, j], [75, 25]))) or 1.0
            terms.append({"feature": d, "aggregate": a, "frames": w, "ahead": w // 2, direction: round(t, 3),
                          "softness": round(0.3 * abs(spread), 3)})
            keep_pos = pos[:, j] >= t if direction == "above" else pos[:, j] <= t
            keep_neg = neg[:, j] >= t if direction == "above" else neg[:, j] <= t
            pos, neg = pos[keep_pos], neg[keep_neg]
            print(f"{c}: + {a}({d}, {w}) {direction} {t:.3g}: positives left {len(pos)}, negatives left {len(neg)}",
                  file=sys.stderr)
            if len(neg) == 0:
                break
        classes.append({"class": c, "when": terms, "detector": DETECTOR[c]})
    rules = {"format": "tympan-rules", "version": 1, "about": "induced by scripts/rules/induce.py", "classes": classes}
    Path(args.out).write_text(json.dumps(rules, indent=1) + "\n")


if __name__ == "__main__":
    main()
