#!/usr/bin/env bash
# A throwaway PostgreSQL server for the platform's tests, on 127.0.0.1 only:
#   scripts/postgres-test.sh start    creates it (first time) and starts it; prints its URL
#   scripts/postgres-test.sh stop     stops it (fast shutdown: open transactions roll back)
#   scripts/postgres-test.sh restart  stops and starts it (the restart test uses this)
#   scripts/postgres-test.sh url      prints the URL of its test database
# It lives in $TYMPAN_PG_DIR (default /tmp/tympan-pg) and listens on
# $TYMPAN_PG_PORT (default 55432). PostgreSQL refuses to run as root: as root,
# the server runs as the user postgres (Debian's package makes it).
set -euo pipefail

dir=${TYMPAN_PG_DIR:-/tmp/tympan-pg}
port=${TYMPAN_PG_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres-test: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
# connect_timeout: how long a statement waits for a connection (10 s by default).
# The suite runs many tests at once on few cores, some of them blocking a thread
# while they poll a process; 10 s was missed in CI (once in the plain suite, once
# under AddressSanitizer).
url="postgres://tympan@127.0.0.1:$port/tympan_test?sslmode=disable&connect_timeout=60"

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
        as_owner "$bin/initdb" -D "$dir" -U tympan -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # -t 180: a folder left by a killed server first recovers (an fsync of all of it).
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$dir" -w -t 180 -l "$dir/server.log" \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
    fi
    "$bin/psql" -h 127.0.0.1 -p "$port" -U tympan -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'tympan_test'" | grep -q 1 ||
        "$bin/psql" -h 127.0.0.1 -p "$port" -U tympan -d postgres -qc "CREATE DATABASE tympan_test" >/dev/null
    echo "$url"
}

stop() {
    [ -f "$dir/PG_VERSION" ] || return 0
    as_owner "$bin/pg_ctl" -D "$dir" -w -m fast stop >/dev/null 2>&1 || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    url) echo "$url" ;;
    *) echo "usage: $0 start|stop|restart|url" >&2; exit 2 ;;
esac
