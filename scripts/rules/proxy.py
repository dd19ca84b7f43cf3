#!/usr/bin/env python3
"""A quick frame-level stand-in for `make loso`, for comparing ways of
fitting (about 10 minutes a variant instead of 30, no detector in the loop):

    proxy.py DIR NAME[:JSON] ...      e.g.  proxy.py /tmp/loso base 'neg30:{"neg": 30}'

DIR is the --out folder of a `loso.py --fit` run (its training pool, pool.pkl).
The sources are split into five groups, each around a source of long background
recordings (fillets-ng, megaglest-data, hedgewars-data, qabcs-data, and
scorched3d-data with cube2-data), the other sources dealt out by size. For each
group and each class with real clips, boost.py's model is fitted on the
synthetic `train` split plus the pool's material of the other groups; the
threshold is the score that the group's own background excerpts exceed in a
fraction RATE of their frames (1e-3 by default); an event of the group counts as
found when its highest frame score over its labelled span reaches it. Prints,
per variant, the share of events found per class and their mean.

Variant settings (JSON): rounds, depth, leaves, neg (negatives per positive),
most (positives at most), min_leaf, synthetic (false: no synthetic frames), rate,
windows (more centred windows, in frames, for every descriptor but the absolute
level: their mean, max, min and range are added to boost.py's columns),
spectral (a list of "cepstra": the 12 cepstral coefficients 1..12 of the 64
log-mel bands, an orthonormal DCT-II, with their means over 11 and 41 frames and
range over 41; "shape": 16 groups of 4 mel bands less the frame's mean, with
their means over 11 and 41 frames: the spectral envelope, whatever the gain).
The threshold uses the held-out group's unlabelled backgrounds, as a sensor
could learn its site's background; the figure ranks fits, it is not an event F1.
"""
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import boost  # noqa: E402
import loso  # noqa: E402

REAL_CLASSES = ["gunshot", "scream", "car_horn", "whistle", "aerosol_spray", "crackling"]
ANCHORS = [["fillets-ng"], ["megaglest-data"], ["hedgewars-data"], ["qabcs-data"], ["scorched3d-data", "cube2-data"]]


def groups():
    events, _ = loso.corpus()
    size = {}
    for _, _, source, _ in events:
        size[source] = size.get(source, 0) + 1
    out = [set(a) for a in ANCHORS]
    rest = sorted((s for s in size if not any(s in a for a in ANCHORS)), key=lambda s: (-size[s], s))
    for i, source in enumerate(rest):
        out[i % len(out)].add(source)
    return out


def fit(c, X, y, rng, rounds, depth, leaves, neg, most, min_leaf):
    from sklearn.ensemble import HistGradientBoostingClassifier
    inside = y == c
    if c in boost.ONSET_ONLY:
        starts = np.flatnonzero(inside & ~np.concatenate([[False], inside[:-1]]))
        head = np.zeros(len(y), bool)
        for k in range(boost.ONSET_ONLY[c]):
            head[np.minimum(starts + k, len(y) - 1)] = True
        positive = np.flatnonzero(head & inside)
    else:
        positive = np.flatnonzero(inside)
    if len(positive) > most:
        positive = rng.choice(positive, most, replace=False)
    negative = np.flatnonzero(~inside)
    if len(negative) > neg * len(positive):
        negative = rng.choice(negative, neg * len(positive), replace=False)
    rows = np.concatenate([positive, negative])
    target = np.concatenate([np.ones(len(positive)), np.zeros(len(negative))])
    model = HistGradientBoostingClassifier(max_depth=depth, max_leaf_nodes=leaves, max_iter=rounds, learning_rate=0.15,
                                           min_samples_leaf=min_leaf, l2_regularization=boost.L2, early_stopping=False,
                                           random_state=0)
    return model.fit(X[rows], target)


def widened(columns, windows):
    """boost.py's columns of one clip, with the mean, max, min and range over
    each of `windows` (centred) of every descriptor whose value is a column."""
    if not windows:
        return columns
    extra = []
    for d, a, _ in boost.KEYS:
        if a != "value":
            continue
        v = columns[:, boost.KEYS.index((d, "value", 1))].astype(np.float64)
        extra += [common.windowed(v, w, g) for w in windows for g in boost.AGGREGATES]
    return np.concatenate([columns, np.stack(extra, axis=1).astype(np.float32)], axis=1)


