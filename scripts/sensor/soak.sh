#!/usr/bin/env bash
# Streams HOURS hours of audio (three test scenes, looped) through
# `tympan listen` to a local mosquitto broker, faster than real time, and
# prints the daemon's resident memory from its hourly health reports (the
# first and the last), the events delivered and the wall time.
#
#   scripts/sensor/soak.sh [HOURS]    (default 24; needs mosquitto, mosquitto-clients, sox)
set -euo pipefail
cd "$(dirname "$0")/../.."
hours="${1:-24}"
swift build -c release --product tympan >/dev/null
tympan="$(swift build -c release --show-bin-path)/tympan"
work="$(mktemp -d /tmp/tympan-soak.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser root\n' "$port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/broker.log" 2>&1 &
sleep 0.5
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'tympan/#' -v -q 1 > "$work/received.txt" &
sleep 0.3
for f in test_0009 test_0006 test_0004; do
    sox "fixtures/scenes/test/$f.flac" -t raw -e signed -b 16 -
done > "$work/scene.raw"   # 30 s
loops=$((hours * 120))
start=$(date +%s.%N)
for ((i = 0; i < loops; i++)); do cat "$work/scene.raw"; done |
    "$tympan" listen --sensor soak --broker "mqtt://127.0.0.1:$port" --spool "$work/spool" \
        --health-interval 3600 --raw s16le --rate 16000 - 2> "$work/listen.log"
end=$(date +%s.%N)
sleep 1
health=$(grep '^tympan/soak/health ' "$work/received.txt" | cut -d' ' -f2-)
events=$(grep -c '^tympan/soak/events ' "$work/received.txt" || true)
python3 - "$hours" "$start" "$end" "$events" <<PY
import json, sys
hours, start, end, events = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
reports = [json.loads(line) for line in """$health""".splitlines() if line.strip()]
rss = [r["rss_mb"] for r in reports]
print(f"audio {hours:g} h in {end - start:.0f} s wall ({hours * 3600 / (end - start):.0f}x real time), "
      f"{events} events delivered, {len(reports)} health reports")
print(f"resident memory (MB) after hour 1: {rss[0]}, after the last hour: {rss[-1]}, max {max(rss)}")
print("per hour:", rss)
PY
