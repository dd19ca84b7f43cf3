"""Nothing lost, nothing twice, with real processes: a real mosquitto, real
`tympan-platform serve` processes, and (when TYMPAN_TEST_POSTGRES names one,
as `make test` does) a real PostgreSQL server.

- `serve` killed with SIGKILL twice while events stream in, and started again
  (on SQLite and on PostgreSQL);
- the PostgreSQL server stopped and started again while events stream in;
- two instances sharing the events ($share) on one PostgreSQL.
Each time every event is stored exactly once: the platform acknowledges a
message only after its commit, the broker keeps the session's
unacknowledged messages, and an event id is stored once."""
import json
import os
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid

import pytest

from test_pages import PLATFORM, ROOT, free_port, record, wait_for

EVENTS = 3000
POSTGRES = os.environ.get("TYMPAN_TEST_POSTGRES") or None
DATABASES = ["sqlite"] + (["postgres"] if POSTGRES else [])
needs_postgres = pytest.mark.skipif(POSTGRES is None, reason="TYMPAN_TEST_POSTGRES is not set (make test sets it)")


def psql(sql):
    return subprocess.run(["psql", POSTGRES, "-qc", sql], check=True, capture_output=True, text=True).stdout


def diagnosis(stream, http):
    """What to read when events stop arriving: the platform's log, its count, the database's sessions."""
    sessions = psql("SELECT pid, datname, state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity") \
        if POSTGRES else ""
    return f"stored {stream.stored(http)}\n{stream.log_text()[-2000:]}\n{sessions}"


@pytest.fixture
def database(request, tmp_path):
    """A new database of the kind asked for: its --database URL."""
    if request.param == "sqlite":
        yield f"sqlite:{tmp_path / 'platform.sqlite'}"
        return
    name = "d_" + uuid.uuid4().hex[:20]
    psql(f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(POSTGRES)
    yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Stream:
    """A broker, and `serve` processes on it storing into `database`."""

    def __init__(self, folder, database):
        self.folder, self.database = folder, database
        self.mqtt = free_port()
        (folder / "mosquitto.conf").write_text(
            f"listener {self.mqtt} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nmax_queued_messages 0\n")
        self.broker = subprocess.Popen(["mosquitto", "-c", str(folder / "mosquitto.conf")], stderr=subprocess.DEVNULL)
        self.token = subprocess.run([PLATFORM, "token", "add", "t", "--role", "viewer", "--database", database],
                                    check=True, capture_output=True, text=True).stdout.strip()
        self.log = open(folder / "platform.log", "a")
        self.servers = []

    def serve(self, client_id, http, *extra):
        server = subprocess.Popen([PLATFORM, "serve", "--broker", f"mqtt://127.0.0.1:{self.mqtt}", "--database",
                                   self.database, "--http", f"127.0.0.1:{http}", "--client-id", client_id, *extra],
                                  stdout=self.log, stderr=self.log)
        self.servers.append(server)
        return server

    def log_text(self):
        self.log.flush()
        return (self.folder / "platform.log").read_text()

    def stored(self, http):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=2) as r:
                return json.load(r)["ingest"]["stored"]
        except OSError:
            return -1

    def all_ids(self, http):
        ids, cursor = [], None
        while True:
            url = f"http://127.0.0.1:{http}/api/events?limit=1000" + (f"&cursor={cursor}" if cursor else "")
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
            with urllib.request.urlopen(request, timeout=20) as r:
                page = json.load(r)
            ids += [e["id"] for e in page["events"]]
            cursor = page["next_cursor"]
            if not cursor:
                return ids

    def publish(self, sensor, count, pause=0.02):
        """Publishes `count` events (QoS 1) on a thread; returns it and the publisher."""
        publisher = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.mqtt), "-q", "1",
                                      "-t", f"tympan/{sensor}/events", "-l"], stdin=subprocess.PIPE, text=True)

        def feed():
            now = time.time()
            for n in range(count):
                publisher.stdin.write(record(sensor, n, "gunshot", now + n) + "\n")
                if n % 50 == 0:
                    publisher.stdin.flush()
                    time.sleep(pause)
            publisher.stdin.close()

        feeding = threading.Thread(target=feed)
        feeding.start()
        return feeding, publisher

    def close(self):
        for server in self.servers:
            server.kill()
            server.wait()
        self.broker.terminate()
        self.broker.wait()
        self.log.close()


