"""The platform's web pages in a real headless Chromium (Debian's chromium and
chromium-driver, through Selenium): a real mosquitto, a real `tympan-platform
serve`, sensors' health reports and events published as the sensors publish
them. Screenshots go to $PAGES_OUT (default out/pages): look at them.

    TYMPAN_PLATFORM=.build/debug/tympan-platform pytest Tests/pages
"""
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = os.environ.get("TYMPAN_PLATFORM", str(ROOT / ".build/debug/tympan-platform"))
OUT = Path(os.environ.get("PAGES_OUT", ROOT / "out/pages"))
SENSORS = {"pole-1": (52.5200, 13.4050), "pole-2": (52.5215, 13.4120), "pole-3": (52.5170, 13.3990)}
CLASSES = ["gunshot", "scream", "drill", "angle_grinder", "car_horn", "whistle", "aerosol_spray", "crackling"]
PASSWORD = "correct horse battery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def record(sensor, n, label, t):
    return json.dumps({"id": f"{sensor}-run-{n}", "sensor": sensor, "time": utc(t), "onset": 1.0 + n, "offset": 2.0 + n,
                       "class": label, "class_id": CLASSES.index(label) + 1, "confidence": 0.8, "level_db": -20.5},
                      separators=(",", ":"))


class Platform:
    def __init__(self, folder):
        self.folder = folder
        self.mqtt = free_port()
        self.http = free_port()
        (folder / "mosquitto.conf").write_text(f"listener {self.mqtt} 127.0.0.1\nallow_anonymous true\n")
        self.broker = subprocess.Popen(["mosquitto", "-c", str(folder / "mosquitto.conf")],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        database = f"sqlite:{folder / 'platform.sqlite'}"
        self.token = subprocess.run([PLATFORM, "token", "add", "tests", "--role", "operator", "--database", database],
                                    check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run([PLATFORM, "user", "add", "ana", "--role", "operator", "--database", database],
                       input=PASSWORD + "\n", check=True, capture_output=True, text=True)
        assert wait_for(lambda: self.accepts(self.mqtt))
        self.log = open(folder / "platform.log", "w")
        self.server = subprocess.Popen([PLATFORM, "serve", "--broker", f"mqtt://127.0.0.1:{self.mqtt}", "--database",
                                        database, "--http", f"127.0.0.1:{self.http}"], stdout=self.log, stderr=self.log)
        assert wait_for(lambda: self.accepts(self.http)), (folder / "platform.log").read_text()
        assert wait_for(lambda: self.get("/healthz")["broker"] == "connected")

    @staticmethod
    def accepts(port):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def get(self, path, token=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def post(self, path, body):
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}", data=json.dumps(body).encode(),
                                         method="POST", headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def publish(self, topic, lines, retain=False):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.mqtt), "-q", "1", "-t", topic, "-l"]
                       + (["-r"] if retain else []), input="\n".join(lines) + "\n", check=True, text=True)

    def stop(self):
        for p in (self.server, self.broker):
            p.terminate()
            p.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    p = Platform(tmp_path_factory.mktemp("platform"))
    now = time.time()
    for sensor, (lat, lon) in SENSORS.items():
        p.publish(f"tympan/{sensor}/status", ["online"], retain=True)
        p.publish(f"tympan/{sensor}/health", [json.dumps({
            "sensor": sensor, "time": utc(now), "interval_s": 60, "leq_dba": -42.5, "max_dba": -21.0, "frames": 6000,
            "frames_dropped": 0, "frames_late": 0, "input_overruns": 0, "cpu_seconds": 1.2, "spool_depth": 0,
            "rss_mb": 11.5, "latitude": lat, "longitude": lon})])
        p.publish(f"tympan/{sensor}/events", [record(sensor, n, CLASSES[n % len(CLASSES)], now - 3600 * n) for n in range(12)])
    assert wait_for(lambda: len(p.get("/api/events?limit=1000", p.token)["events"]) == 36)
    p.post("/api/events/pole-1-run-0/review", {"verdict": "false_alarm", "note": "a door"})
    p.post("/api/events/pole-2-run-0/review", {"verdict": "confirmed"})
    yield p
    p.stop()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    yield driver
    driver.quit()


