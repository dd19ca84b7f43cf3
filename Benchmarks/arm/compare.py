#!/usr/bin/env python3
"""Compares two float32 feature files frame by frame (64 values a frame):
the largest |a - b| over the frame's peak |value|. Exit 1 above the bound.

    compare.py A B [BOUND]
"""
import array
import sys

a, b = array.array("f"), array.array("f")
with open(sys.argv[1], "rb") as f:
    a.frombytes(f.read())
with open(sys.argv[2], "rb") as f:
    b.frombytes(f.read())
bound = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
if len(a) != len(b) or len(a) % 64:
    print(f"different lengths: {len(a)} and {len(b)} floats")
    sys.exit(1)
worst = 0.0
for t in range(0, len(a), 64):
    peak = max(abs(x) for x in a[t:t + 64]) or 1.0
    worst = max(worst, max(abs(x - y) for x, y in zip(a[t:t + 64], b[t:t + 64])) / peak)
print(f"{len(a) // 64} frames, max |difference| / frame peak = {worst:.2e} (bound {bound:g})")
sys.exit(0 if worst <= bound else 1)
