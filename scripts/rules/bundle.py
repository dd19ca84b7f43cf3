#!/usr/bin/env python3
"""Writes a rules file into Sources/Tympan/Detection/bundled-rules.json (the
rules `tympan` ships with; the EmbedRules plugin turns it into Swift source at
build time), one condition per line so that a diff reads well.

    bundle.py RULES.json [--about ABOUT.json]

ABOUT.json maps class names to the text of their "about" (what makes the rule
and what it guards against), kept apart from the fitted numbers; "CLASS (all)"
is the text for a rule whose conditions must all hold. Also writes
docs/bundled-rules.md: per class its about, detector settings and, for a
weighted rule, the conditions with the largest weights for and against it.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IDS = ["gunshot", "scream", "drill", "angle_grinder", "car_horn", "whistle", "aerosol_spray", "crackling"]


def compact(value):
    return json.dumps(value, separators=(", ", ": "))


def main():
    rules = json.loads(Path(sys.argv[1]).read_text())
    if len(sys.argv) == 4 and sys.argv[2] == "--about":
        about = json.loads(Path(sys.argv[3]).read_text())
        for c in rules["classes"]:
            key = c["class"] if c.get("combine") == "weighted" else c["class"] + " (all)"
            c["about"] = about.get(key, about.get(c["class"], c.get("about", "")))
    out = ["{", '  "format": "tympan-rules",', '  "version": 1,', f'  "about": {json.dumps(rules["about"])},',
           '  "classes": [']
    for i, c in enumerate(rules["classes"]):
        out += ["    {", f'      "class": "{c["class"]}", "id": {IDS.index(c["class"]) + 1},',
                f'      "about": {json.dumps(c.get("about", ""))},']
        if c.get("combine") == "weighted":
            out += [f'      "combine": "weighted", "bias": {c["bias"]},']
        out += ['      "when": [']
        out += [f"        {compact(w)}" + ("," if j < len(c["when"]) - 1 else "") for j, w in enumerate(c["when"])]
        out += ["      ],", f'      "detector": {compact(c["detector"])}', "    }" + ("," if i < len(rules["classes"]) - 1 else "")]
    out += ["  ]", "}"]
    text = "\n".join(out)
    json.loads(text)
    (ROOT / "Sources/Tympan/Detection/bundled-rules.json").write_text(text + "\n")
    (ROOT / "docs/bundled-rules.md").write_text(summary(rules))


def describe(term):
    if "all" in term:
        return " and ".join(describe(t) for t in term["all"])
    window = f"{term.get('aggregate', 'value')} over {term['frames']} frames" if "frames" in term else "value"
    k = next(k for k in ("above", "below", "between") if k in term)
    bound = f"{k} {term[k]:.4g}" if k != "between" else f"between {term[k][0]:.4g} and {term[k][1]:.4g}"
    return f"`{term['feature']}` ({window}) {bound}"


def summary(rules, strongest=6):
    out = ["# The bundled rules", "",
           "Written by `scripts/rules/bundle.py` from the rules it bundles (`tympan rules` prints them",
           "whole); see `rules.md` for the format. " + rules["about"] + ".", ""]
    for c in rules["classes"]:
        out += [f"## {c['class']} (id {IDS.index(c['class']) + 1})", "", c.get("about", ""), ""]
        d = c["detector"]
        out += ["Detector: " + ", ".join(f"{k} {v}" for k, v in d.items()) + ".", ""]
        if c.get("combine") == "weighted":
            terms = sorted(c["when"], key=lambda t: -t["weight"])
            out += [f"Weighted: bias {c['bias']}, {len(terms)} terms (a condition, or two that must both hold). "
                    "Strongest evidence for:", ""]
            out += [f"- {describe(t)}: +{t['weight']:.3g}" for t in terms[:strongest] if t["weight"] > 0]
            out += ["", "Strongest evidence against:", ""]
            out += [f"- {describe(t)}: {t['weight']:.3g}" for t in terms[::-1][:strongest] if t["weight"] < 0]
        else:
            out += ["Every condition must hold:", ""] + [f"- {describe(t)}" for t in c["when"] if "feature" in t]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
