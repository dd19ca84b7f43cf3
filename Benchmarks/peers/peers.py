#!/usr/bin/env python3
"""Times the log-mel workload of the performance issue in Tympan, librosa and
kaldi-native-fbank in one run, alternating them, and prints the ratios.

Workload: N seconds (default 600) of 16 kHz mono audio, frame 400, hop 160,
FFT 512, Hann, 64 mel bands 0-8 kHz, power spectrum, natural log; one thread.
Tympan runs through `tympan bench --json` (its log_mel stage: the Swift API,
100 ms chunks streamed); librosa and kaldi-native-fbank through their Python
APIs on one array. Each is run ROUNDS times in turn (Tympan, librosa, knf,
Tympan, ...); the fastest run of each counts.

    Benchmarks/peers/run.sh [SECONDS] [ROUNDS]   (makes the venv, installs the pinned peers)
"""
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402


def main():
    tympan = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    import kaldi_native_fbank as knf
    import librosa

    rng = np.random.default_rng(0)
    n = seconds * 16000
    t = np.arange(n) / 16000
    audio = (0.05 * rng.standard_normal(n) + 0.05 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    frames = n // 160 + 1

    def run_librosa():
        s = librosa.feature.melspectrogram(y=audio, sr=16000, n_fft=512, hop_length=160, win_length=400, window="hann",
                                           center=True, pad_mode="constant", power=2.0, n_mels=64, fmin=0, fmax=8000)
        return np.log(np.maximum(s, 1e-10))

    def run_knf():
        opts = knf.FbankOptions()
        opts.frame_opts.samp_freq = 16000
        opts.frame_opts.frame_length_ms = 25
        opts.frame_opts.frame_shift_ms = 10
        opts.frame_opts.dither = 0
        opts.frame_opts.window_type = "hann"
        opts.frame_opts.remove_dc_offset = False
        opts.frame_opts.preemph_coeff = 0
        opts.mel_opts.num_bins = 64
        opts.mel_opts.low_freq = 0
        opts.mel_opts.high_freq = 8000
        opts.use_power = True
        opts.use_log_fbank = True
        fbank = knf.OnlineFbank(opts)
        fbank.accept_waveform(16000, audio.tolist())
        fbank.input_finished()
        return np.array([fbank.get_frame(i) for i in range(fbank.num_frames_ready)])

    def run_tympan():
        out = subprocess.run([tympan, "bench", "--seconds", str(seconds), "--repeat", "1", "--json"],
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out)["stages"]["log_mel"]["us_per_frame"] * 1e-6 * frames

    best = {"tympan": float("inf"), "librosa": float("inf"), "kaldi-native-fbank": float("inf")}
    for _ in range(rounds):
        best["tympan"] = min(best["tympan"], run_tympan())
        for name, fn in (("librosa", run_librosa), ("kaldi-native-fbank", run_knf)):
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"{seconds} s of audio, {frames} frames, fastest of {rounds} alternating rounds, one thread")
    print(f"{'':20s} {'real-time factor':>17s} {'us per frame':>13s} {'Tympan is':>10s}")
    for name, wall in best.items():
        ratio = "" if name == "tympan" else f"{wall / best['tympan']:.1f}x faster"
        print(f"{name:20s} {seconds / wall:17,.0f} {wall / frames * 1e6:13.3f} {ratio:>10s}")
    print(f"versions: librosa {librosa.__version__}, kaldi-native-fbank {getattr(knf, '__version__', '?')}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
