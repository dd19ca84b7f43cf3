#!/usr/bin/env bash
# Side-by-side log-mel timing: Tympan against librosa and kaldi-native-fbank
# (pinned in requirements.txt, installed from PyPI into Benchmarks/peers/.venv).
#   Benchmarks/peers/run.sh [SECONDS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
cd "$root"
swift build -c release --product tympan >/dev/null
tympan="$(swift build -c release --show-bin-path)/tympan"
python="${PYTHON:-$here/.venv/bin/python}"
if [ ! -x "$python" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
fi
"$python" "$here/peers.py" "$tympan" "${1:-600}" "${2:-3}"
