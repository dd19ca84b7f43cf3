#!/usr/bin/env bash
# Makes (once) the Python environment of the fixture generator and its tests:
# .venv-fixtures with the pinned packages of fixtures/generate/requirements.txt.
# Prints the environment's python. The Swift library never needs Python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-fixtures
requirements=fixtures/generate/requirements.txt
stamp=$venv/.requirements
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$stamp"
fi
echo "$PWD/$venv/bin/python"