def spectral_columns(x, kinds):
    """Columns of the spectral envelope from a clip's features x (64 log-mel
    bands first): see the module's text, "spectral"."""
    mel = x[:, :64].astype(np.float64)
    out = []
    if "cepstra" in kinds:
        k, i = np.arange(1, 13)[:, None], np.arange(64)[None, :]
        cepstra = mel @ (np.cos(np.pi * k * (2 * i + 1) / 128) * np.sqrt(2 / 64)).T
        for v in cepstra.T:
            out += [v, common.windowed(v, 11, "mean"), common.windowed(v, 41, "mean"), common.windowed(v, 41, "range")]
    if "shape" in kinds:
        groups = mel.reshape(len(mel), 16, 4).mean(2)
        for v in (groups - groups.mean(1, keepdims=True)).T:
            out += [v, common.windowed(v, 11, "mean"), common.windowed(v, 41, "mean")]
    return np.stack(out, axis=1).astype(np.float32)


def run(pool, synthetic_clips, parts, name, rounds=100, depth=2, leaves=3, neg=8, most=6000, min_leaf=500,
        synthetic=True, rate=1e-3, windows=(), spectral=()):
    started = time.time()
    rng = np.random.default_rng(0)
    found = {c: [0, 0] for c in REAL_CLASSES}
    columns = {id(p): widened(p[2], windows) for p in pool}
    synthetic_X = [widened(x, windows) for x, _, _ in synthetic_clips]
    if spectral:
        tympan = str(loso.ROOT / ".build/release/tympan")
        for p in pool:
            columns[id(p)] = np.concatenate([columns[id(p)], spectral_columns(loso.features(tympan, p[4]), spectral)], axis=1)
        synthetic_X = [np.concatenate([c, spectral_columns(raw, spectral)], axis=1)
                       for c, (_, _, raw) in zip(synthetic_X, synthetic_clips)]
    synthetic_X = np.concatenate(synthetic_X)
    synthetic_y = np.concatenate([y for _, y, _ in synthetic_clips])
    for group in parts:
        keep = [p for p in pool if not p[0] & group and p[1] not in group]
        X = np.concatenate(([synthetic_X] if synthetic else []) + [columns[id(p)] for p in keep])
        y = np.concatenate(([synthetic_y] if synthetic else []) + [p[3] for p in keep])
        test = [p for p in pool if p[0] and p[0] <= group]
        quiet = [p for p in pool if not p[0] and p[1] in group]
        for c in REAL_CLASSES:
            if not (y == c).any() or not any(label == c for p in test for _, _, label in p[5]):
                continue
            model = fit(c, X, y, rng, rounds, depth, leaves, neg, most, min_leaf)
            threshold = np.quantile(np.concatenate([model.decision_function(columns[id(p)]) for p in quiet]), 1 - rate)
            for p in test:
                score = model.decision_function(columns[id(p)])
                for a, z, label in p[5]:
                    if label == c:
                        i, j = int(a * 100), max(int(a * 100) + 1, int(z * 100))
                        found[c][1] += 1
                        found[c][0] += int(i < len(score) and score[i:j].max() >= threshold)
    share = {c: round(f / n, 3) for c, (f, n) in found.items() if n}
    print(json.dumps({"variant": name, "mean": round(float(np.mean(list(share.values()))), 3), "found": share,
                      "seconds": round(time.time() - started)}), flush=True)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cache = Path(sys.argv[1]) / "training" / "pool.pkl"
    if not cache.exists():
        sys.exit(f"proxy.py: no training pool at {cache}: run `make loso OUT_LOSO={sys.argv[1]}` first")
    pool = pickle.loads(cache.read_bytes())[0]
    names, features, labels = common.load("train", str(loso.ROOT / ".build/release/tympan"))
    synthetic_clips = [(boost.columns(x, names), common.frame_classes(len(x), labels[f]), x) for f, x in features.items()]
    parts = groups()
    print("groups:", [sorted(g) for g in parts], flush=True)
    for spec in sys.argv[2:]:
        name, settings = spec.split(":", 1) if ":" in spec else (spec, "{}")
        run(pool, synthetic_clips, parts, name, **json.loads(settings))


if __name__ == "__main__":
    main()
