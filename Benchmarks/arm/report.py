#!/usr/bin/env python3
"""Prints the aarch64 instructions per frame that insncount.c counted (its
line on standard error of qemu: frames, total, and stage0 ... stage3).

    report.py log-mel COUNTS
    report.py detection COUNTS LOG_MEL_COUNTS

The last line is the figure CI looks for: "aarch64 log-mel instructions per
frame: N" or "aarch64 detection instructions per frame: N". The shares of a
core assume a Cortex-A53 at 1.2 GHz with IPC 0.5 and a Cortex-A72 at 1.5 GHz
with IPC 1.0, 100 frames a second of audio.
"""
import sys

STAGES = {
    "log-mel": ["window", "FFT + power spectrum", "mel filterbank", "log"],
    "detection": ["front end (stream: log-mel, descriptors, background)", "aggregates", "scorer"],
}
CORES = (("Cortex-A53", 1.2e9, 0.5), ("Cortex-A72", 1.5e9, 1.0))


def per_frame(path, stages):
    fields = open(path).read().split()
    counts = {fields[i]: int(fields[i + 1]) for i in range(1, len(fields) - 1, 2) if fields[i + 1].isdigit()}
    return [counts[f"stage{k}"] / counts["frames"] for k in range(stages)]


def main():
    what, path = sys.argv[1], sys.argv[2]
    names = STAGES[what]
    per = per_frame(path, len(names))
    total = sum(per)
    width = max(len(n) for n in names) + 2
    print(f"{'stage':{width}s} instructions per frame")
    for n, v in zip(names, per):
        print(f"{n:{width}s} {v:10,.0f}")
    if what == "log-mel":
        print(f"{'log-mel':{width}s} {total:10,.0f}")
    else:
        logmel = sum(per_frame(sys.argv[3], len(STAGES["log-mel"])))
        print(f"{'whole per-frame detection':{width}s} {total:10,.0f}   ({total / logmel:.1f} x log-mel)")
    print("estimated, assuming a Cortex-A53 at 1.2 GHz with IPC 0.5 and a Cortex-A72 at 1.5 GHz with IPC 1.0 "
          "(100 frames per second of audio):")
    for core, hz, ipc in CORES:
        print(f"  {core}: {hz * ipc / total / 100:,.0f} x real time ({100 * total * 100 / (hz * ipc):.2f} % of a core)")
    print(f"aarch64 {what} instructions per frame: {round(total)}")


if __name__ == "__main__":
    main()
