#!/usr/bin/env python3
"""An experiment beside proxy.py: does an event-level second stage (a small
boosted model on descriptors pooled over each candidate's span) rank held-out
sources' events above their backgrounds better than the frame model's highest
score over the span? (About 20 minutes.)

    stage2.py DIR [ROUNDS]        DIR: the --out folder of a `make loso` run

Groups as proxy.py. For each held-out group G and class c:
  - stage 1: proxy.fit on synthetic + pool outside G; candidates on G's event
    mixtures and G's background excerpts are runs of frames whose score passes
    the score G's backgrounds exceed in 1% of frames (gaps of <= 10 frames merged);
  - stage 2 is trained on candidates of the other groups H, each scored by a
    stage-1 model fitted without G and without H (cross-fitted, so that its
    candidates look like held-out ones); positive = overlaps a label of c;
  - pooled features of a candidate: each descriptor's mean, max, min and
    standard deviation over the span, its mean less that of the second before and
    of the half second after, the span's length, and stage 1's maximum, mean and
    where the maximum falls;
  - found@k: share of G's events of c with a candidate overlapping their span
    whose score passes the (k+1)-th highest score among G's background
    candidates (k false alarms allowed in G's backgrounds), for s1 (stage 1's
    maximum), s2 (stage 2), s2 only for classes whose stage 2 had at least 50
    positive candidates to learn from (s1 otherwise), and z(s1) + z(s2) (each
    standardised on G's background candidates).
Prints a line per group and class, then the shares per class and their mean
over the five classes with events in several groups (the spray's 6 events are
left out of the mean).
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
import proxy  # noqa: E402

VALUE = [boost.KEYS.index((d, "value", 1)) for d, a, w in boost.KEYS if a == "value"]
VALUE_NAMES = [d for d, a, w in boost.KEYS if a == "value"]


def runs(score, threshold, gap=10):
    above = np.flatnonzero(score >= threshold)
    if not len(above):
        return []
    out, start, last = [], above[0], above[0]
    for i in above[1:]:
        if i - last > gap + 1:
            out.append((start, last + 1))
            start = i
        last = i
    out.append((start, last + 1))
    return out


def pooled(cols, score, i, j):
    v = cols[:, VALUE].astype(np.float64)
    span = v[i:j]
    before = v[max(0, i - 100):i] if i > 0 else v[i:i + 1]
    after = v[j:j + 50] if j < len(v) else v[j - 1:j]
    f = [span.mean(0), span.max(0), span.min(0), span.std(0), span.mean(0) - before.mean(0),
         span.mean(0) - after.mean(0)]
    s = score[i:j]
    return np.concatenate(f + [[j - i, s.max(), s.mean(), (np.argmax(s)) / max(1, j - i)]])


def candidates(items, scores, threshold, c):
    rows, labels, owners, peak = [], [], [], []
    for p, score in zip(items, scores):
        spans = [(int(a * 100), max(int(a * 100) + 1, int(z * 100))) for a, z, label in p[5] if label == c]
        for i, j in runs(score, threshold):
            rows.append(pooled(p[2], score, i, j))
            hit = [k for k, (a, z) in enumerate(spans) if i < z and a < j]
            labels.append(1 if hit else 0)
            owners.append((id(p), tuple(hit)))
            peak.append(score[i:j].max())
    return rows, labels, owners, peak


def member(p, group):
    return (p[0] and p[0] <= group) or (not p[0] and p[1] in group)


def main():
    folder = Path(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    pool = pickle.loads((folder / "training" / "pool.pkl").read_bytes())[0]
    names, features, labels = common.load("train", str(loso.ROOT / ".build/release/tympan"))
    synthetic = [(boost.columns(x, names), common.frame_classes(len(x), labels[f])) for f, x in features.items()]
    SX = np.concatenate([x for x, _ in synthetic])
    Sy = np.concatenate([y for _, y in synthetic])
    parts = proxy.groups()
    rng = np.random.default_rng(0)
    from sklearn.ensemble import HistGradientBoostingClassifier
    totals = {}
    started = time.time()
    for g, G in enumerate(parts):
        outside = [p for p in pool if not p[0] & G and p[1] not in G]
        test = [p for p in pool if p[0] and p[0] <= G]
        quiet = [p for p in pool if not p[0] and p[1] in G]
        for c in proxy.REAL_CLASSES:
            if not any(label == c for p in test for _, _, label in p[5]):
                continue
            X = np.concatenate([SX] + [p[2] for p in outside])
            y = np.concatenate([Sy] + [p[3] for p in outside])
            if not (y == c).any():
                continue
            # stage 2 training candidates, cross-fitted
            train_rows, train_labels = [], []
            for H in parts:
                if H is G:
                    continue
                inner = [p for p in outside if not p[0] & H and p[1] not in H]
                Xi = np.concatenate([SX] + [p[2] for p in inner])
                yi = np.concatenate([Sy] + [p[3] for p in inner])
                if not (yi == c).any():
                    continue
                m = proxy.fit(c, Xi, yi, rng, rounds, 2, 3, 8, 6000, 500)
                held = [p for p in outside if member(p, H)]
                hq = [p for p in held if not p[0]]
                sc = [m.decision_function(p[2]) for p in held]
                thr = np.quantile(np.concatenate([s for p, s in zip(held, sc) if not p[0]]), 0.99) if hq else 0
                r, l, _, _ = candidates(held, sc, thr, c)
                train_rows += r
                train_labels += l
            model = proxy.fit(c, X, y, rng, rounds, 2, 3, 8, 6000, 500)
            ts = [model.decision_function(p[2]) for p in test]
            qs = [model.decision_function(p[2]) for p in quiet]
            thr = np.quantile(np.concatenate(qs), 0.99)
            er, _, eo, ep = candidates(test, ts, thr, c)
            qr, _, _, qp = candidates(quiet, qs, thr, c)
            R, L = np.array(train_rows), np.array(train_labels)
            if L.sum() < 3 or (1 - L).sum() < 3:
                s2 = None
            else:
                w = np.where(L == 1, 0.5 / L.mean(), 0.5 / (1 - L.mean()))
                m2 = HistGradientBoostingClassifier(max_depth=2, max_leaf_nodes=3, max_iter=60, learning_rate=0.1,
                                                    min_samples_leaf=10, l2_regularization=1.0, random_state=0)
                m2.fit(R, L, sample_weight=w)
                s2 = (m2.decision_function(np.array(er)) if er else np.array([]),
                      m2.decision_function(np.array(qr)) if qr else np.array([]))
            n_events = sum(1 for p in test for _, _, label in p[5] if label == c)
            result = {"group": g, "class": c, "events": n_events, "train_candidates": [int(L.sum()), int(len(L) - L.sum())],
                      "bg_candidates": len(qr), "event_candidates": len(er)}
            s1 = (np.array(ep), np.array(qp))
            s2 = s2 if s2 is not None else s1
            z = lambda x, ref: (x - ref.mean()) / (ref.std() + 1e-9) if len(ref) else x
            variants = {"s1": s1, "s2": s2, "s2 if 50": s2 if L.sum() >= 50 else s1,
                        "z(s1)+z(s2)": (z(s1[0], s1[1]) + z(s2[0], s2[1]), z(s1[1], s1[1]) + z(s2[1], s2[1]))}
            for name, (es, bs) in variants.items():
                for k in (0, 2, 5):
                    cut = np.sort(bs)[::-1][k] if len(bs) > k else -np.inf
                    found = set()
                    for (owner, hit), s in zip(eo, es):
                        if hit and s > cut:
                            found |= {(owner, h) for h in hit}
                    result[f"{name}@{k}"] = len(found)
                    totals.setdefault((c, name, k), [0, 0])
                    totals[(c, name, k)][0] += len(found)
                    totals[(c, name, k)][1] += n_events
            print(json.dumps(result), f"{time.time() - started:.0f}s", flush=True)
    for k in (0, 2, 5):
        for name in ("s1", "s2", "s2 if 50", "z(s1)+z(s2)"):
            share = {c: round(totals[(c, name, k)][0] / totals[(c, name, k)][1], 3)
                     for c in proxy.REAL_CLASSES if (c, name, k) in totals}
            mean = np.mean([v for c, v in share.items() if c != "aerosol_spray"])
            print(f"{name:12} @{k}", json.dumps(share), "mean", round(float(mean), 3), flush=True)


if __name__ == "__main__":
    main()
