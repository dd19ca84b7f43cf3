"""Nothing lost, nothing twice: `tympan-platform serve` killed with SIGKILL
twice while events stream in, and started again; every event is stored
exactly once (the platform acknowledges a message only after its commit, the
broker keeps the session's unacknowledged messages, and an event id is
stored once)."""
import json
import subprocess
import threading
import time
import urllib.request

from test_pages import PLATFORM, free_port, record, wait_for

EVENTS = 3000


def test_kill_9_mid_stream(tmp_path):
    mqtt, http = free_port(), free_port()
    (tmp_path / "mosquitto.conf").write_text(
        f"listener {mqtt} 127.0.0.1\nallow_anonymous true\npersistence true\n"
        f"persistence_location {tmp_path}/\nmax_queued_messages 0\n")
    broker = subprocess.Popen(["mosquitto", "-c", str(tmp_path / "mosquitto.conf")], stderr=subprocess.DEVNULL)
    database = f"sqlite:{tmp_path / 'platform.sqlite'}"
    token = subprocess.run([PLATFORM, "token", "add", "t", "--role", "viewer", "--database", database],
                           check=True, capture_output=True, text=True).stdout.strip()
    log = open(tmp_path / "platform.log", "a")

    def serve():
        return subprocess.Popen([PLATFORM, "serve", "--broker", f"mqtt://127.0.0.1:{mqtt}", "--database", database,
                                 "--http", f"127.0.0.1:{http}", "--client-id", "platform-kill"], stdout=log, stderr=log)

    def stored():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=2) as r:
                return json.load(r)["ingest"]["stored"]
        except OSError:
            return -1

    def all_ids():
        ids, cursor = [], None
        while True:
            url = f"http://127.0.0.1:{http}/api/events?limit=1000" + (f"&cursor={cursor}" if cursor else "")
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=10) as r:
                page = json.load(r)
            ids += [e["id"] for e in page["events"]]
            cursor = page["next_cursor"]
            if not cursor:
                return ids

    server = serve()
    try:
        assert wait_for(lambda: stored() == 0)
        time.sleep(0.3)
        publisher = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mqtt), "-q", "1",
                                      "-t", "tympan/pole-k/events", "-l"], stdin=subprocess.PIPE, text=True)

        def feed():
            now = time.time()
            for n in range(EVENTS):
                publisher.stdin.write(record("pole-k", n, "gunshot", now + n) + "\n")
                if n % 50 == 0:
                    publisher.stdin.flush()
                    time.sleep(0.02)
            publisher.stdin.close()

        feeding = threading.Thread(target=feed)
        feeding.start()
        for threshold in (300, 300):  # twice: at 300 stored by this run
            assert wait_for(lambda: stored() >= threshold, 60), (tmp_path / "platform.log").read_text()[-2000:]
            server.kill()  # SIGKILL: no goodbye, no flush
            server.wait()
            server = serve()
        feeding.join()
        assert publisher.wait(timeout=60) == 0
        assert wait_for(lambda: stored() >= 0 and len(all_ids()) >= EVENTS, 120), len(all_ids())
        ids = all_ids()
        assert len(ids) == EVENTS and len(set(ids)) == EVENTS
        assert set(ids) == {f"pole-k-run-{n}" for n in range(EVENTS)}
    finally:
        server.kill()
        server.wait()
        broker.terminate()
        broker.wait()
        log.close()
