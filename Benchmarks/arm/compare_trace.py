#!/usr/bin/env python3
"""Compares two detection traces (detect.c: per frame, each class's score,
the level, each class's onset feature; float64): the largest difference of
the scores, and of the level and onset features. Exit 1 when the traces have
different lengths or a score differs by more than BOUND.

    compare_trace.py A B CLASSES [BOUND]
"""
import array
import sys

a, b = array.array("d"), array.array("d")
with open(sys.argv[1], "rb") as f:
    a.frombytes(f.read())
with open(sys.argv[2], "rb") as f:
    b.frombytes(f.read())
classes = int(sys.argv[3])
bound = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-6
width = 2 * classes + 1
if len(a) != len(b) or len(a) % width:
    print(f"different lengths: {len(a)} and {len(b)} values")
    sys.exit(1)
frames = len(a) // width
scores = features = 0.0
for t in range(frames):
    row = slice(t * width, (t + 1) * width)
    x, y = a[row], b[row]
    scores = max(scores, max(abs(p - q) for p, q in zip(x[:classes], y[:classes])))
    features = max(features, max(abs(p - q) / max(1.0, abs(p)) for p, q in zip(x[classes:], y[classes:])))
print(f"{frames} frames: max |score difference| = {scores:.2e} (bound {bound:g}); "
      f"level and onset features: max relative difference {features:.2e}")
sys.exit(0 if scores <= bound else 1)
