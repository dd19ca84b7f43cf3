#!/usr/bin/env bash
# The demo: features of the bundled speech clip with each preset.
set -euo pipefail
tympan=$1
out=${2:-out}
clip=fixtures/reference/signals/speech.wav
mkdir -p "$out"
echo "== tympan features $clip (librosa log-mel, CSV)"
"$tympan" features "$clip" --preset librosa -o "$out/speech.librosa.csv"
echo "   frame 150 (1.5 s), first 8 of 64 bands (dB):"
sed -n 151p "$out/speech.librosa.csv" | cut -d, -f1-8 | sed 's/^/   /'
echo "== tympan features $clip (Kaldi fbank, NPY)"
"$tympan" features "$clip" --preset kaldi --format npy -o "$out/speech.kaldi.npy"
echo "== tympan features $clip (HTK MFCC 13, CSV)"
"$tympan" features "$clip" --preset htk -o "$out/speech.htk-mfcc.csv"
echo "Features are in $out/ (no audio is ever written)."
