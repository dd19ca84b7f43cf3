#!/usr/bin/env python3
"""Throws randomly mutated inputs at the `tympan` command, as a new user might
by mistake, and reports every crash and every hang.

    scripts/mutate.py TYMPAN [--count 100] [--seed 1] [--timeout 20] [--out out/mutate]

Five kinds, COUNT inputs each, made from the fuzz seeds (Tests/Fuzz/seeds/):
  rules         a mutated rules file:  `rules --check F`, then `detect --rules F CLIP`
  audio-file    a mutated WAV/FLAC:    `detect F`, `features F`
  raw-pcm       mutated raw PCM with an odd format, rate, channel count and chunking
                on standard input:     `detect --raw FMT --rate R --channels C -`
  sensor-config a mutated configuration (a closed local port as broker, a throwaway
                spool and password file): `listen --config F --stdout --drain 0 ... -`
                on one second of silence
  labels        a mutated DCASE label file: `evaluate --reference F --estimate F`
                and against the unmutated seed
Mutations: bit flips, byte runs inserted, deleted, repeated or truncated, and in
text the numbers replaced by absurd ones (huge, negative, NaN, 1e308, empty) and
keys misspelt.

The exit statuses the command documents are 0, 1 (a file that cannot be used),
64 (a usage error) and for `listen` 2 (a bad configuration). Anything else (a signal, a trap, an abort) is a crash; a
run past TIMEOUT seconds is a hang. Each failing input is kept in OUT with the
command that failed; exit status 1 if there was one. Python's standard library
only.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "Tests" / "Fuzz" / "seeds"
ACCEPTED = {0, 1, 64}
ACCEPTED_LISTEN = ACCEPTED | {2}
NUMBERS = ["99999999999999999999", "-99999999999999999999", "1e308", "-1e308", "1e-320", "NaN", "nan", "inf",
           "-inf", "0", "-0", "-1", "1", "2147483648", "9223372036854775808", "18446744073709551616", "0.0000001",
           "", "\"\"", "null", "true", "[]", "{}", "604800.0001", "3e9"]
RATES = ["4000", "8000", "11025", "16000", "22050", "44100", "48000", "96000", "384000"]
ODD_RATES = ["1", "2", "3999", "384001", "0", "-16000", "1e9", "16000.5", "99999999999999999999", "abc", ""]
CHANNELS = ["1", "1", "2", "2", "3", "8", "64", "0", "-1", "65", "255", "1000000", "x"]
SENSOR = {"sensor": "pole-17", "latitude": 48.8566, "longitude": 2.3522, "calibration_db": 94.0,
          "broker": "mqtt://127.0.0.1:9", "username": "pole-17", "password_file": "password", "spool": "spool",
          "health_interval": 60, "reconnect_max": 30}
FORMATS = ["s16le", "f32le", "s16le", "f32le", "u8", "S16LE", ""]


def mutate_bytes(data, rng, header=0):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        limit = header if header and rng.random() < 0.7 else len(data)
        limit = max(1, min(limit, len(data)))
        kind = rng.randrange(6)
        at = rng.randrange(limit) if data else 0
        if kind == 0 and data:
            data[at] ^= 1 << rng.randrange(8)
        elif kind == 1 and data:
            data[at] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
        elif kind == 2:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == 3 and data:
            del data[at:at + rng.randint(1, 64)]
        elif kind == 4 and data:
            chunk = data[at:at + rng.randint(1, 256)]
            data[at:at] = chunk * rng.randint(1, 8)
        elif kind == 5:
            del data[rng.randrange(len(data) + 1):]
    return bytes(data)


def mutate_text(text, rng):
    """One to three edits: mostly a number changed (half the time to a nearby
    value, half to an absurd one), else a key misspelt, a line repeated or bytes
    mutated; so that most inputs still parse and reach what reads them."""
    for _ in range(rng.choices([1, 2, 3], [6, 3, 1])[0]):
        kind = rng.choices(["number", "word", "line", "bytes"], [11, 3, 3, 3])[0]
        numbers = list(re.finditer(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text))
        words = list(re.finditer(r"[A-Za-z_]{3,}", text))
        if kind == "number" and numbers:
            m = rng.choice(numbers)
            if rng.random() < 0.5:
                value = float(m.group()) * rng.choice([-1, 0, 0.1, 0.5, 2, 10, 1000]) + rng.choice([0, 1, -1])
                replacement = repr(round(value, 3))
            else:
                replacement = rng.choice(NUMBERS)
            text = text[:m.start()] + replacement + text[m.end():]
        elif kind == "word" and words:
            m = rng.choice(words)
            w = list(m.group())
            w[rng.randrange(len(w))] = rng.choice("abcdefghijklmnopqrstuvwxyz_N")
            text = text[:m.start()] + "".join(w) + text[m.end():]
        elif kind == "line":
            lines = text.split("\n")
            lines.insert(rng.randrange(len(lines)), lines[rng.randrange(len(lines))] * rng.randint(1, 3))
            text = "\n".join(lines)
        else:
            text = mutate_bytes(text.encode(), rng).decode("utf-8", "replace")
    return text


def mutated(path, rng):
    data = path.read_bytes()
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return mutate_bytes(data, rng, header=64)
    return mutate_text(text, rng).encode()


class Runner:
    def __init__(self, tympan, timeout, out):
        self.tympan, self.timeout, self.out = tympan, timeout, out
        self.runs, self.failures, self.statuses = 0, [], {}

    def __call__(self, kind, args, files, stdin=None):
        """Runs tympan ARGS; on a crash or a hang, keeps FILES and the command."""
        self.runs += 1
        try:
            rc = subprocess.run([self.tympan] + args, input=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, timeout=self.timeout).returncode
            counts = self.statuses.setdefault(kind, {})
            counts[rc] = counts.get(rc, 0) + 1
            if rc in (ACCEPTED_LISTEN if args[0] == "listen" else ACCEPTED):
                return rc
            what = f"signal {signal.Signals(-rc).name}" if rc < 0 else f"exit status {rc}"
        except subprocess.TimeoutExpired:
            rc, what = None, f"hang (over {self.timeout} s)"
        folder = self.out / f"{kind}-{len(self.failures)}"
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copy(f, folder)
        if stdin is not None:
            (folder / "stdin").write_bytes(stdin)
        (folder / "command").write_text(" ".join(["tympan"] + args) + f"\n{what}\n")
        self.failures.append((kind, what, folder))
        print(f"  {kind}: {what}: {folder}", flush=True)
        return rc


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tympan")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "mutate")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shutil.rmtree(args.out, ignore_errors=True)
    run = Runner(os.path.abspath(args.tympan), args.timeout, args.out)
    work = Path(tempfile.mkdtemp(prefix="tympan-mutate-"))
    clip = SEEDS / "audio-file" / "pcm16.wav"
    (work / "password").write_text("secret\n")
    try:
        for k in range(args.count):
            # rules
            f = work / "rules.json"
            f.write_bytes(mutated(rng.choice(sorted((SEEDS / "rules").iterdir())), rng))
            if run("rules", ["rules", "--check", str(f)], [f]) == 0:
                run("rules", ["detect", "--rules", str(f), str(clip)], [f, clip])
            # audio files
            seed = rng.choice(sorted((SEEDS / "audio-file").iterdir()))
            f = work / ("clip" + seed.suffix)
            f.write_bytes(mutate_bytes(seed.read_bytes(), rng, header=64))
            run("audio-file", ["detect", str(f)], [f])
            run("audio-file", ["features", str(f), "--format", "npy"], [f])
            # raw PCM
            seed = rng.choice(sorted((SEEDS / "raw-pcm").iterdir()))
            data = seed.read_bytes() * rng.randint(1, 4)
            data = mutate_bytes(data, rng) if rng.random() < 0.5 else data
            command = ["detect", "--raw", rng.choice(FORMATS), "--rate",
                       rng.choice(RATES if rng.random() < 0.6 else ODD_RATES)]
            if rng.random() < 0.6:
                command += ["--channels", rng.choice(CHANNELS)]
            run("raw-pcm", command + ["-"], [], stdin=data)
            # sensor configuration
            f = work / "sensor.json"
            f.write_bytes(mutate_text(json.dumps(SENSOR, indent=1), rng).encode())
            shutil.rmtree(work / "spool", ignore_errors=True)
            run("sensor-config", ["listen", "--config", str(f), "--stdout", "--drain", "0", "--raw", "s16le",
                                  "--rate", "16000", "-"], [f], stdin=bytes(32000))
            # labels
            seed = rng.choice(sorted((SEEDS / "labels").iterdir()))
            f = work / "labels.tsv"
            f.write_bytes(mutated(seed, rng))
            run("labels", ["evaluate", "--reference", str(f), "--estimate", str(f), "--json"], [f])
            run("labels", ["evaluate", "--reference", str(seed), "--estimate", str(f)], [f])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for kind, counts in run.statuses.items():
        print(f"{kind:14} exit statuses: " + ", ".join(f"{rc}: {n}" for rc, n in sorted(counts.items(), key=str)))
    print(json.dumps({"inputs": args.count * 5, "runs": run.runs, "crashes and hangs": len(run.failures)}))
    sys.exit(1 if run.failures else 0)


if __name__ == "__main__":
    main()
