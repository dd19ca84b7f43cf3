#!/usr/bin/env bash
# Installs the Debian packages Tympan builds against, when they are missing.
# Run as root on a fresh Debian machine (as CI does); otherwise it prints the
# command to run.
set -euo pipefail

# espeak-ng: the speech in the synthetic scenes (fixtures/generate).
# libmosquitto-dev: `tympan listen` publishes through it; mosquitto,
# mosquitto-clients and openssl: the tests run a real broker (plain, and TLS
# with a throwaway CA) and a real subscriber.
# libjs-leaflet, libjs-leaflet.markercluster: the platform's map pages serve
# them; chromium, chromium-driver: the page tests (Tests/pages) drive a real
# headless Chromium.
# postgresql: the platform's store runs on PostgreSQL too; the tests start a
# throwaway server of their own (scripts/postgres-test.sh).
packages=(libfftw3-dev libsndfile1-dev libsoxr-dev libmosquitto-dev pkg-config espeak-ng mosquitto mosquitto-clients openssl
          libjs-leaflet libjs-leaflet.markercluster chromium chromium-driver postgresql)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
