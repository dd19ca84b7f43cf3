#!/usr/bin/env python3
"""Coordinate search over the thresholds of a rules file, on a labelled split.

    tune.py START.json OUT.json [--split train] [--passes 3]

Every class's F1 depends on its own rule only, so each step moves one
parameter of every class at once and keeps, class by class, the value with the
best objective: event F1 (onset collar 200 ms) minus 0.05 per background-only
clip where the class fired. Scores come from the real `tympan detect`; a fast
greedy matcher stands in for sed_eval (score.py gives the sed_eval figures).
"""
import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLAR = 0.2
PENALTY = 0.05


def read(lines):
    out = {}
    for line in lines:
        if line.strip() and not line.startswith("filename"):
            f, a, b, c = line.split("\t")
            out.setdefault(f, []).append((float(a), c))
    return out


def evaluate(rules, split, tympan, files, reference):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as t:
        json.dump(rules, t)
    result = subprocess.run([tympan, "detect", "--format", "tsv", "--rules", t.name, *files],
                            capture_output=True, text=True)
    Path(t.name).unlink()
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    estimated = read(result.stdout.splitlines())
    scores = {}
    for rule in rules["classes"]:
        c = rule["class"]
        tp = fp = fn = 0
        fired_background = 0
        for f in files:
            name = Path(f).name
            refs = sorted(o for o, l in reference.get(name, []) if l == c)
            ests = sorted(o for o, l in estimated.get(name, []) if l == c)
            used = [False] * len(ests)
            for r in refs:
                for i, e in enumerate(ests):
                    if not used[i] and abs(e - r) <= COLLAR:
                        used[i] = True
                        tp += 1
                        break
                else:
                    fn += 1
            fp += used.count(False)
            if name not in reference and ests:
                fired_background += 1
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        scores[c] = (f1 - PENALTY * fired_background, f1, fired_background)
    return scores


def labelled(splits):
    """The clips of the splits and their labels (onset, class) by file name."""
    files, reference = [], {}
    for split in splits:
        files += sorted(str(f) for f in (ROOT / "fixtures/scenes" / split).glob("*.flac"))
        reference.update(read((ROOT / f"fixtures/scenes/{split}.tsv").read_text().splitlines()))
    return files, reference


def slots(rule):
    """(path, step) for every tunable number of a class rule."""
    out = []
    for i, cond in enumerate(rule["when"]):
        for key in ("above", "below"):
            if key in cond:
                step = cond.get("softness") or abs(cond[key]) * 0.1 or 0.1
                out.append(((i, key, None), step / 2))
        if "between" in cond:
            step = cond.get("softness") or (cond["between"][1] - cond["between"][0]) * 0.1
            out.append(((i, "between", 0), step / 2))
            out.append(((i, "between", 1), step / 2))
    out.append((("detector", "min_duration", None), 0.05))
    out.append((("detector", "on", None), 0.05))
    if "onset_feature" in rule.get("detector", {}):
        out.append((("detector", "onset_above", None), 1.5))
    return out


def get(rule, path):
    a, key, k = path
    node = rule["detector"] if a == "detector" else rule["when"][a]
    return node[key][k] if k is not None else node.get(key, {"on": 0.5, "min_duration": 0.1, "onset_above": 3}.get(key))


def put(rule, path, value):
    a, key, k = path
    node = rule.setdefault("detector", {}) if a == "detector" else rule["when"][a]
    if k is not None:
        node[key][k] = value
    else:
        node[key] = value


def main():
    p = argparse.ArgumentParser()
    p.add_argument("start")
    p.add_argument("out")
    p.add_argument("--split", nargs="+", default=["train"])
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--tympan", default=str(ROOT / ".build/release/tympan"))
    args = p.parse_args()
    rules = json.loads(Path(args.start).read_text())
    files, reference = labelled(args.split)
    best = evaluate(rules, args.split, args.tympan, files, reference)
    print("start", {c: round(v[1], 3) for c, v in best.items()}, file=sys.stderr)
    for n in range(args.passes):
        width = max(len(slots(r)) for r in rules["classes"])
        for s in range(width):
            for factor in (-4, -2, -1, 1, 2, 4):
                trial = copy.deepcopy(rules)
                moved = {}
                for rule in trial["classes"]:
                    table = slots(rule)
                    if s < len(table):
                        path, step = table[s]
                        value = get(rule, path) + factor * step / (n + 1)
                        if path[1] == "on":
                            value = min(1.0, max(rule["detector"].get("off", 0.35), value))
                        if path[1] == "min_duration":
                            value = max(0.0, value)
                        put(rule, path, round(value, 4))
                        moved[rule["class"]] = True
                scores = evaluate(trial, args.split, args.tympan, files, reference)
                for i, rule in enumerate(trial["classes"]):
                    c = rule["class"]
                    if moved.get(c) and scores[c][0] > best[c][0] + 1e-9:
                        rules["classes"][i] = rule
                        best[c] = scores[c]
            print(f"pass {n} slot {s}", {c: round(v[1], 3) for c, v in best.items()}, file=sys.stderr)
        Path(args.out).write_text(json.dumps(rules, indent=1) + "\n")
    print({c: (round(v[1], 3), v[2]) for c, v in best.items()})


if __name__ == "__main__":
    main()
