#!/usr/bin/env python3
"""The operators' map with many events stored (a benchmark, not a test):
EVENTS events of SENSORS placed sensors are written into a new SQLite
database (the platform's own schema, made by `tympan-platform token add`),
`tympan-platform serve` serves it, and a headless Chromium (Debian's, through
Selenium: run it with the pages venv, scripts/python-env.sh pages) logs in
and waits until the map shows the newest 1,000 events; then it filters by
class REPEAT times. Prints the times, and how long GET /api/events?limit=1000
takes alone. A screenshot goes to out/pages/map-100k.png.

    "$(scripts/python-env.sh pages)" Benchmarks/platform/map.py PLATFORM [--events 100000] [--sensors 50]
"""
import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["gunshot", "scream", "drill", "angle_grinder", "car_horn", "whistle", "aerosol_spray", "crackling"]
PASSWORD = "correct horse battery"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("platform")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--sensors", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tympan-map-"))
    path = folder / "map.sqlite"
    database = f"sqlite:{path}"
    token = subprocess.run([args.platform, "token", "add", "bench", "--role", "viewer", "--database", database],
                           check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([args.platform, "user", "add", "ana", "--role", "operator", "--database", database],
                   input=PASSWORD + "\n", check=True, capture_output=True, text=True)
    rng = random.Random(7)
    now_ms = int(time.time() * 1000)
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO sensors (id, latitude, longitude, online) VALUES (?, ?, ?, 1)",
                       [(f"pole-{s}", 52.45 + rng.random() * 0.1, 13.3 + rng.random() * 0.2) for s in range(args.sensors)])
        db.executemany(
            'INSERT INTO events (id, sensor, time_ms, onset, "offset", class, confidence, level_db, received_ms) '
            "VALUES (?, ?, ?, 1.0, 2.0, ?, 0.8, -20.5, ?)",
            [(f"e-{n}", f"pole-{n % args.sensors}", now_ms - n * 60_000, CLASSES[rng.randrange(8)], now_ms - n * 60_000 + 40)
             for n in range(args.events)])
    http = 18_000 + rng.randrange(2000)
    server = subprocess.Popen([args.platform, "serve", "--broker", "mqtt://127.0.0.1:1", "--database", database,
                               "--http", f"127.0.0.1:{http}"], stderr=subprocess.DEVNULL)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"]:
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        api = []
        for _ in range(args.repeat):
            request = urllib.request.Request(f"http://127.0.0.1:{http}/api/events?limit=1000",
                                             headers={"Authorization": f"Bearer {token}"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as r:
                assert len(json.load(r)["events"]) == 1000
            api.append(time.perf_counter() - t0)
        wait = WebDriverWait(browser, 120)
        browser.get(f"http://127.0.0.1:{http}/")
        wait.until(lambda d: d.find_element(By.ID, "login").is_displayed())
        browser.find_element(By.ID, "user").send_keys("ana")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        t0 = time.perf_counter()
        browser.find_element(By.CSS_SELECTOR, "#login button").click()
        wait.until(lambda d: d.find_element(By.ID, "count").text.startswith("1000 event(s)"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".marker-cluster"))
        first = time.perf_counter() - t0
        (ROOT / "out/pages").mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ROOT / "out/pages/map-100k.png"))
        filters = []
        choice = Select(browser.find_element(By.ID, "class"))
        for k in range(args.repeat):
            label = CLASSES[k % 8]
            browser.execute_script("document.getElementById('count').textContent = ''")
            t0 = time.perf_counter()
            choice.select_by_value(label)
            browser.find_element(By.CSS_SELECTOR, "#filters button").click()
            wait.until(lambda d: d.find_element(By.ID, "count").text.endswith("(the newest 1000)"))
            filters.append(time.perf_counter() - t0)
        print(f"{args.events} events of {args.sensors} sensors stored (SQLite)")
        print(f"GET /api/events?limit=1000 alone: median {statistics.median(api) * 1000:.1f} ms, max {max(api) * 1000:.1f} ms")
        print(f"log in to the map showing the newest 1000 events, clustered: {first * 1000:.0f} ms")
        print(f"filter by class, to the map redrawn: median {statistics.median(filters) * 1000:.0f} ms, "
              f"max {max(filters) * 1000:.0f} ms ({args.repeat} times)")
    finally:
        browser.quit()
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
