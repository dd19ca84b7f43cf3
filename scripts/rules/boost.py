"""The model of the rule fit (`loso.py --fit`, `make rules`, `make loso`):
boosted small trees on windowed descriptors, rewritten exactly as a normal
rules file (`"combine": "weighted"`) in which every term is one readable
condition, or a group of two that must both hold, with the evidence it adds.

For each class, positives are the frames inside its events (for gunshots, the
first frames of each shot) and negatives a sample of eight times as many other
frames. scikit-learn's histogram gradient boosting with trees of depth 2 and 3
leaves gives an additive model; a tree is rewritten as a base plus weighted
terms ("x above t": the right side's base minus the left's; the terms under a
side gain that side's condition), the bases go into the bias and equal terms
are merged. The class score is then the logistic of the sum, exactly what the
classifier computes (checked on a sample of frames). The detector settings
are chosen by `tympan calibrate` (loso.py), not here.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import AGGREGATES, WINDOWS  # noqa: E402


def keys():
    """The fit's columns (descriptor, aggregate, window), made the first time
    they are used from the descriptors the binary prints. Absolute levels move
    with the microphone's calibration and the street's loudness: of level_dba
    only its range over a window (a relative figure) is used."""
    if "KEYS" not in globals():
        globals()["KEYS"] = [(d, a, w) for d in common.DESCRIPTORS
                             for a, w in [("value", 1)] + [(a, w) for a in AGGREGATES for w in WINDOWS]
                             if d != "level_dba" or a == "range"]
    return globals()["KEYS"]


def __getattr__(name):
    """boost.KEYS, as keys() makes them."""
    if name == "KEYS":
        return keys()
    raise AttributeError(f"module 'boost' has no attribute {name!r}")


def columns(x, names):
    out = []
    for d, a, w in keys():
        v = x[:, names.index(d)].astype(np.float64)
        out.append(v if a == "value" else common.windowed(v, w, a))
    return np.stack(out, axis=1).astype(np.float32)


def frames(splits, tympan):
    X, y = [], []
    for split in splits:
        names, features, labels = common.load(split, tympan)
        for f, x in features.items():
            X.append(columns(x, names))
            y.append(common.frame_classes(len(x), labels[f]))
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
    d, a, f = keys()[j]
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
            "detector": dict(common.DETECTOR[c])}


# Trees of depth 2 with 3 leaves: a term is one condition or two that must both hold.
DEPTH, LEAVES = 2, 3
# Regularisation: no leaf on fewer than 500 frames, and an L2 penalty on leaf
# values, so that no term carries a huge weight that another must cancel.
MIN_LEAF, L2 = 500, 10.0
# Classes whose positives are only the first frames of each event (frames).
ONSET_ONLY = {"gunshot": 6}
