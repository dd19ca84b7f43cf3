#!/usr/bin/env python3
"""Writes a rules file into Sources/Tympan/Detection/BundledRules.swift (the
rules `tympan` ships with), one condition per line so that a diff reads well.

    bundle.py RULES.json
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
    out = ["{", '  "format": "tympan-rules",', '  "version": 1,', f'  "about": {json.dumps(rules["about"])},',
           '  "classes": [']
    for i, c in enumerate(rules["classes"]):
        out += ["    {", f'      "class": "{c["class"]}", "id": {IDS.index(c["class"]) + 1},',
                f'      "about": {json.dumps(c.get("about", ""))},', '      "when": [']
        out += [f"        {compact(w)}" + ("," if j < len(c["when"]) - 1 else "") for j, w in enumerate(c["when"])]
        out += ["      ],", f'      "detector": {compact(c["detector"])}', "    }" + ("," if i < len(rules["classes"]) - 1 else "")]
    out += ["  ]", "}"]
    text = "\n".join(out)
    json.loads(text)
    swift = ("extension Rules {\n"
             "    /// The bundled rules (documented in docs/rules.md). `tympan rules` prints\n"
             "    /// them; edit a copy and pass it with `--rules`. Written by scripts/rules/bundle.py.\n"
             '    public static let bundledJSON = #"""\n' + text + '\n"""#\n}\n')
    (ROOT / "Sources/Tympan/Detection/BundledRules.swift").write_text(swift)


if __name__ == "__main__":
    main()
