#!/usr/bin/env python3
"""Leave-one-source-out evaluation of a rules file on the real recordings of
fixtures/real (`make fixtures-real` first): the figure that says whether a
detector holds on sounds its fit never saw.

    loso.py [--rules FILE | --fit [--choose [--penalty P]]] [--tympan PATH] [--snr 18 6] [--out DIR] [--json]
    loso.py --bundle FILE [--terms N] [--penalty P] [--synthetic SPLIT ...] [--out DIR]

Folds are sources: a package, or the packages of one project together
(fixtures/real/sources.py, SOURCE). For the fold of source P, every event clip of P is
mixed, at each SNR, into an excerpt of a real background recording from another
source (never P's), at a street level of -45 to -25 dBFS; the SNR is the event's
RMS over its labelled spans against the background's over the same spans. Then
`tympan evaluate --json` scores the fold (sed_eval's event-based metrics, onset
collar 200 ms). Counts are pooled over folds per class; the macro F1 is over the
classes that have real clips. False alarms per hour come from `tympan evaluate`
on the background recordings themselves, played as the long streams they are.

Site adaptation (detector.json's site_quantile, site_warm_up, site_memory; not
fitted): a sensor learns how each class scores where it listens. A mixture was
made at its background's site, so it is detected by a detector that has first
listened to that whole background recording (`tympan evaluate --site-map`); the
background streams start from nothing, as a sensor does when it is switched on.
--no-site detects without it, for comparison.

Without --fit, the rules of --rules FILE are scored as they are (the file must
not have been fitted on these recordings). The bundled rules were (make rules,
--bundle below): scoring them is refused, --fit --choose gives their figure.

With --fit (scikit-learn: `scripts/python-env.sh rules`), every source is a fold,
those with background recordings too: for fold P, boosted weighted rules
(boost.py's model and columns, --terms rounds per class) are fitted on the
synthetic `train` split (--synthetic: more splits) plus every other source's event clips mixed at -5 to
+20 dB into other sources' backgrounds (four mixtures a clip) plus 10 s
excerpts of those backgrounds (at most --most positive frames a class, drawn
at random), with the detector settings of scripts/rules/detector.json. The
mixtures are made to sound like a pole in a street (street() and microphone()):
the event is heard from 5 to 80 m (air absorption, reverberation of 0.2 to 1.5 s
growing with the distance), a fifth of the mixtures hold a second event of
another class, and the microphone colours the whole (high-pass at 50 to 300 Hz,
a shelf of -6 to +6 dB above 1 to 4 kHz, clipping in 15 % of the mixtures). Then
P's event clips are scored as above and P's background recordings give the false
alarms. Nothing of P is in the fit that scores P.

With --fit --choose, the detector settings are chosen inside each fold too, on
sources the fold's fit does not see: validation_sources() holds out, besides P,
one other source for each class that has at least three (and one source of
long background recordings); the rules are fitted without P and those, then
`tympan calibrate` chooses each class's on, off, minimum duration and merge gap
on the held-out sources' training mixtures, their background excerpts and the
synthetic validation split (every class has events there), maximising F1 minus
--penalty per false alarm per hour. The synthetic split holds nine in ten of
those events and scores higher than the street; --calibration real gives a class
with at least REAL_CALIBRATION_MIN real events the settings chosen on the real
clips alone. It did not pay (same fits, a mixture's site then its package's
longest recording: macro F1 0.246 and 56.4 false alarms an hour pooled, 0.241 and
68.3 real-only; screams and gunshots gained, whistles and crackling lost, as one
held-out source a class chooses noisily), so the default stays all. So the figure for P comes from a fit that
saw neither P nor the material its settings were chosen on. With the same
--out, a second run reuses the fits and only calibrates again: the table for
another --penalty is an operating point of the same fits, not a new fit.

With --bundle FILE (`make rules`), nothing is scored: the same procedure runs
once on every source, to write the rules `tympan` ships. The sources
validation_sources() names (with no fold left out) stay out of a first fit,
`tympan calibrate` chooses the detector settings on them as above, and the rules
are then fitted again on every source with those settings. The figure that
describes the result is the --fit --choose table: the same procedure, scored on
sources it did not see.

Mixtures are drawn from a fixed seed: the same files give the same table on one
machine. scikit-learn's fits are not bit-reproducible across processors, and
neither is the table (the 25-round run gave macro F1 0.216 and 143.5 false
alarms per hour on one machine, 0.219 and 122.3 on another).
"""
import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "fixtures" / "generate"))
import dsp  # noqa: E402  (the scene generator's filters: air absorption, reverberation)

