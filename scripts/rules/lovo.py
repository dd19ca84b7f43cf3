#!/usr/bin/env python3
"""Leave one generator variant out: what a variant of the synthetic generator
that the fit never saw costs. The synthetic classes (drill and angle grinder
have no real clip; whistle and spray few) cannot be measured by source, so
they are measured by variant.

    lovo.py [--fit train train2] [--choose train3] [--test validation train4] [--terms 25]
            [--classes C ...] [--tympan PATH] [--json]

The generator (fixtures/generate/events.py) draws each event from one of a
class's variants (drill: drill, impact drill; angle grinder: cutting, idle
spin; gunshot: pistol, rifle, shotgun; ...) and SPLIT.meta.tsv names the
variant of every labelled segment. For each class and each of its variants
(a fold): a weighted rule for the class (boost.py's model, --terms rounds, the
detector settings of scripts/rules/detector.json but for silencing by another
class, whose rule is not there) is fitted on the --fit
splits without the scenes that hold that variant of the class (their frames
are neither positives nor negatives); then `tympan evaluate` scores the class,
alone, on the --test scenes whose events of the class are all of that
variant (unseen) and on those whose events of it are all of other variants
(seen), with every other sound in those scenes as a possible false alarm. The
table gives both F1s per fold (onset collar 200 ms): the gap is what a
variant the fit never saw costs. Every fit uses the synthetic splits only, so
that nothing but the generator's variants is left out.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import boost  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENES = ROOT / "fixtures" / "scenes"
CLASSES = ["gunshot", "scream", "drill", "angle_grinder", "car_horn", "whistle", "aerosol_spray", "crackling"]


def variants(split):
    """{scene file: {class: set of variants}}, from SPLIT.meta.tsv."""
    out = {}
    for line in (SCENES / f"{split}.meta.tsv").read_text().splitlines()[1:]:
        f, _, _, label, variant = line.split("\t")[:5]
        out.setdefault(f, {}).setdefault(label, set()).add(variant)
    return out


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")


def scenes_without(splits, c, kind):
    """Every scene of the splits (background-only ones too) but those holding variant `kind` of class c."""
    out = []
    for split in splits:
        meta = variants(split)
        out += [(split, p.name) for p in sorted((SCENES / split).glob("*.flac"))
                if kind not in meta.get(p.name, {}).get(c, set())]
    return out


def choose(tympan, rule, scenes, folder):
    """The rule with its detector settings chosen by `tympan calibrate` on the scenes
    (penalty 0.01 F1 per false alarm per hour, as make loso)."""
    reference, rules = write(rule, scenes, folder)
    chosen = folder.parent / f"{folder.name}-chosen.json"
    done = subprocess.run([tympan, "calibrate", "--reference", str(reference), "--audio", str(folder), "--rules",
                           str(rules), "--penalty", "0.01", "--out", str(chosen)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"lovo.py: tympan calibrate failed:\n{done.stderr}")
    return json.loads(chosen.read_text())["classes"][0]


def write(rule, scenes, folder):
    """Links to the scenes in folder, their labels of the rule's class, and a rules file of the rule alone."""
    folder.mkdir(parents=True, exist_ok=True)
    c = rule["class"]
    lines = ["filename\tonset\toffset\tevent_label"]
    for split, f in scenes:
        name = f"{split}-{f}"
        link = folder / name
        if not link.exists():
            link.symlink_to(SCENES / split / f)
        for row in (SCENES / f"{split}.tsv").read_text().splitlines()[1:]:
            g, a, b, label = row.split("\t")
            if g == f and label == c:
                lines.append(f"{name}\t{a}\t{b}\t{label}")
    reference = folder.parent / f"{folder.name}.tsv"
    reference.write_text("\n".join(lines) + "\n")
    rules = folder.parent / f"{folder.name}-rules.json"
    rules.write_text(json.dumps({"format": "tympan-rules", "version": 1, "classes": [rule],
                                 "about": f"lovo.py: {folder.name}"}) + "\n")
    return reference, rules


