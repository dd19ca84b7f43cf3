#!/usr/bin/env bash
# The aarch64 proof: the C kernels cross-compiled for arm64 (Debian's
# cross gcc and arm64 FFTW; compiled with the Swift toolchain's clang when
# there is one, as SwiftPM would), run under qemu-user as a Cortex-A53 and a
# Cortex-A72, compared with the x86-64 build (bound 1e-5 of each frame's
# peak: exit 1 beyond), and the aarch64 instructions per frame of each stage
# counted by a qemu TCG plugin (insncount.c) built against qemu-plugin.h from
# Debian's qemu source package, fetched at build time and never committed.
# Then the whole per-frame detection of the bundled rules (detect.c: front
# end, aggregates, scorer, from the tables of `tympan rules --tables`) on 60 s
# of the synthetic test scenes: its scores on the Cortex-A53 against x86-64,
# the events `tympan replay` makes of each (they must be the same), and the
# aarch64 instructions per frame of each stage.
#   Benchmarks/arm/run.sh [SECONDS]      (installs what it needs when root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
work="$(mktemp -d /tmp/tympan-arm.XXXXXX)"
trap 'rm -rf "$work"' EXIT

need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
[ -e /usr/lib/aarch64-linux-gnu/libfftw3f.so ] || need+=(libfftw3-dev:arm64)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "arm: missing ${need[*]}; run as root or install them" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    dpkg --print-foreign-architectures | grep -q arm64 || dpkg --add-architecture arm64
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# qemu-plugin.h from the source package of the installed qemu (GPL: fetched, not committed).
header="$work/qemu-include"
mkdir -p "$header"
if ! ls /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | xargs grep -qs "deb-src"; then
    [ "$(id -u)" -eq 0 ] || { echo "arm: no deb-src entry to fetch qemu's source" >&2; exit 1; }
    cat > /etc/apt/sources.list.d/tympan-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt-get update -qq
fi
(cd "$work" && apt-get source --download-only -qq qemu >/dev/null 2>&1)
tar -xJf "$work"/qemu_*.orig.tar.xz -C "$work" --wildcards '*/include/qemu/qemu-plugin.h'
cp "$work"/qemu-*/include/qemu/qemu-plugin.h "$header/"
gcc -shared -fPIC -O2 -I"$header" "$here/insncount.c" -o "$work/libinsncount.so"

