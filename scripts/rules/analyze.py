#!/usr/bin/env python3
"""Descriptor statistics per class, for whoever tunes the rules.

    analyze.py SPLIT [--tympan PATH]

Runs `tympan features --preset detection` on every scene of fixtures/scenes/SPLIT,
labels each frame by the event whose span holds its centre, and prints, per
descriptor, the 10th/50th/90th percentiles over each class's frames and over
background frames (frames of background-only scenes). Caches the features in
/tmp/tympan-features-SPLIT.npz.
"""
import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HOP, SR = 160, 16000


def load(split, tympan):
    cache = Path(f"/tmp/tympan-features-{split}.npz")
    names = subprocess.run([tympan, "features", "x", "--preset", "detection", "--names"], check=True,
                           capture_output=True, text=True).stdout.split()
    if cache.exists():
        data = np.load(cache, allow_pickle=True)
        return names, data["features"].item(), data["labels"].item()
    labels = {}
    for line in (ROOT / f"fixtures/scenes/{split}.tsv").read_text().splitlines()[1:]:
        f, a, b, c = line.split("\t")
        labels.setdefault(f, []).append((float(a), float(b), c))
    features = {}
    for path in sorted((ROOT / f"fixtures/scenes/{split}").glob("*.flac")):
        out = subprocess.run([tympan, "features", str(path), "--preset", "detection", "--format", "npy"],
                             check=True, capture_output=True).stdout
        import io
        features[path.name] = np.load(io.BytesIO(out))
        labels.setdefault(path.name, [])
    np.savez(cache, features=features, labels=labels)
    return names, features, labels


def frame_classes(n, spans):
    out = np.array([""] * n, dtype=object)
    centres = np.arange(n) * HOP / SR
    for a, b, c in spans:
        out[(centres >= a) & (centres < b)] = c
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("split")
    p.add_argument("--tympan", default=str(ROOT / ".build/release/tympan"))
    p.add_argument("--features", nargs="*", default=None)
    args = p.parse_args()
    names, features, labels = load(args.split, args.tympan)
    groups = {}
    for f, x in features.items():
        classes = frame_classes(len(x), labels[f])
        for c in set(classes):
            if c == "" and labels[f]:
                continue  # background frames only from background-only scenes
            groups.setdefault(c or "background", []).append(x[classes == c])
    groups = {c: np.concatenate(v) for c, v in groups.items()}
    wanted = args.features or [n for n in names if not n.startswith("mel_")]
    order = sorted(groups, key=lambda c: (c == "background", c))
    print(f"{'feature':22s}" + "".join(f"{c[:13]:>15s}" for c in order))
    for name in wanted:
        k = names.index(name)
        cells = []
        for c in order:
            v = groups[c][:, k]
            lo, mid, hi = np.percentile(v, [10, 50, 90])
            cells.append(f"{lo:5.0f}/{mid:.3g}/{hi:.3g}"[:14].rjust(15))
        print(f"{name:22s}" + "".join(cells))
    print("frames:", {c: len(v) for c, v in groups.items()}, file=sys.stderr)


if __name__ == "__main__":
    main()
