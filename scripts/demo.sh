#!/usr/bin/env bash
# The demo: detection on bundled scenes (with their labels beside), then features.
set -euo pipefail
tympan=$1
out=${2:-out}
mkdir -p "$out"
scenes=(test_0004 test_0009 test_0015 test_0002)
echo "== tympan detect on ${#scenes[@]} bundled test scenes (event records: JSON lines, no audio)"
files=()
for s in "${scenes[@]}"; do files+=("fixtures/scenes/test/$s.flac"); done
"$tympan" detect --sensor demo-street-1 --start-time 2026-11-30T12:00:00Z "${files[@]}" | tee "$out/events.jsonl"
echo
echo "== the same as DCASE lines, and the labels of these scenes"
"$tympan" detect --format tsv "${files[@]}" > "$out/events.tsv"
for s in "${scenes[@]}"; do
    echo "-- $s   detected | labelled"
    paste <(grep "^$s" "$out/events.tsv" | cut -f2-4 || true) \
          <(grep "^$s" fixtures/scenes/test.tsv | cut -f2-4 || true) | sed 's/^/   /'
done
echo
echo "== tympan features (librosa log-mel, CSV) of the bundled speech clip"
"$tympan" features fixtures/reference/signals/speech.wav --preset librosa -o "$out/speech.librosa.csv"
echo "Events and features are in $out/ (no audio is ever written)."
