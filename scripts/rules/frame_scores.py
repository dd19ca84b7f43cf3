#!/usr/bin/env python3
"""A weighted rules file's class scores, frame by frame, computed from the file
itself in numpy (the logistic of the bias plus the weights of the terms that hold;
"above" is >=, "below" is <=), for looking into a fitted rule:

    frame_scores.py RULES.json CLASS AUDIO... [--quantiles 0.999 0.9999] [--tympan PATH]

For each audio file: the class's highest score and where it is, or with
--quantiles, the score of every class at those quantiles of the file's frames
(how often a background stream would reach a given `on`).
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import boost  # noqa: E402
import common  # noqa: E402
import loso  # noqa: E402

HOP_SECONDS = 0.01
INDEX = {key: i for i, key in enumerate(boost.KEYS)}


def holds(condition, X):
    key = (condition["feature"], condition.get("aggregate", "value"), condition.get("frames", 1))
    if key not in INDEX:
        sys.exit(f"frame_scores.py: {key} is not one of boost.py's columns")
    v = X[:, INDEX[key]]
    return v >= condition["above"] if "above" in condition else v <= condition["below"]


def scores(rule, X):
    if rule.get("combine") != "weighted":
        sys.exit(f"frame_scores.py: the {rule['class']} rule is not a weighted rule")
    z = np.full(len(X), float(rule["bias"]))
    for term in rule["when"]:
        held = np.ones(len(X), bool)
        for condition in term.get("all", [term]):
            held &= holds(condition, X)
        z += term["weight"] * held
    return 1 / (1 + np.exp(-z))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rules", type=Path)
    parser.add_argument("cls", metavar="CLASS")
    parser.add_argument("audio", nargs="+", type=Path)
    parser.add_argument("--quantiles", type=float, nargs="+")
    parser.add_argument("--tympan", default=str(common.ROOT / ".build/release/tympan"))
    args = parser.parse_args()
    rules = {r["class"]: r for r in json.loads(args.rules.read_text())["classes"]}
    if args.cls not in rules:
        parser.error(f"no rule for {args.cls} in {args.rules}")
    names = subprocess.run([args.tympan, "features", "x", "--preset", "detection", "--names"], check=True,
                           capture_output=True, text=True).stdout.split()
    print(f"{args.cls}: on {rules[args.cls]['detector']['on']}")
    for path in args.audio:
        try:
            X = boost.columns(loso.features(args.tympan, path), names)
        except subprocess.CalledProcessError as error:
            sys.exit(f"frame_scores.py: cannot read {path}: {error.stderr.decode().strip()}")
        if args.quantiles:
            cells = [f"{c} " + "/".join(f"{np.quantile(scores(r, X), q):.2f}" for q in args.quantiles)
                     for c, r in rules.items()]
            print(f"{path.name} ({len(X)} frames): " + ", ".join(cells))
        else:
            s = scores(rules[args.cls], X)
            print(f"{path.name}: highest {s.max():.3f} at {s.argmax() * HOP_SECONDS:.2f} s, "
                  f"{int((s >= rules[args.cls]['detector']['on']).sum())} frames at or above on")


if __name__ == "__main__":
    main()
