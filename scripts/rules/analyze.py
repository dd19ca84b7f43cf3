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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, frame_classes, load  # noqa: E402,F401


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
