#!/usr/bin/env python3
"""Runs `tympan detect` over a split and scores it with sed_eval (event-based,
onset collar 200 ms, onset only), for tuning rules.

    score.py SPLIT [--rules FILE] [--tympan PATH]

Prints per-class precision/recall/F1, the macro F1, and the share of
background-only clips with no detection at all.
"""
import argparse
import subprocess
import sys
from pathlib import Path

import dcase_util
import sed_eval

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["gunshot", "scream", "drill", "angle_grinder", "car_horn", "whistle", "aerosol_spray", "crackling"]


def read(lines):
    out = {}
    for line in lines:
        if not line.strip() or line.startswith("filename"):
            continue
        f, a, b, c = line.split("\t")
        out.setdefault(f, []).append({"filename": f, "onset": float(a), "offset": float(b), "event_label": c})
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("split")
    p.add_argument("--rules")
    p.add_argument("--tympan", default=str(ROOT / ".build/release/tympan"))
    p.add_argument("--audio", help="folder of the clips (default fixtures/scenes/SPLIT)")
    p.add_argument("--reference", help="labels (default fixtures/scenes/SPLIT.tsv)")
    p.add_argument("--show", help="list this class's misses and false alarms")
    args = p.parse_args()
    folder = Path(args.audio) if args.audio else ROOT / "fixtures/scenes" / args.split
    reference = read(Path(args.reference or ROOT / f"fixtures/scenes/{args.split}.tsv").read_text().splitlines())
    files = sorted(str(f) for f in folder.iterdir() if f.suffix in (".flac", ".wav"))
    command = [args.tympan, "detect", "--format", "tsv", *files] + (["--rules", args.rules] if args.rules else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
    estimated = read(result.stdout.splitlines())
    metrics = sed_eval.sound_event.EventBasedMetrics(event_label_list=CLASSES, t_collar=0.2,
                                                     evaluate_onset=True, evaluate_offset=False)
    for f in files:
        name = Path(f).name
        metrics.evaluate(dcase_util.containers.MetaDataContainer(reference.get(name, [])),
                         dcase_util.containers.MetaDataContainer(estimated.get(name, [])))
    r = metrics.results()
    print(f"{'class':15s} {'P':>6s} {'R':>6s} {'F1':>6s} {'ref':>5s} {'est':>5s}")
    for c in CLASSES:
        m = r["class_wise"][c]
        print(f"{c:15s} {m['f_measure']['precision']:6.3f} {m['f_measure']['recall']:6.3f} "
              f"{m['f_measure']['f_measure']:6.3f} {int(m['count']['Nref']):5d} {int(m['count']['Nsys']):5d}")
    if args.show:
        for f in files:
            name = Path(f).name
            refs = [e for e in reference.get(name, []) if e["event_label"] == args.show]
            ests = [e for e in estimated.get(name, []) if e["event_label"] == args.show]
            missed = [r for r in refs if not any(abs(r["onset"] - e["onset"]) <= 0.2 for e in ests)]
            false = [e for e in ests if not any(abs(r["onset"] - e["onset"]) <= 0.2 for r in refs)]
            others = [f"{e['event_label']}@{e['onset']:.2f}" for e in reference.get(name, [])]
            for r in missed:
                print(f"  miss  {name} {r['onset']:.2f}-{r['offset']:.2f}   (labels: {' '.join(others)})")
            for e in false:
                print(f"  false {name} {e['onset']:.2f}-{e['offset']:.2f}   (labels: {' '.join(others)})")
    background = [Path(f).name for f in files if Path(f).name not in reference]
    quiet = sum(1 for f in background if f not in estimated)
    false = [e for f in background for e in estimated.get(f, [])]
    print(f"macro F1 {r['class_wise_average']['f_measure']['f_measure']:.3f}  "
          f"micro F1 {r['overall']['f_measure']['f_measure']:.3f}  "
          f"background clips without detection {quiet}/{len(background)}  "
          f"false events there: {sorted(set(e['event_label'] for e in false))}")


if __name__ == "__main__":
    main()