def score(tympan, rule, scenes, folder):
    """tp, fp, fn of the rule's class on scenes [(split, file)], labels of that class only."""
    reference, rules = write(rule, scenes, folder)
    c = rule["class"]
    done = subprocess.run([tympan, "evaluate", "--reference", str(reference), "--audio", str(folder), "--rules",
                           str(rules), "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"lovo.py: tympan evaluate failed:\n{done.stderr}")
    counts = json.loads(done.stdout)["event_based"]["per_class"].get(c, {})
    return [counts.get(k, 0) for k in ("tp", "fp", "fn")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", nargs="+", default=["train", "train2"], metavar="SPLIT")
    parser.add_argument("--choose", nargs="+", default=["train3"], metavar="SPLIT",
                        help="the splits the detector settings are chosen on")
    parser.add_argument("--test", nargs="+", default=["validation", "train4"], metavar="SPLIT")
    parser.add_argument("--terms", type=int, default=25, help="boosting rounds (default 25, as the bundled rules)")
    parser.add_argument("--most", type=int, default=12000, help="at most this many positive frames")
    parser.add_argument("--classes", nargs="+", default=CLASSES, choices=CLASSES)
    parser.add_argument("--tympan", default=str(ROOT / ".build/release/tympan"))
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = parser.parse_args()
    if len(set(args.fit) | set(args.choose) | set(args.test)) < len(args.fit + args.choose + args.test):
        parser.error("a split can serve one purpose only: --fit, --choose or --test")
    for split in args.fit + args.choose + args.test:
        if not (SCENES / f"{split}.meta.tsv").exists():
            parser.error(f"fixtures/scenes/{split} is missing: cd fixtures/generate && python generate.py --split {split}")
    detectors = json.loads((Path(__file__).resolve().parent / "detector.json").read_text())
    # Training frames per scene, so that a fold can leave scenes out.
    train = []  # (variants of the scene, columns, frame labels)
    for split in args.fit:
        names, features, labels = common.load(split, args.tympan)
        meta = variants(split)
        for f, x in features.items():
            train.append((meta.get(f, {}), boost.columns(x, names), common.frame_classes(len(x), labels[f])))
    # Scenes with events (background-only scenes are not in meta.tsv: they play no part here).
    test = [(split, f, v) for split in args.test for f, v in variants(split).items()]
    rng = np.random.default_rng(20261203)
    folds = []
    out = Path(tempfile.mkdtemp(prefix="tympan-lovo-"))
    for c in args.classes:
        kinds = sorted({v for _, _, meta in test for v in meta.get(c, set())}
                       | {v for meta, _, _ in train for v in meta.get(c, set())})
        for kind in kinds:
            kept = [(x, y) for meta, x, y in train if kind not in meta.get(c, set())]
            if not any((y == c).any() for _, y in kept):
                continue  # the class's only variant: nothing left to fit on
            X = np.concatenate([x for x, _ in kept])
            y = np.concatenate([y for _, y in kept])
            rule = boost.rule_for(c, X, y, args.terms, rng, args.most)
            # Alone in its file: no silencing by another class's rule.
            rule["detector"] = {k: v for k, v in detectors[c].items() if k != "suppressed_by"}
            unseen = [(s, f) for s, f, meta in test if meta.get(c) == {kind}]
            seen = [(s, f) for s, f, meta in test if meta.get(c) and kind not in meta[c]]
            if not unseen or not seen:
                continue
            tag = f"{c}-{kind.replace(' ', '_').replace('(', '').replace(')', '').replace('/', '_')}"
            rule = choose(args.tympan, rule, scenes_without(args.choose, c, kind), out / f"{tag}-choose")
            folds.append({"class": c, "variant": kind,
                          "unseen": score(args.tympan, rule, unseen, out / f"{tag}-unseen"),
                          "seen": score(args.tympan, rule, seen, out / f"{tag}-seen"),
                          "left_out_scenes": len(train) - len(kept)})
            print(f"lovo.py: {c} without '{kind}'", file=sys.stderr)
    for fold in folds:
        fold["f1_unseen"] = f1(*fold["unseen"])
        fold["f1_seen"] = f1(*fold["seen"])
    unseen = np.nanmean([f["f1_unseen"] for f in folds]) if folds else float("nan")
    seen = np.nanmean([f["f1_seen"] for f in folds]) if folds else float("nan")
    if args.json:
        print(json.dumps({"fit": args.fit, "test": args.test, "terms": args.terms, "folds": folds,
                          "mean_f1_unseen": unseen, "mean_f1_seen": seen}, indent=1))
        return
    print(f"Leave one generator variant out: fitted on {'+'.join(args.fit)} and settings chosen on "
          f"{'+'.join(args.choose)}, both without the variant's scenes ({args.terms} rounds); scored on "
          f"{'+'.join(args.test)}; tp/(tp+fn) +fp, F1 (collar 200 ms)")
    print(f"{'class':14} {'variant left out':18} {'unseen variant':>22} {'seen variants':>22}")
    for fold in folds:
        cells = []
        for k in ("unseen", "seen"):
            tp, fp, fn = fold[k]
            cells.append(f"{tp}/{tp + fn} +{fp}fp {fold['f1_' + k]:.3f}")
        print(f"{fold['class']:14} {fold['variant']:18} {cells[0]:>22} {cells[1]:>22}")
    print(f"mean F1 over {len(folds)} folds: unseen variant {unseen:.3f}, seen variants {seen:.3f}")


if __name__ == "__main__":
    main()
