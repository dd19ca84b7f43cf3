#!/usr/bin/env python3
"""Fits a weighted rule per class: boosted small trees on windowed
descriptors, rewritten exactly as a normal rules file (`"combine": "weighted"`)
in which every term is one readable condition, or a group of two that must
both hold, with the evidence it adds.

    boost.py OUT.json [--fit train ...] [--tune validation] [--refit SPLIT ...]
                      [--terms 150] [--classes ...] [--keep RULES.json] [--start RULES.json]

For each class, positives are the frames inside its events (for gunshots, the
first frames of each shot) and negatives a sample of eight times as many other
frames. scikit-learn's histogram gradient boosting with trees of depth 2 and 3
leaves gives an additive model; a tree is rewritten as a base plus weighted
terms ("x above t": the right side's base minus the left's; the terms under a
side gain that side's condition), the bases go into the bias and equal terms
are merged. The class score is then the logistic of the sum, exactly what the
classifier computes (checked on a sample of frames).

Then the detector settings (on, off, minimum duration, merge gap, onset
refinement, suppression by another class, holding over a dip) are chosen
per class by a grid search on the --tune split(s) with the real `tympan
detect`, maximising event F1 (onset collar 200 ms) minus a penalty per
background-only clip where the class fired. With --keep, a class keeps the
rule of that file when it scores better there (the hand-made gunshot rule,
say). With --refit, the terms are finally fitted again on more data (train
and validation) with the settings chosen on held-out data.
"""
import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analyze  # noqa: E402
import induce  # noqa: E402
import tune  # noqa: E402

AGGREGATES = ["mean", "max", "min", "range"]
WINDOWS = [5, 11, 21, 41]
# Absolute levels move with the microphone's calibration and the street's
# loudness: of level_dba only its range over a window (a relative figure) is used.
KEYS = [(d, a, w) for d in induce.DESCRIPTORS for a, w in [("value", 1)] + [(a, w) for a in AGGREGATES for w in WINDOWS]
        if d != "level_dba" or a == "range"]


def columns(x, names):
    out = []
    for d, a, w in KEYS:
        v = x[:, names.index(d)].astype(np.float64)
        out.append(v if a == "value" else induce.windowed(v, w, a))
    return np.stack(out, axis=1).astype(np.float32)


def frames(splits, tympan):
    X, y = [], []
    for split in splits:
        names, features, labels = analyze.load(split, tympan)
        for f, x in features.items():
            X.append(columns(x, names))
            y.append(analyze.frame_classes(len(x), labels[f]))
    return np.concatenate(X), np.concatenate(y)


def split_point(threshold):
    """The model sends a (float32) value x right when x > t. The rules say
    "above" for x >= threshold and "below" for x <= threshold, so the
    threshold written is halfway between t and the next float32: no float32
    value falls on it, and both sides agree with the model exactly."""
    t = np.float32(threshold)
    return (float(t) + float(np.nextafter(t, np.float32(np.inf)))) / 2


def expand(nodes, k):
    """A tree below node k as (base, [(weight, conditions)]) with
    f(x) = base + sum of weight * [all conditions hold]; a condition is
    (column, "above" | "below", threshold). A split "x > t goes right" gives
    f = f_left + [x > t] (base_right - base_left), and the terms of each
    side with the side's condition added."""
    node = nodes[k]
    if node["is_leaf"]:
        return float(node["value"]), []
    j, t = int(node["feature_idx"]), split_point(node["num_threshold"])
    base_left, left = expand(nodes, node["left"])
    base_right, right = expand(nodes, node["right"])
    terms = [(base_right - base_left, ((j, "above", t),))]
    terms += [(w, ((j, "below", t),) + c) for w, c in left]
    terms += [(w, ((j, "above", t),) + c) for w, c in right]
    return base_left, terms


def additive(model):
    """The fitted trees as (bias, {conditions: weight}), equal terms merged."""
    bias = float(np.ravel(model._baseline_prediction)[0])
    terms = {}
    for (predictor,) in model._predictors:
        base, parts = expand(predictor.nodes, 0)
        bias += base
        for w, conditions in parts:
            key = tuple(sorted(conditions))
            terms[key] = terms.get(key, 0.0) + w
    return bias, terms