def test_operator_map(platform, browser):
    """Log in; the map shows the sensors and the events; a new event arrives live and is reviewed."""
    OUT.mkdir(parents=True, exist_ok=True)
    browser.get(f"http://127.0.0.1:{platform.http}/")
    wait = WebDriverWait(browser, 20)
    wait.until(ready.visibility_of_element_located((By.ID, "login")))
    browser.find_element(By.ID, "user").send_keys("ana")
    browser.find_element(By.ID, "password").send_keys("wrong password!")
    browser.find_element(By.CSS_SELECTOR, "#login button").click()
    wait.until(lambda d: "Wrong" in d.find_element(By.ID, "login-error").text)
    browser.find_element(By.ID, "password").clear()
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login button").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sensors tr.sensor")) == 3)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#alerts li")) == 36)
    assert "ana (operator)" in browser.find_element(By.ID, "who").text
    statuses = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#sensors tr.sensor td:nth-child(2)")]
    assert statuses == ["online"] * 3
    # On the map: the three sensors' rings, and the events in clusters or as markers.
    assert len(browser.find_elements(By.CSS_SELECTOR, ".leaflet-overlay-pane path.leaflet-interactive")) >= 3
    assert browser.find_elements(By.CSS_SELECTOR, ".marker-cluster")
    reviewed = browser.find_element(By.CSS_SELECTOR, '#alerts li[data-id="pole-1-run-0"] .verdict').text
    assert reviewed.strip() == "false alarm"
    # A new event arrives through the stream and is reviewed from the list.
    platform.publish("tympan/pole-3/events", [record("pole-3", 99, "gunshot", time.time())])
    item = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, '#alerts li[data-id="pole-3-run-99"]')))
    assert "gunshot at pole-3" in item.text
    item.find_elements(By.TAG_NAME, "button")[0].click()
    wait.until(lambda d: item.find_element(By.CLASS_NAME, "verdict").text == "confirmed")
    events = platform.get("/api/events?sensor=pole-3&limit=1", platform.token)["events"]
    assert events[0]["id"] == "pole-3-run-99" and events[0]["review"]["verdict"] == "confirmed"
    assert events[0]["review"]["reviewer"] == "ana"
    browser.save_screenshot(str(OUT / "map.png"))


def test_public_page(platform, browser):
    """No login: where the sensors are, what they listen for, weekly counts, the false-alarm share, retention, the record."""
    OUT.mkdir(parents=True, exist_ok=True)
    browser.delete_all_cookies()
    browser.get(f"http://127.0.0.1:{platform.http}/public")
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "yes")
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "The sensors record no sound." in page
    rows = browser.find_elements(By.CSS_SELECTOR, "#sensors tr.sensor")
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == sorted(SENSORS)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#weeks tbody tr")) == 12
    counted = sum(int(td.text) for td in browser.find_elements(By.CSS_SELECTOR, "#weeks tbody td:not(:first-child)"))
    assert counted == len(platform.get("/api/events?limit=1000", platform.token)["events"])  # all within 12 weeks
    assert "were false alarms" in browser.find_element(By.ID, "reviews").text
    assert "deleted after 90 days" in browser.find_element(By.ID, "retention").text
    fields = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#fields li")]
    assert "class" in fields and "level_db" in fields and not any("audio" in f or "sample" in f for f in fields)
    assert '"class_id"' in browser.find_element(By.ID, "example").text
    assert len(browser.find_elements(By.CSS_SELECTOR, ".leaflet-overlay-pane path.leaflet-interactive")) == 3
    browser.save_screenshot(str(OUT / "public.png"))
