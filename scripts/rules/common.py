"""What the rule tooling shares: the paths, the classes, the descriptors a fit
reads (the front end's, as `tympan features --names` prints them, but those it
leaves out) with the windows and aggregates over them, the scenes' features and
frame labels.
"""
import io
import json
import os
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HOP, SR = 160, 16000
# The binary whose front end the tooling reads (make test-fixtures sets TYMPAN).
TYMPAN = os.environ.get("TYMPAN") or str(ROOT / ".build/release/tympan")

# Each class's detector settings before a fit; tympan calibrate chooses on,
# off, min_duration and merge_gap again (detector.json says why the rest).
DETECTOR = {c: d for c, d in json.loads((Path(__file__).resolve().parent / "detector.json").read_text()).items()
            if c != "about"}
CLASSES = list(DETECTOR)

# The descriptors a fit leaves out: the gate's level_db, background_dba and the
# band levels band_<b>_db (absolute levels move with the microphone's gain and
# the distance; their relative forms, the ratios and the levels above the
# background, are read).
LEFT_OUT = ["level_db", "band_low_db", "band_mid_db", "band_high_db", "band_top_db", "background_dba"]
WINDOWS = [5, 11, 21, 41]
AGGREGATES = ["mean", "max", "min", "range"]


def feature_names(tympan=TYMPAN):
    """The columns of `tympan features --preset detection`."""
    if not Path(tympan).exists():
        raise SystemExit(f"{tympan} does not exist: build it first (swift build -c release --product tympan)")
    return subprocess.run([tympan, "features", "x", "--preset", "detection", "--names"], check=True,
                          capture_output=True, text=True).stdout.split()


def descriptors(tympan=TYMPAN):
    """The descriptors a fit reads, in the front end's column order: the columns
    of `tympan features --preset detection --names` after the mel bands, but
    LEFT_OUT. (The order is the fit's: a fit on reordered columns finds the same
    terms, with a group's two conditions possibly the other way round.)"""
    names = feature_names(tympan)
    unknown = sorted(set(LEFT_OUT) - set(names))
    if unknown:
        raise SystemExit(f"LEFT_OUT names columns the front end does not have: {unknown}")
    return [n for n in names if not n.startswith("mel_") and n not in LEFT_OUT]


def __getattr__(name):
    """DESCRIPTORS: read from the binary the first time it is used."""
    if name == "DESCRIPTORS":
        globals()["DESCRIPTORS"] = descriptors()
        return globals()["DESCRIPTORS"]
    raise AttributeError(f"module 'common' has no attribute {name!r}")


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


def load(split, tympan=TYMPAN):
    """Names, features by clip and labels by clip of fixtures/scenes/SPLIT
    (cached in /tmp/tympan-features-SPLIT.npz)."""
    cache = Path(f"/tmp/tympan-features-{split}.npz")
    names = feature_names(tympan)
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
        features[path.name] = np.load(io.BytesIO(out))
        labels.setdefault(path.name, [])
    np.savez(cache, features=features, labels=labels)
    return names, features, labels


def frame_classes(n, spans):
    """Each frame's class: the event whose span holds the frame's centre, or ""."""
    out = np.array([""] * n, dtype=object)
    centres = np.arange(n) * HOP / SR
    for a, b, c in spans:
        out[(centres >= a) & (centres < b)] = c
    return out