def condition(j, direction, t):
    d, a, f = KEYS[j]
    out = {"feature": d}
    if a != "value":
        out.update({"aggregate": a, "frames": f, "ahead": f // 2})
    out[direction] = t  # written exactly (repr): see split_point
    return out


def rule_for(c, X, y, count, rng, most=None):
    """Class c's weighted rule fitted on frames X with frame labels y (count rounds);
    with `most`, at most that many positive frames, drawn at random (neighbouring
    frames are near copies: a sample fits as well, faster)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    inside = y == c
    if c in ONSET_ONLY:
        # An impulse is its onset: positives are the first frames of each event,
        # and the rest of the event (the decaying tail) is left out.
        starts = np.flatnonzero(inside & ~np.concatenate([[False], inside[:-1]]))
        head = np.zeros(len(y), bool)
        for k in range(ONSET_ONLY[c]):
            head[np.minimum(starts + k, len(y) - 1)] = True
        positive = np.flatnonzero(head & inside)
    else:
        positive = np.flatnonzero(inside)
    if most and len(positive) > most:
        positive = np.sort(rng.choice(positive, most, replace=False))
    negative = np.flatnonzero(~inside)
    if len(negative) > 8 * len(positive):
        negative = rng.choice(negative, 8 * len(positive), replace=False)
    rows = np.concatenate([positive, negative])
    target = np.concatenate([np.ones(len(positive)), np.zeros(len(negative))])
    model = HistGradientBoostingClassifier(max_depth=DEPTH, max_leaf_nodes=LEAVES, max_iter=count, learning_rate=0.15,
                                           min_samples_leaf=MIN_LEAF, l2_regularization=L2,
                                           early_stopping=False, random_state=0)
    model.fit(X[rows], target)
    bias, terms = additive(model)
    # The rule must compute what the model computes (ties at a threshold aside).
    sample = X[rows[:: max(1, len(rows) // 5000)]].astype(np.float64)
    z = np.full(len(sample), bias)
    for conditions, w in terms.items():
        held = np.ones(len(sample), bool)
        for j, direction, t in conditions:
            held &= sample[:, j] >= t if direction == "above" else sample[:, j] <= t
        z += w * held
    mismatch = np.mean(np.abs(z - model.decision_function(sample)) > 1e-4)
    print(f"{c}: rule and model differ on {100 * mismatch:.2f} % of sampled frames", file=sys.stderr)
    when = []
    for conditions, w in sorted(terms.items(), key=lambda kv: -abs(kv[1])):
        if abs(w) < 1e-3:
            continue
        if len(conditions) == 1:
            when.append({**condition(*conditions[0]), "weight": round(w, 4)})
        else:
            when.append({"all": [condition(*c) for c in conditions], "weight": round(w, 4)})
    return {"class": c, "combine": "weighted", "bias": round(bias, 4), "when": when,
            "detector": dict(induce.DETECTOR[c])}


# Trees of depth 2 with 3 leaves: a term is one condition or two that must both hold.
DEPTH, LEAVES = 2, 3
# Regularisation: no leaf on fewer than 500 frames, and an L2 penalty on leaf
# values, so that no term carries a huge weight that another must cancel.
MIN_LEAF, L2 = 500, 10.0
# Classes whose positives are only the first frames of each event (frames).
ONSET_ONLY = {"gunshot": 6}
GRID = {"on": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98], "gap": [0.1, 0.2, 0.35], "min_duration": [0.05, 0.1, 0.2, 0.3, 0.5],
        "merge_gap": [0.0, 0.05, 0.1, 0.2, 0.3],
        # (onset_above, onset_lookback[, onset_within])
        "onset": [None, (3, 0.3), (6, 0.3), (10, 0.3), (3, 0.6), (6, 0.6), (10, 0.6), (3, 0.6, 10), (6, 0.6, 10), (3, 1.0, 10)],
        "within": [None, 6, 10, 15],
        "suppress": [(c, a) for c in induce.DETECTOR for a in (None, 0.3, 0.6)],
        # (onset_above for a class that has no onset feature yet, hold in seconds)
        "hold": [(a, h) for h in (0.3, 1, 2, 4) for a in (10, 16)]}
# The band where each class lives: its onset reaches back while that band stands above its background.
ONSET = {"gunshot": "above_background_db", "scream": "band_mid_above_db", "drill": "band_low_above_db",
         "angle_grinder": "band_high_above_db", "car_horn": "band_mid_above_db", "whistle": "band_high_above_db",
         "aerosol_spray": "band_top_above_db", "crackling": "band_top_above_db"}


STEPS = ["on", "gap", "min_duration", "merge_gap", "onset", "on", "gap", "suppress", "hold", "within"]


def tune_detector(rules, splits, tympan, steps=STEPS):
    files, reference = tune.labelled(splits)
    best = tune.evaluate(rules, splits, tympan, files, reference)
    print("start", {c: round(v[1], 3) for c, v in best.items()}, file=sys.stderr)
    for key in steps:
        for value in GRID[key]:
            trial = copy.deepcopy(rules)
            for rule in trial["classes"]:
                d = rule["detector"]
                if key == "suppress":
                    # Silenced while another class sounds (a grinder's sparks hiss like a spray):
                    # by its hysteresis (above None) or while its score is at least `above`.
                    other, above = value
                    if other != rule["class"]:  # added, or in place of the same class's other threshold
                        kept = [x for x in d.get("suppressed_by", []) if (x if isinstance(x, str) else x["class"]) != other]
                        d["suppressed_by"] = kept + [other if above is None else {"class": other, "above": above}]
                elif key == "onset":
                    for k in ("onset_feature", "onset_above", "onset_lookback", "onset_within", "hold"):
                        d.pop(k, None)
                    if value is not None:
                        d.update({"onset_feature": ONSET[rule["class"]], "onset_above": value[0], "onset_lookback": value[1]})
                        if len(value) > 2:
                            d["onset_within"] = value[2]
                elif key == "within":
                    # The onset stops moving back where the feature falls this far below its trigger value.
                    if d.get("onset_lookback", 0) > 0:
                        d.pop("onset_within", None)
                        if value is not None:
                            d["onset_within"] = value
                elif key == "hold":
                    # Held over a dip in the score while the class's band stays up: one event, not two.
                    above, hold = value
                    if "onset_feature" not in d:
                        d.update({"onset_feature": ONSET[rule["class"]], "onset_above": above, "onset_lookback": 0})
                    d["hold"] = hold
                elif key == "gap":
                    d["off"] = round(max(0.05, d["on"] - value), 3)
                else:
                    d[key] = value
                    d["off"] = min(d["off"], d["on"])
            scores = tune.evaluate(trial, splits, tympan, files, reference)
            for i, rule in enumerate(trial["classes"]):
                c = rule["class"]
                if scores[c][0] > best[c][0] + 1e-9:
                    rules["classes"][i] = rule
                    best[c] = scores[c]
        print(key, {c: round(v[1], 3) for c, v in best.items()}, file=sys.stderr)
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--fit", nargs="+", default=["train"], help="splits the terms are fitted on")
    p.add_argument("--tune", nargs="+", default=["validation"], help="splits the detector settings are chosen on")
    p.add_argument("--refit", nargs="+", help="at the end, fit the terms again on these splits, keeping the settings")
    p.add_argument("--start", help="skip fitting: tune the detector settings of this weighted rules file")
    p.add_argument("--terms", type=int, default=150, help="boosting rounds per class")
    p.add_argument("--classes", nargs="+", default=list(induce.DETECTOR))
    p.add_argument("--keep", help="a rules file whose class rule stays where it scores better on --tune")
    p.add_argument("--steps", nargs="+", default=STEPS, choices=sorted(set(STEPS)),
                   help="the detector settings searched, in order (default: all)")
    p.add_argument("--tympan", default=str(analyze.ROOT / ".build/release/tympan"))
    args = p.parse_args()
    rng = np.random.default_rng(0)

    def fitted(splits, previous=None):
        X, y = frames(splits, args.tympan)
        print(f"{len(y)} frames, {X.shape[1]} columns", file=sys.stderr)
        out = []
        for c in args.classes:
            rule = rule_for(c, X, y, args.terms, rng)
            if previous:
                rule["detector"] = next(r for r in previous if r["class"] == c)["detector"]
            out.append(rule)
            print(f"{c}: {len(rule['when'])} terms", file=sys.stderr)
        return out

    if args.start:
        rules = json.loads(Path(args.start).read_text())
    else:
        rules = {"format": "tympan-rules", "version": 1, "classes": fitted(args.fit)}
    if args.start:  # the terms are those of the file: say what was searched again
        rules["about"] = rules.get("about", "").rstrip(".") + f"; then {', '.join(dict.fromkeys(args.steps))} chosen on {'+'.join(args.tune)}"
    else:
        rules["about"] = (f"Boosted trees of depth 2 (scripts/rules/boost.py), fitted on {'+'.join(args.refit or args.fit)}, "
                          f"detector settings chosen on {'+'.join(args.tune)}")
    best = tune_detector(rules, args.tune, args.tympan, args.steps)
    if args.keep:
        kept = json.loads(Path(args.keep).read_text())
        files, reference = tune.labelled(args.tune)
        old = tune.evaluate(kept, args.tune, args.tympan, files, reference)
        for i, rule in enumerate(rules["classes"]):
            c = rule["class"]
            if c in old and old[c][0] > best[c][0]:
                rules["classes"][i] = next(r for r in kept["classes"] if r["class"] == c)
                print(f"{c}: kept ({old[c][1]:.3f} against {best[c][1]:.3f})", file=sys.stderr)
                best[c] = old[c]
    print({c: (round(v[1], 3), v[2]) for c, v in best.items()})
    if args.refit:
        kept_classes = {r["class"] for r in rules["classes"] if r.get("combine") != "weighted"}
        refitted = {r["class"]: r for r in fitted(args.refit, rules["classes"])}
        rules["classes"] = [r if r["class"] in kept_classes else refitted[r["class"]] for r in rules["classes"]]
    Path(args.out).write_text(json.dumps(rules, indent=1) + "\n")


if __name__ == "__main__":
    main()