REAL = ROOT / "fixtures" / "real"
# The synthetic split every fold's (and the bundle's) settings are also chosen on.
SYNTHETIC_VALIDATION = (ROOT / "fixtures" / "scenes" / "validation", ROOT / "fixtures" / "scenes" / "validation.tsv")
SR = 16000
CLASSES = ["gunshot", "scream", "drill", "angle_grinder", "car_horn", "whistle", "aerosol_spray", "crackling"]


def rows(path):
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]


def corpus():
    """(events, backgrounds): events [(file, class, source, [(onset, offset)])],
    backgrounds [(file, kind, source)], from metadata.tsv and labels.tsv; a
    source is a package or the packages of one project."""
    spans = {}
    for label in rows(REAL / "labels.tsv"):
        spans.setdefault(label["filename"], []).append((float(label["onset"]), float(label["offset"])))
    events, backgrounds = [], []
    for m in rows(REAL / "metadata.tsv"):
        if not (REAL / "audio" / m["filename"]).exists():
            sys.exit(f"loso.py: {m['filename']} is missing: run `make fixtures-real` first")
        if m["class"] in CLASSES:
            events.append((m["filename"], m["class"], m["source"], spans[m["filename"]]))
        else:
            backgrounds.append((m["filename"], m["class"], m["source"]))
    return events, backgrounds


def active(spans, n):
    """The sample indices of the labelled spans (s), within n samples."""
    return np.concatenate([np.arange(int(a * SR), min(n, int(z * SR))) for a, z in spans])


def excerpt(background_file, n, rng):
    """n samples of the background recording from a random start (zeros past its end)."""
    info = sf.info(REAL / "audio" / background_file)
    start = int(rng.integers(0, max(1, info.frames - n)))
    b, _ = sf.read(REAL / "audio" / background_file, start=start, frames=n)
    return np.concatenate([b, np.zeros(n - len(b))])


def mix(event_file, event_spans, background_file, snr_db, rng):
    """The event clip over an excerpt of the background of the same length."""
    x, _ = sf.read(REAL / "audio" / event_file)
    b = excerpt(background_file, len(x), rng)
    spans = active(event_spans, len(x))
    level = 10 ** (rng.uniform(-45, -25) / 20)
    b *= level / (np.sqrt(np.mean(b[spans] ** 2)) or 1)
    x *= level * 10 ** (snr_db / 20) / (np.sqrt(np.mean(x[spans] ** 2)) or 1)
    y = x + b
    peak = np.max(np.abs(y))
    return y * (0.98 / peak if peak > 0.98 else 1.0)


def street(x, rng):
    """The event as a pole hears it from 5 to 80 m: air absorption, then street
    reverberation (RT60 0.2 to 1.5 s) whose share grows with the distance."""
    distance = float(np.exp(rng.uniform(np.log(5), np.log(80))))
    y = dsp.air_absorption(x, distance)
    wet = float(np.clip(0.08 * distance / 10, 0.05, 1.2))
    return dsp.reverb(y, rng, rng.uniform(0.2, 1.5), wet)[:len(x)]


def microphone(y, rng):
    """A cheap microphone and its mounting: a high-pass at 50 to 300 Hz, a
    first-order shelf of -6 to +6 dB above 1 to 4 kHz, and in 15 % of the
    mixtures clipping 3.5 to 12 dB under the peak."""
    y = dsp.highpass(y, rng.uniform(50, 300))
    y = y + (10 ** (rng.uniform(-6, 6) / 20) - 1) * dsp.highpass(y, rng.uniform(1000, 4000), order=1)
    if rng.random() < 0.15:
        ceiling = np.max(np.abs(y)) / rng.uniform(1.5, 4.0)
        y = np.clip(y, -ceiling, ceiling)
    return y