# The harness for both machines.
sources=("$here/harness.c" "$root"/CKernels/*.c)
includes=(-I"$root/CKernels/include" -I"$root/CKernels")
gcc -O2 "${includes[@]}" "${sources[@]}" -lfftw3f -lm -lpthread -o "$work/harness-x86"
clang=""
for c in /opt/swift/usr/bin/clang "$(command -v clang || true)"; do [ -x "$c" ] && { clang="$c"; break; }; done
mkdir -p "$work/obj"
if [ -n "$clang" ]; then
    compiler="$clang -O2 (as SwiftPM)"
    for f in "${sources[@]}"; do
        "$clang" --target=aarch64-linux-gnu -O2 -mcpu=cortex-a53 -fno-pie "${includes[@]}" \
            -isystem /usr/aarch64-linux-gnu/include -c "$f" -o "$work/obj/$(basename "$f" .c).o"
    done
    aarch64-linux-gnu-gcc -no-pie "$work"/obj/*.o -L/usr/lib/aarch64-linux-gnu -lfftw3f -lm -lpthread -o "$work/harness-arm64"
else
    compiler="aarch64-linux-gnu-gcc -O3"
    aarch64-linux-gnu-gcc -O3 -mcpu=cortex-a53 -no-pie "${includes[@]}" "${sources[@]}" \
        -L/usr/lib/aarch64-linux-gnu -lfftw3f -lm -lpthread -o "$work/harness-arm64"
fi

echo "aarch64 proof: ${seconds} s of audio, log-mel (frame 400, hop 160, FFT 512, Hann, 64 mel, ln), kernels by $compiler"
"$work/harness-x86" "$seconds" "$work/x86.bin"
status=0
marks=$(for m in begin_0 end_0 begin_1 end_1 begin_2 end_2 begin_3 end_3; do
    aarch64-linux-gnu-nm "$work/harness-arm64" | awk -v n="tympan_marker_$m" '$3==n{print $1}'; done | paste -sd: -)
for cpu in cortex-a53 cortex-a72; do
    qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu "$work/harness-arm64" "$seconds" "$work/$cpu.bin"
    printf '%s against x86-64: ' "$cpu"
    python3 "$here/compare.py" "$work/x86.bin" "$work/$cpu.bin" 1e-5 || status=1
    qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu -plugin "$work/libinsncount.so,marks=$marks" -d plugin \
        "$work/harness-arm64" "$seconds" "$work/$cpu-stages.bin" stages 2> "$work/$cpu.count"
done
# Instruction counts do not depend on the core model (same code, same ISA): the A53 run's are reported.
python3 "$here/report.py" log-mel "$work/cortex-a53.count"

# The whole per-frame detection.
(cd "$root" && swift build --product tympan >/dev/null 2>&1) || { echo "arm: swift build --product tympan failed" >&2; exit 1; }
tympan="$(cd "$root" && swift build --product tympan --show-bin-path 2>/dev/null)/tympan"
"$tympan" rules --tables > "$work/tables.txt"
"$("$root/scripts/python-env.sh" fixtures)" - "$root/fixtures/scenes/test" "$work/scenes.f32" <<'PY'
import sys
import numpy as np
import soundfile as sf
# Six scenes of the test split, one after the other: every class, and background.
names = [f"test_{i:04d}.flac" for i in range(0, 117, 20)]
np.concatenate([sf.read(f"{sys.argv[1]}/{n}", dtype="float32")[0] for n in names]).astype("<f4").tofile(sys.argv[2])
PY
gcc -O2 "${includes[@]}" "$here/detect.c" "$root"/CKernels/*.c -lfftw3f -lm -lpthread -o "$work/detect-x86"
if [ -n "$clang" ]; then
    "$clang" --target=aarch64-linux-gnu -O2 -mcpu=cortex-a53 -fno-pie "${includes[@]}" \
        -isystem /usr/aarch64-linux-gnu/include -c "$here/detect.c" -o "$work/detect.o"
    aarch64-linux-gnu-gcc -no-pie "$work/detect.o" $(ls "$work"/obj/*.o | grep -v '/harness.o$') \
        -L/usr/lib/aarch64-linux-gnu -lfftw3f -lm -lpthread -o "$work/detect-arm64"
else
    aarch64-linux-gnu-gcc -O3 -mcpu=cortex-a53 -no-pie "${includes[@]}" "$here/detect.c" "$root"/CKernels/*.c \
        -L/usr/lib/aarch64-linux-gnu -lfftw3f -lm -lpthread -o "$work/detect-arm64"
fi
echo
echo "aarch64 proof of the whole per-frame detection: the bundled rules ($(grep -c '^condition ' "$work/tables.txt") conditions, $(grep -c '^term ' "$work/tables.txt") terms) on 60 s of test scenes"
"$work/detect-x86" "$work/tables.txt" "$work/scenes.f32" "$work/x86.trace"
qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu "$work/detect-arm64" "$work/tables.txt" "$work/scenes.f32" "$work/a53.trace"
"$tympan" replay "$work/x86.trace" > "$work/x86.events"
"$tympan" replay "$work/a53.trace" > "$work/a53.events"
python3 "$here/compare_trace.py" "$work/x86.trace" "$work/a53.trace" "$(grep -c '^onset ' "$work/tables.txt")" || status=1
if cmp -s "$work/x86.events" "$work/a53.events"; then
    echo "events (tympan replay of each trace): the same $(wc -l < "$work/x86.events") on both"
else
    echo "events differ between x86-64 and the Cortex-A53:"; diff "$work/x86.events" "$work/a53.events" | head -20
    status=1
fi
marks=$(for m in begin_0 end_0 begin_1 end_1 begin_2 end_2 begin_3 end_3; do
    aarch64-linux-gnu-nm "$work/detect-arm64" | awk -v n="tympan_marker_$m" '$3==n{print $1}'; done | paste -sd: -)
qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu -plugin "$work/libinsncount.so,marks=$marks" -d plugin \
    "$work/detect-arm64" "$work/tables.txt" "$work/scenes.f32" "$work/stages.trace" stages 2> "$work/detect.count"
python3 "$here/report.py" detection "$work/detect.count" "$work/cortex-a53.count"
exit $status
