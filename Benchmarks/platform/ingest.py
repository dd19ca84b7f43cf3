#!/usr/bin/env python3
"""Ingest benchmark of tympan-platform (a benchmark, not a test): SENSORS
simulated sensors publish EVENTS event records in all, QoS 1, through a local
mosquitto (one mosquitto_pub per sensor, all at once) into `tympan-platform
serve` on SQLite (or on the empty PostgreSQL database --database names);
meanwhile a reader asks GET /api/events?limit=100 again and
again. Prints the ingest rate (events stored per second, from the first
publish to the last commit), the API's latency percentiles under that load,
the time from a message's arrival to its commit as the platform measured it
(/healthz; the acknowledgement follows the commit), and then the latency of
a page of 100 with all the events stored.

    Benchmarks/platform/ingest.py PLATFORM [--sensors 50] [--events 50000] [--database postgres://...]
"""
import argparse
import json
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("platform")
    parser.add_argument("--sensors", type=int, default=50)
    parser.add_argument("--events", type=int, default=50000)
    parser.add_argument("--database", help="an empty database's URL (default: a new SQLite file)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tympan-ingest-"))
    mqtt, http = free_port(), free_port()
    (folder / "mosquitto.conf").write_text(f"listener {mqtt} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n")
    broker = subprocess.Popen(["mosquitto", "-c", str(folder / "mosquitto.conf")], stderr=subprocess.DEVNULL)
    database = args.database or f"sqlite:{folder / 'bench.sqlite'}"
    token = subprocess.run([args.platform, "token", "add", "bench", "--role", "viewer", "--database", database],
                           check=True, capture_output=True, text=True).stdout.strip()
    server = subprocess.Popen([args.platform, "serve", "--broker", f"mqtt://127.0.0.1:{mqtt}", "--database", database,
                               "--http", f"127.0.0.1:{http}", "--client-id", "bench"], stderr=subprocess.DEVNULL)

    def get(path, auth=True):
        request = urllib.request.Request(f"http://127.0.0.1:{http}{path}")
        if auth:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.load(r)

    try:
        for _ in range(200):
            try:
                if get("/healthz", auth=False)["broker"] == "connected":
                    break
            except OSError:
                pass
            time.sleep(0.05)
        time.sleep(0.3)
        per_sensor = args.events // args.sensors
        total = per_sensor * args.sensors
        base = time.time() - 86400
        payloads = []
        for s in range(args.sensors):
            lines = [json.dumps({"id": f"s{s}-{n}", "sensor": f"s{s}", "time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(base + n)),
                                 "onset": n, "offset": n + 0.5, "class": "gunshot", "class_id": 1, "confidence": 0.9,
                                 "level_db": -20.5}, separators=(",", ":")) for n in range(per_sensor)]
            payloads.append("\n".join(lines) + "\n")
        latencies, done = [], threading.Event()

        def reader():
            while not done.is_set():
                t0 = time.perf_counter()
                get("/api/events?limit=100")
                latencies.append(time.perf_counter() - t0)

        thread = threading.Thread(target=reader)
        start = time.perf_counter()
        publishers = [subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mqtt), "-q", "1",
                                        "-t", f"tympan/s{s}/events", "-l"], stdin=subprocess.PIPE, text=True)
                      for s in range(args.sensors)]
        thread.start()
        for p, payload in zip(publishers, payloads):
            p.stdin.write(payload)
            p.stdin.close()
        while get("/healthz", auth=False)["ingest"]["stored"] < total:
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        done.set()
        thread.join()
        for p in publishers:
            p.wait()
        health = get("/healthz", auth=False)["ingest"]
        quiet = []
        for _ in range(200):
            t0 = time.perf_counter()
            get("/api/events?limit=100")
            quiet.append(time.perf_counter() - t0)
        print(f"ingest: {total} events from {args.sensors} sensors in {elapsed:.2f} s: {total / elapsed:.0f} events/s "
              f"into {'PostgreSQL' if database.startswith('postgres') else 'SQLite'} (stored {health['stored']}, duplicates {health['duplicates']}, refused {health['refused']})")
        print(f"arrival to commit (the acknowledgement follows): p99 {health['commit_ms_p99']} ms, "
              f"longest {health['commit_ms_max']} ms")
        print(f"GET /api/events?limit=100 during ingest: {len(latencies)} requests, p50 {1e3 * percentile(latencies, .5):.1f} ms, "
              f"p99 {1e3 * percentile(latencies, .99):.1f} ms")
        print(f"GET /api/events?limit=100 with {total} stored, idle: p50 {1e3 * percentile(quiet, .5):.1f} ms, "
              f"p99 {1e3 * percentile(quiet, .99):.1f} ms")
    finally:
        server.terminate()
        broker.terminate()
        server.wait()
        broker.wait()


if __name__ == "__main__":
    main()