def street_mix(event, background_file, snr_db, rng, second=None):
    """A training mixture: `event` (file, class, source, spans) through street(),
    over an excerpt of the background at `snr_db` (its RMS over the spans against
    the background's); `second`, another event, goes in at a random time at -6 to
    +6 dB from the first. Returns (signal, [(onset, offset, class)])."""
    file, label, _, spans = event
    x, _ = sf.read(REAL / "audio" / file)
    x = street(x, rng)
    labels = [(a, z, label) for a, z in spans]
    inside = active(spans, len(x))
    x /= np.sqrt(np.mean(x[inside] ** 2)) or 1
    if second is not None:
        s_file, s_label, _, s_spans = second
        s, _ = sf.read(REAL / "audio" / s_file)
        s = street(s, rng)[:len(x)]
        s_inside = active(s_spans, len(s))
        s *= 10 ** (rng.uniform(-6, 6) / 20) / (np.sqrt(np.mean(s[s_inside] ** 2)) if len(s_inside) else 1)
        shift = int(rng.integers(0, max(1, len(x) - len(s) // 2)))
        end = min(len(x), shift + len(s))
        x[shift:end] += s[:end - shift]
        labels += [(a + shift / SR, min(z + shift / SR, len(x) / SR), s_label) for a, z in s_spans
                   if a + shift / SR < len(x) / SR - 0.05]
    b = excerpt(background_file, len(x), rng)
    level = 10 ** (rng.uniform(-45, -25) / 20)
    b *= level / (np.sqrt(np.mean(b[inside] ** 2)) or 1)
    y = microphone(x * level * 10 ** (snr_db / 20) + b, rng)
    peak = np.max(np.abs(y))
    return y * (0.98 / peak if peak > 0.98 else 1.0), labels


def features(tympan, path):
    out = subprocess.run([tympan, "features", str(path), "--preset", "detection", "--format", "npy"],
                         check=True, capture_output=True).stdout
    return np.load(io.BytesIO(out))


def training_pool(events, backgrounds, tympan, folder, rng):
    """[(sources of the events in it, background source, frames x columns, frame labels,
    the mixture's file, its labels [(onset, offset, class)], the background recording
    it was cut from (its site))],
    the columns those boost.py fits on: each event clip in four other sources'
    backgrounds at -5..+20 dB through street_mix() (a fifth with a second event of
    another class and source), and 10 s excerpts of every background (up to 30 a
    recording)."""
    import common
    import boost
    names = subprocess.run([tympan, "features", "x", "--preset", "detection", "--names"], check=True,
                           capture_output=True, text=True).stdout.split()
    pool = []
    folder.mkdir(parents=True, exist_ok=True)
    for event in events:
        file, label, package, spans = event
        others = [b for b in backgrounds if b[2] != package]
        partners = [e for e in events if e[1] != label and e[2] != package]
        for k in range(4):
            background = others[int(rng.integers(len(others)))]
            second = partners[int(rng.integers(len(partners)))] if rng.random() < 0.2 else None
            path = folder / f"{Path(file).stem}_{k}.wav"
            y, labels = street_mix(event, background[0], rng.uniform(-5, 20), rng, second)
            sf.write(path, y, SR, subtype="PCM_16")
            x = features(tympan, path)
            sources = {package} | ({second[2]} if second else set())
            pool.append((sources, background[2], boost.columns(x, names), common.frame_classes(len(x), labels),
                         path, labels, background[0]))
    for file, _, package in backgrounds:
        y, _ = sf.read(REAL / "audio" / file)
        count = min(30, len(y) // (10 * SR))
        for k in range(max(1, count)):
            start = int(rng.integers(0, max(1, len(y) - 10 * SR)))
            excerpt = y[start:start + 10 * SR]
            level = 10 ** (rng.uniform(-45, -25) / 20)
            path = folder / f"{Path(file).stem}_{k}.wav"
            sf.write(path, excerpt * level / (np.sqrt(np.mean(excerpt ** 2)) or 1), SR, subtype="PCM_16")
            x = features(tympan, path)
            pool.append((set(), package, boost.columns(x, names), common.frame_classes(len(x), []), path, [], file))
    return pool


def cached_pool(events, backgrounds, tympan, folder, rng):
    """training_pool(), kept in folder/pool.pkl: a second run with the same --out
    and the same corpus (metadata.tsv) reads it instead of mixing and extracting
    again (the mixtures are drawn from a fixed seed, so they would be the same).
    The random state after the pool is kept with it."""
    import pickle
    cache = folder / "pool.pkl"
    key = "pool 2 (with each item's background recording)\n" + (REAL / "metadata.tsv").read_text()
    if cache.exists():
        pool, state, made_from = pickle.loads(cache.read_bytes())
        if made_from == key:
            rng.bit_generator.state = state
            return pool
    pool = training_pool(events, backgrounds, tympan, folder, rng)
    cache.write_bytes(pickle.dumps((pool, rng.bit_generator.state, key)))
    return pool


def with_site(rules, site=True):
    """The rules with each class's site adaptation as detector.json has it (it is
    not fitted: rules fitted before it existed, read again with --out, get it too);
    without it when site is false (--no-site)."""
    start = start_detectors()
    for c in rules["classes"]:
        for key in ("site_quantile", "site_warm_up", "site_memory"):
            c["detector"].pop(key, None)
            if site and key in start[c["class"]]:
                c["detector"][key] = start[c["class"]][key]
    return rules


def start_detectors():
    """Each class's detector settings before a fit (scripts/rules/detector.json):
    a committed file, so that a fit does not depend on the rules bundled today."""
    settings = json.loads((Path(__file__).resolve().parent / "detector.json").read_text())
    return {c: settings[c] for c in CLASSES}


def boost_descriptors():
    """The descriptors the fits read (boost.py's columns)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import boost
    return sorted({d for d, _, _ in boost.KEYS})


def fit_rules(excluded, pool, synthetic, detectors, terms, rng, most=None, without=()):
    """Weighted rules fitted on the synthetic frames and the pool's material that
    holds nothing of the `excluded` sources, with the `detectors` settings
    ({class: settings}); the descriptors named in `without` are not read (their
    columns are held constant, so that no tree splits on them)."""
    import boost
    keep = [(x, y) for e, b, x, y, _, _, _ in pool if not e & excluded and b not in excluded]
    X = np.concatenate([synthetic[0]] + [x for x, _ in keep])
    unread = [i for i, (d, _, _) in enumerate(boost.KEYS) if d in without]
    X[:, unread] = 0
    y = np.concatenate([synthetic[1]] + [y for _, y in keep])
    classes = []
    for c in CLASSES:
        rule = boost.rule_for(c, X, y, terms, rng, most)
        rule["detector"] = detectors[c]
        classes.append(rule)
    return {"format": "tympan-rules", "version": 1, "classes": classes,
            "about": f"loso.py --fit: {', '.join(sorted(excluded))} left out"}


def validation_sources(fold, events, backgrounds, turn):
    """The sources, other than `fold`, that choose fold `fold`'s detector settings
    and so stay out of its fit: for each class with at least three other sources
    (rarest class first), one of them unless a source already taken has the class
    (the turn-th in name order, so that the folds take turns); and one source of
    more than a minute of background recordings, likewise by turn."""
    taken = set()
    by_class = {c: sorted({s for _, k, s, _ in events if k == c and s != fold}) for c in CLASSES}
    for c in sorted(CLASSES, key=lambda c: len(by_class[c])):
        if len(by_class[c]) >= 3 and not taken & set(by_class[c]):
            taken.add(by_class[c][turn % len(by_class[c])])
    seconds = {}
    for file, _, s in backgrounds:
        seconds[s] = seconds.get(s, 0.0) + sf.info(REAL / "audio" / file).duration
    long = sorted(s for s, t in seconds.items() if t > 60 and s != fold)
    if not taken & set(long):
        taken.add(long[turn % len(long)])
    return taken


REAL_CALIBRATION_MIN = 8  # real validation events (mixtures) a class needs to be calibrated on real clips alone


def calibrated(rules, fold, validation, pool, synthetic_validation, tympan, folder, penalty, real_only=False):
    """`rules` (fitted without `fold` and `validation`) with each class's on, off,
    minimum duration and merge gap chosen by `tympan calibrate` on the pool's
    mixtures of the validation sources' events, the 10 s excerpts of their
    background recordings, and the synthetic validation split (so that every class
    has events to be found). With real_only, a class with at least
    REAL_CALIBRATION_MIN real validation events takes the settings chosen on the
    real clips alone: the synthetic split's events, nine in ten of the whole and
    scored higher than real ones, would otherwise choose its on."""
    real = folder.parent / f"{folder.name}-real"
    for place in (folder, real) if real_only else (folder,):
        # The clips are links made afresh: one left by an earlier run (another pool, other
        # validation sources) would be calibrated on as a background clip.
        place.mkdir(parents=True, exist_ok=True)
        for link in place.iterdir():
            if link.is_symlink():
                link.unlink()
    lines = ["filename\tonset\toffset\tevent_label"]
    sites = ["filename\tsite"]
    for e, b, _, _, path, labels, site in pool:
        if (e & validation and fold not in e and b != fold) or (not e and b in validation):
            for place in (folder, real) if real_only else (folder,):
                (place / path.name).symlink_to(path.resolve())
            lines += [f"{path.name}\t{a:.3f}\t{z:.3f}\t{c}" for a, z, c in labels]
            # Its site: the background recording it was cut from (a mixture's, an excerpt's own).
            sites.append(f"{path.name}\t{REAL / 'audio' / site}")
    real_lines = list(lines)
    scenes, reference = synthetic_validation
    for clip in sorted(scenes.glob("*.flac")):
        (folder / clip.name).symlink_to(clip.resolve())
    lines += reference.read_text().splitlines()[1:]
    start = folder.parent / f"{folder.name}-start.json"
    start.write_text(json.dumps(rules) + "\n")
    site_map = folder.parent / f"{folder.name}-sites.tsv"
    site_map.write_text("\n".join(sites) + "\n")

    def calibrate(name, audio, labels):
        (folder.parent / f"{name}.tsv").write_text("\n".join(labels) + "\n")
        out = folder.parent / f"{name}-rules.json"
        command = [tympan, "calibrate", "--reference", str(folder.parent / f"{name}.tsv"), "--audio", str(audio),
                   "--rules", str(start), "--penalty", str(penalty), "--out", str(out)]
        if any("site_quantile" in c["detector"] for c in rules["classes"]):
            # on is chosen for a detector that adapts: each real clip after its site's recording.
            command += ["--site-map", str(site_map)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"loso.py: tympan calibrate failed for fold {fold}:\n{done.stderr}")
        return json.loads(out.read_text())

    chosen = calibrate(folder.name, folder, lines)
    about = f"{', '.join(sorted(validation))} and the synthetic validation split"
    if real_only:
        counts = {}
        for line in real_lines[1:]:
            label = line.split("\t")[3]
            counts[label] = counts.get(label, 0) + 1
        on_real = {c for c, n in counts.items() if n >= REAL_CALIBRATION_MIN}
        if on_real:
            alone = {r["class"]: r["detector"] for r in calibrate(real.name, real, real_lines)["classes"]}
            for r in chosen["classes"]:
                if r["class"] in on_real:
                    r["detector"] = alone[r["class"]]
            about = (f"{', '.join(sorted(validation))} (for {', '.join(sorted(on_real))}: their real clips alone) "
                     f"and the synthetic validation split")
    chosen["about"] = rules["about"] + f"; on, off, minimum duration and merge gap chosen on {about}, penalty {penalty:g}"
    return chosen


def evaluate(tympan, reference, audio, rules, sites=None):
    """`tympan evaluate --json`; with sites (a --site-map file), each clip after its site's recording."""
    command = [tympan, "evaluate", "--reference", str(reference), "--audio", str(audio), "--json"]
    if rules:
        command += ["--rules", str(rules)]
    if sites:
        command += ["--site-map", str(sites)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"loso.py: {' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")


def bundle(args, events, backgrounds, out):
    """--bundle: the --fit --choose procedure on every source (see above); writes
    args.bundle."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import boost
    rng = np.random.default_rng(20261203)
    pool = cached_pool(events, backgrounds, args.tympan, out / "training", rng)
    synthetic = boost.frames(args.synthetic, args.tympan)
    validation = validation_sources(None, events, backgrounds, 0)
    print(f"loso.py: settings chosen on {', '.join(sorted(validation))}", file=sys.stderr)
    first = fit_rules(validation, pool, synthetic, start_detectors(), args.terms, rng, args.most, args.without)
    chosen = calibrated(first, None, validation, pool, SYNTHETIC_VALIDATION, args.tympan, out / "choose-bundle",
                        args.penalty, args.calibration == "real")
    detectors = {r["class"]: r["detector"] for r in chosen["classes"]}
    rules = fit_rules(set(), pool, synthetic, detectors, args.terms, rng, args.most, args.without)
    sources = sorted({s for _, _, s, _ in events} | {s for _, _, s in backgrounds})
    rules["about"] = (f"Boosted weighted rules, {args.terms} rounds of depth 2 a class (scripts/rules/loso.py --bundle, "
                      f"make rules), fitted on the synthetic {'+'.join(args.synthetic)} split{'s' if len(args.synthetic) > 1 else ''} and the real recordings of {len(sources)} "
                      f"sources (fixtures/real: event clips mixed into other sources' backgrounds through "
                      f"street_mix(), and background excerpts); on, off, minimum duration and merge gap chosen by "
                      f"tympan calibrate (penalty {args.penalty:g} per false alarm per hour) on "
                      f"{', '.join(sorted(validation))} and the synthetic validation split, held out of a first fit; "
                      f"then fitted again on all of it")
    args.bundle.write_text(json.dumps(rules) + "\n")
    print(f"loso.py: wrote {args.bundle}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=Path, help="rules file to score (default: the bundled rules, refused once they are fitted on these recordings)")
    parser.add_argument("--fit", action="store_true", help="fit weighted rules inside each fold (see above)")
    parser.add_argument("--terms", type=int, default=25, help="with --fit or --bundle: boosting rounds per class")
    parser.add_argument("--choose", action="store_true",
                        help="with --fit: choose each fold's detector settings on sources held out of its fit (see above)")
    parser.add_argument("--penalty", type=float, default=0.01,
                        help="with --choose: F1 given up per false alarm per hour (tympan calibrate)")
    parser.add_argument("--calibration", choices=["all", "real"], default="all",
                        help="with --choose or --bundle: all (default): every class's settings chosen on the real "
                             "validation clips and the synthetic validation split together; real: a class with enough "
                             "real validation events (REAL_CALIBRATION_MIN) takes those chosen on the real clips alone")
    parser.add_argument("--no-site", action="store_true",
                        help="with --fit: detectors without site adaptation (detector.json's site_* keys left out)")
    parser.add_argument("--most", type=int, default=12000, help="with --fit: at most this many positive frames a class")
    parser.add_argument("--synthetic", nargs="+", default=["train"], metavar="SPLIT",
                        help="with --fit or --bundle: the synthetic splits in every fit (default: train)")
    parser.add_argument("--without", nargs="+", default=[], metavar="DESCRIPTOR",
                        help="with --fit or --bundle: fit without these descriptors (names as tympan features --names "
                             "prints them), for a smaller front end")
    parser.add_argument("--tympan", default=str(ROOT / ".build/release/tympan"))
    parser.add_argument("--snr", type=float, nargs="+", default=[18.0, 6.0], help="dB (default 18 and 6)")
    parser.add_argument("--out", type=Path, help="keep the fold mixtures here (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--bundle", type=Path, metavar="FILE",
                        help="score nothing: fit the rules to ship on every source (see above) and write them to FILE")
    args = parser.parse_args()
    if args.bundle and (args.rules or args.fit):
        parser.error("--bundle fits on every source: it takes no --rules and no --fit")
    if args.without and not (args.fit or args.bundle):
        parser.error("--without changes what a fit reads: add --fit or --bundle")
    unknown = sorted(set(args.without) - set(boost_descriptors())) if args.without else []
    if unknown:
        parser.error(f"--without: unknown descriptor(s) {', '.join(unknown)}; known: {', '.join(boost_descriptors())}")
    if not (args.rules or args.fit or args.bundle):
        about = json.loads(subprocess.run([args.tympan, "rules"], check=True, capture_output=True, text=True).stdout)
        if "loso.py --bundle" in about.get("about", ""):
            parser.error("the bundled rules were fitted on these recordings (make rules): scoring them here would "
                         "not be a held-out figure. Run --fit --choose (make loso), which fits them the same way "
                         "without each source in turn, or give --rules FILE fitted without these recordings")
    if args.fit and args.rules:
        parser.error("--fit fits its own rules in each fold: give --rules or --fit, not both")
    if args.choose and not args.fit:
        parser.error("--choose chooses the settings of the rules --fit fits in each fold: add --fit")
    events, backgrounds = corpus()
    folds = sorted({package for _, _, package, _ in events})
    out = args.out or Path(tempfile.mkdtemp(prefix="tympan-loso-"))
    if args.bundle:
        bundle(args, events, backgrounds, out)
        return
    rng = np.random.default_rng(20261202)
    per_fold, pooled = {}, {c: [0, 0, 0] for c in CLASSES}
    fitted = {}
    if args.fit:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import boost
        folds = sorted(set(folds) | {package for _, _, package in backgrounds})
        fit_rng = np.random.default_rng(20261203)
        pool = cached_pool(events, backgrounds, args.tympan, out / "training", fit_rng)
        synthetic = boost.frames(args.synthetic, args.tympan)
        detectors = start_detectors()
        # The fits of an earlier --choose run in the same --out on the same corpus and
        # settings are read again (all or none: one random stream runs through them),
        # so that another --penalty costs a calibration, not a fit.
        key = json.dumps({"corpus": (REAL / "metadata.tsv").read_text(), "terms": args.terms, "most": args.most,
                          "synthetic": args.synthetic} | ({"without": sorted(args.without)} if args.without else {}))
        reuse = (args.choose and (out / "fits.key").exists() and (out / "fits.key").read_text() == key
                 and all((out / f"choose-{p}-start.json").exists() for p in folds))
        for turn, package in enumerate(folds):
            fitted[package] = out / f"rules-{package}.json"
            if args.choose:
                validation = validation_sources(package, events, backgrounds, turn)
                if reuse:
                    rules = json.loads((out / f"choose-{package}-start.json").read_text())
                else:
                    rules = fit_rules({package} | validation, pool, synthetic, detectors, args.terms, fit_rng, args.most,
                                      args.without)
                rules = with_site(rules, not args.no_site)
                rules = calibrated(rules, package, validation, pool, SYNTHETIC_VALIDATION, args.tympan,
                                   out / f"choose-{package}", args.penalty, args.calibration == "real")
            else:
                rules = with_site(fit_rules({package}, pool, synthetic, detectors, args.terms, fit_rng, args.most,
                                            args.without), not args.no_site)
            fitted[package].write_text(json.dumps(rules) + "\n")
            print(f"loso.py: fitted without {package}", file=sys.stderr)
        if args.choose:
            (out / "fits.key").write_text(key)
    for package in folds:
        folder = out / package
        folder.mkdir(parents=True, exist_ok=True)
        others = [b for b in backgrounds if b[2] != package]
        rules = fitted.get(package, args.rules)
        lines = ["filename\tonset\toffset\tevent_label"]
        sites = ["filename\tsite"]  # each mixture was made at its background's site: heard before it
        for k, (file, label, _, spans) in enumerate(e for e in events if e[2] == package):
            for snr in args.snr:
                background = others[int(rng.integers(len(others)))]
                name = f"{Path(file).stem}_snr{snr:g}.wav"
                sf.write(folder / name, mix(file, spans, background[0], snr, rng), SR, subtype="PCM_16")
                lines += [f"{name}\t{a:.3f}\t{z:.3f}\t{label}" for a, z in spans]
                sites.append(f"{name}\t{REAL / 'audio' / background[0]}")
        reference = out / f"{package}.tsv"
        reference.write_text("\n".join(lines) + "\n")
        site_map = out / f"{package}-sites.tsv"
        site_map.write_text("\n".join(sites) + "\n")
        if len(lines) == 1:
            per_fold[package] = {}
            continue  # a package of backgrounds only
        result = evaluate(args.tympan, reference, folder, rules, site_map)["event_based"]["per_class"]
        per_fold[package] = {}
        for c in CLASSES:
            counts = [result.get(c, {}).get(k, 0) for k in ("tp", "fp", "fn")]
            if any(counts):
                per_fold[package][c] = counts
                pooled[c] = [p + q for p, q in zip(pooled[c], counts)]
    # Backgrounds: the recordings as they are, long streams, no label; with --fit,
    # each package's with the rules fitted without it.
    empty = out / "backgrounds.tsv"
    empty.write_text("filename\tonset\toffset\tevent_label\n")
    groups = {}
    for file, _, package in backgrounds:
        groups.setdefault(package if args.fit else "all", []).append(file)
    seconds, false_alarms = 0.0, {}
    for group, files in sorted(groups.items()):
        streams = out / "backgrounds" / group
        streams.mkdir(parents=True, exist_ok=True)
        for file in files:
            link = streams / file
            if not link.exists():
                link.symlink_to(REAL / "audio" / file)
        quiet = evaluate(args.tympan, empty, streams, fitted.get(group, args.rules))
        seconds += quiet["audio_seconds"]
        for c, v in quiet["event_based"]["per_class"].items():
            if v.get("fp"):
                false_alarms[c] = false_alarms.get(c, 0) + v["fp"]
    per_hour = sum(false_alarms.values()) / (seconds / 3600)
    real_classes = [c for c in CLASSES if pooled[c][0] + pooled[c][2] > 0]
    scores = {c: f1(*pooled[c]) for c in CLASSES}
    macro = float(np.mean([scores[c] for c in real_classes]))
    summary = {
        "fit": (f"boosted weighted rules ({args.terms} rounds a class) fitted in each fold without it"
                if args.fit else "none: the rules took no real clip in their fit (every fold is unseen)"),
        "folds": {p: {c: dict(zip(("tp", "fp", "fn"), v)) for c, v in d.items()} for p, d in per_fold.items()},
        "per_class": {c: {"tp": pooled[c][0], "fp": pooled[c][1], "fn": pooled[c][2], "f1": scores[c]}
                      for c in real_classes},
        "macro_f1": macro,
        "background_seconds": seconds,
        "false_alarms_per_hour": per_hour,
        "false_alarms_by_class": false_alarms,
        "snr_db": args.snr,
    }
    if args.json:
        print(json.dumps(summary, indent=1, allow_nan=True))
        return
    print(f"Leave one source out: {len(folds)} sources, {len(events)} real event clips at SNR "
          f"{', '.join(f'{s:g}' for s in args.snr)} dB in other sources' backgrounds; {summary['fit']}")
    print(f"{'fold (source)':24} " + " ".join(f"{c[:13]:>13}" for c in real_classes))
    for package in (p for p in folds if per_fold[p]):
        cells = []
        for c in real_classes:
            tp, fp, fn = per_fold[package].get(c, (0, 0, 0))
            cells.append(f"{tp}/{tp + fn} +{fp}fp" if tp + fn or fp else "-")
        print(f"{package:24} " + " ".join(f"{x:>13}" for x in cells))
    print(f"{'F1 (pooled)':24} " + " ".join(f"{scores[c]:>13.3f}" for c in real_classes))
    print(f"macro F1 over the {len(real_classes)} classes with real clips: {macro:.3f}")
    print(f"backgrounds: {seconds / 60:.1f} min of real recordings, {per_hour:.1f} false alarms per hour "
          f"({', '.join(f'{c} {n}' for c, n in sorted(false_alarms.items())) or 'none'})")


if __name__ == "__main__":
    main()