def expect_each_once(stream, http, sensor):
    def missing():
        have = set(stream.all_ids(http))
        return sorted(int(i.rsplit("-", 1)[1]) for i in {f"{sensor}-run-{n}" for n in range(EVENTS)} - have)
    assert wait_for(lambda: stream.stored(http) >= 0 and len(stream.all_ids(http)) >= EVENTS, 120), \
        f"missing {missing()[:20]}... ({len(missing())})\n{diagnosis(stream, http)}"
    ids = stream.all_ids(http)
    assert len(ids) == EVENTS and len(set(ids)) == EVENTS
    assert set(ids) == {f"{sensor}-run-{n}" for n in range(EVENTS)}


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_kill_9_mid_stream(tmp_path, database):
    stream = Stream(tmp_path, database)
    http = free_port()
    try:
        server = stream.serve("platform-kill", http)
        assert wait_for(lambda: stream.stored(http) == 0)
        time.sleep(0.3)
        feeding, publisher = stream.publish("pole-k", EVENTS)
        for threshold in (300, 300):  # twice: at 300 stored by this run
            assert wait_for(lambda: stream.stored(http) >= threshold, 60), diagnosis(stream, http)
            server.kill()  # SIGKILL: no goodbye, no flush
            server.wait()
            server = stream.serve("platform-kill", http)
        feeding.join()
        assert publisher.wait(timeout=60) == 0
        expect_each_once(stream, http, "pole-k")
    finally:
        stream.close()


@needs_postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_postgres_restart_mid_stream(tmp_path, database):
    """The database goes away for 3 s while events arrive: the platform logs
    why, retries, acknowledges nothing it did not store, and loses nothing."""
    stream = Stream(tmp_path, database)
    http = free_port()
    control = str(ROOT / "scripts/postgres-test.sh")
    try:
        stream.serve("platform-pg-restart", http)
        assert wait_for(lambda: stream.stored(http) == 0)
        time.sleep(0.3)
        # 500 events a second (6 s in all), so that the outage, which starts once 500 are
        # stored, falls mid-stream however fast the platform stores: at the publisher's
        # full rate the platform had sometimes stored all 3,000 before the server stopped.
        feeding, publisher = stream.publish("pole-r", EVENTS, pause=0.1)
        assert wait_for(lambda: stream.stored(http) >= 500, 60), diagnosis(stream, http)
        subprocess.run([control, "stop"], check=True)
        time.sleep(3)
        subprocess.run([control, "start"], check=True, capture_output=True)
        feeding.join()
        assert publisher.wait(timeout=60) == 0
        expect_each_once(stream, http, "pole-r")
        # A batch whose statement the stop cut off is logged and tried again; one that
        # asked for a connection while the server was down just waited for it (within
        # the 10 s the platform allows): which of the two happens depends on timing.
        log = stream.log_text()
        if "cannot store " in log:
            assert "tympan/pole-r/events" in log and "trying again" in log, log[-3000:]
    finally:
        stream.close()


@needs_postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_two_instances_share_one_postgres(tmp_path, database):
    """Two instances in one share group ($share/tympan/...) on one database:
    the broker gives each event to one of them; each is stored once, and
    both did part of the work."""
    stream = Stream(tmp_path, database)
    one, two = free_port(), free_port()
    try:
        stream.serve("platform-a", one, "--share-group", "tympan")
        stream.serve("platform-b", two, "--share-group", "tympan")
        assert wait_for(lambda: stream.stored(one) == 0 and stream.stored(two) == 0)
        time.sleep(0.5)
        feeding, publisher = stream.publish("pole-s", EVENTS)
        feeding.join()
        assert publisher.wait(timeout=60) == 0
        assert wait_for(lambda: stream.stored(one) + stream.stored(two) >= EVENTS, 120), stream.log_text()[-2000:]
        a, b = stream.stored(one), stream.stored(two)
        assert a + b == EVENTS and a > EVENTS // 10 and b > EVENTS // 10, (a, b)
        expect_each_once(stream, one, "pole-s")
        assert stream.all_ids(two) == stream.all_ids(one)  # one database, seen from either
    finally:
        stream.close()
