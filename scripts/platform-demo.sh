#!/usr/bin/env bash
# The whole chain on this machine: a local mosquitto, three sensors
# (`tympan listen` on bundled test scenes, each with its position), and
# `tympan-platform serve` storing what they publish in SQLite. Prints what was
# stored and how to open the map.
#   scripts/platform-demo.sh TYMPAN TYMPAN_PLATFORM OUT
set -euo pipefail
tympan=$1
platform=$2
out=${3:-out}/platform
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

free_port() {  # the first port from $1 nobody listens on
    local p=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}
mqtt=$(free_port 18830)
http=$(free_port 18080)
database="sqlite:$out/platform.sqlite"

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mqtt" > "$out/mosquitto.conf"
mosquitto -c "$out/mosquitto.conf" > "$out/mosquitto.log" 2>&1 &
broker=$!
"$platform" serve --broker "mqtt://127.0.0.1:$mqtt" --database "$database" --http "127.0.0.1:$http" \
    --client-id tympan-platform-demo > "$out/platform.log" 2>&1 &
server=$!
trap 'kill $server $broker 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "connected to" "$out/platform.log" 2>/dev/null && break; sleep 0.1; done

echo "== three sensors stream bundled scenes through tympan listen to mqtt://127.0.0.1:$mqtt"
sensors=("pole-1 52.5200 13.4050 test_0004" "pole-2 52.5215 13.4120 test_0009" "pole-3 52.5170 13.3990 test_0015")
pids=()
for s in "${sensors[@]}"; do
    read -r id lat lon scene <<< "$s"
    mkdir -p "$out/$id"
    printf '{"sensor":"%s","latitude":%s,"longitude":%s,"broker":"mqtt://127.0.0.1:%s","spool":"%s/%s/spool","health_interval":5}\n' \
        "$id" "$lat" "$lon" "$mqtt" "$out" "$id" > "$out/$id/sensor.json"
    "$tympan" listen --config "$out/$id/sensor.json" "fixtures/scenes/test/$scene.flac" > "$out/$id/listen.log" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
sleep 1  # the last deliveries reach the platform

echo "== what the platform stored (tympan-platform events: the records as sensors sent them)"
"$platform" events --database "$database" | tee "$out/stored.jsonl"
echo "$(wc -l < "$out/stored.jsonl") event(s) stored from ${#sensors[@]} sensors; the platform's log:"
sed 's/^/   /' "$out/platform.log" | grep -v "^   *$" | tail -4
echo
echo "To see them on the map:"
echo "  $platform user add me --role operator --database $database   # then type a password (10+ characters)"
echo "  $platform serve --broker mqtt://127.0.0.1:1883 --database $database --http 127.0.0.1:8080"
echo "  open http://127.0.0.1:8080/ (operators) and http://127.0.0.1:8080/public (the transparency page)"
