#!/usr/bin/env bash
# Makes (once) a Python environment with pinned packages and prints its python.
#   scripts/python-env.sh          the fixture generator and its tests: .venv-fixtures,
#                                  fixtures/generate/requirements.txt
#   scripts/python-env.sh rules    the rule tooling (loso.py --fit, lovo.py, boost.py):
#                                  .venv-rules, scripts/rules/requirements.txt
#   scripts/python-env.sh pages    the platform's page tests (Selenium): .venv-pages,
#                                  Tests/pages/requirements.txt
# The Swift library never needs Python.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-fixtures}" in
    fixtures) venv=.venv-fixtures; requirements=fixtures/generate/requirements.txt ;;
    rules) venv=.venv-rules; requirements=scripts/rules/requirements.txt ;;
    pages) venv=.venv-pages; requirements=Tests/pages/requirements.txt ;;
    *) echo "python-env.sh: unknown environment '$1' (fixtures, rules or pages)" >&2; exit 2 ;;
esac
stamp=$venv/.requirements
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$stamp"
fi
echo "$PWD/$venv/bin/python"
