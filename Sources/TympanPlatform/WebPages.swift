import Foundation
import Hummingbird

/// The web pages, served by the platform with nothing fetched from elsewhere:
/// `/` (operators: the map, live alerts with review buttons, sensors' health)
/// and `/public` (the transparency page). Leaflet and its marker clustering
/// come from Debian's libjs-leaflet and libjs-leaflet.markercluster
/// (`leafletFolder`), served under /static/leaflet/. The map's tiles come from
/// `tileURL` when one is set; without one the map is a plain background with
/// a scale, sensors and events still on it.
public struct WebSettings: Sendable {
    public var leafletFolder = "/usr/share/javascript/leaflet"
    /// e.g. https://tile.example.org/{z}/{x}/{y}.png (nil: no tiles).
    public var tileURL: String?
    public var tileAttribution = ""

    public init() {}
}

enum WebPages {
    /// The Leaflet files the pages load, and nothing else of the folder.
    static let leafletFiles: [String: String] = [
        "leaflet.js": "text/javascript", "leaflet.css": "text/css",
        "leaflet.markercluster.js": "text/javascript", "MarkerCluster.css": "text/css",
        "MarkerCluster.Default.css": "text/css",
    ]

    static func add(to router: Router<PlatformContext>, settings: WebSettings) {
        router.get("/") { _, _ in page(mapHTML(settings)) }
        router.get("/public") { _, _ in page(publicHTML(settings)) }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/static/tympan.css") { _, _ in asset(css, type: "text/css") }
        router.get("/static/map.js") { _, _ in asset(mapJS, type: "text/javascript") }
        router.get("/static/public.js") { _, _ in asset(publicJS, type: "text/javascript") }
        router.get("/static/leaflet/:file") { _, context -> Response in
            let name = try context.parameters.require("file")
            guard let type = leafletFiles[name],
                  let data = FileManager.default.contents(atPath: settings.leafletFolder + "/" + name) else {
                throw HTTPError(.notFound, message: "no such file (install libjs-leaflet and libjs-leaflet.markercluster)")
            }
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    static func page(_ html: String) -> Response {
        Response(status: .ok,
                 headers: [.contentType: "text/html; charset=utf-8",
                           .contentSecurityPolicy: "default-src 'self'; img-src 'self' data: http: https:; style-src 'self' 'unsafe-inline'"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: "\(type); charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static let head = """
        <meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="stylesheet" href="/static/leaflet/leaflet.css">
        <link rel="stylesheet" href="/static/leaflet/MarkerCluster.css">
        <link rel="stylesheet" href="/static/leaflet/MarkerCluster.Default.css">
        <link rel="stylesheet" href="/static/tympan.css">
        <script src="/static/leaflet/leaflet.js"></script>
        <script src="/static/leaflet/leaflet.markercluster.js"></script>
        """

    static func mapHTML(_ settings: WebSettings) -> String {
        """
        <!doctype html><html lang="en"><head>\(head)<title>Tympan: operators</title></head>
        <body data-tiles="\(escape(settings.tileURL ?? ""))" data-attribution="\(escape(settings.tileAttribution))">
        <header><h1>Tympan</h1><span id="who"></span> <a href="/public">public page</a></header>
        <form id="login" hidden><h2>Log in</h2>
          <label>User <input id="user" autocomplete="username" required></label>
          <label>Password <input id="password" type="password" autocomplete="current-password" required></label>
          <button>Log in</button> <span id="login-error" role="alert"></span></form>
        <main id="app" hidden>
          <form id="filters">
            <label>Class <select id="class"><option value="">all</option></select></label>
            <label>Sensor <select id="sensor"><option value="">all</option></select></label>
            <label>Since <input id="since" type="datetime-local"></label>
            <label>Until <input id="until" type="datetime-local"></label>
            <button>Show</button> <span id="count"></span></form>
          <div id="map"></div>
          <aside><h2>Live alerts</h2><ol id="alerts"></ol>
            <h2>Sensors</h2><table id="sensors"><thead><tr><th>sensor</th><th>status</th><th>Leq dBA</th>
            <th>max dBA</th><th>dropped</th><th>spool</th></tr></thead><tbody></tbody></table></aside>
        </main>
        <script src="/static/map.js"></script></body></html>
        """
    }

    static func publicHTML(_ settings: WebSettings) -> String {
        """
        <!doctype html><html lang="en"><head>\(head)<title>Tympan: what the sensors do</title></head>
        <body class="public" data-tiles="\(escape(settings.tileURL ?? ""))" data-attribution="\(escape(settings.tileAttribution))"><header><h1>Sound sensors in this neighbourhood</h1></header>
        <main>
          <p class="promise"><strong>The sensors record no sound.</strong> Each one listens for a few kinds of
          sound, decides on the spot, and sends only a short record when it hears one: which sensor, when,
          what kind, how long, how sure, how loud. No sound, no voice, no recording ever leaves a sensor.</p>
          <h2>Where the sensors are</h2><div id="map"></div><table id="sensors"><thead><tr><th>sensor</th>
          <th>latitude</th><th>longitude</th><th>status</th></tr></thead><tbody></tbody></table>
          <h2>What they listen for</h2><ul id="classes"></ul>
          <h2>Events per week</h2><table id="weeks"><thead></thead><tbody></tbody></table>
          <h2>How often an alert was wrong</h2><p id="reviews"></p>
          <h2>How long records are kept</h2><p id="retention"></p>
          <h2>Exactly what a sensor sends</h2><p>Every event record has these fields and no others
          (the platform refuses any record with another field):</p><ul id="fields"></ul><pre id="example"></pre>
        </main><script src="/static/public.js"></script></body></html>
        """
    }

    static let css = """
        [hidden] { display: none !important; }
        body { font: 15px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
        header { display: flex; gap: 1em; align-items: baseline; padding: .4em 1em; background: #234; color: #fff; }
        header a { color: #cde; } h1 { font-size: 1.2em; margin: 0; } h2 { font-size: 1.05em; }
        #app { display: grid; grid-template-columns: 1fr 24em; grid-template-rows: auto 1fr; height: calc(100vh - 2.5em); }
        #filters { grid-column: 1 / 3; padding: .4em 1em; display: flex; gap: 1em; flex-wrap: wrap; align-items: center; }
        #map { min-height: 400px; background: #e8ecef; }
        .public #map { height: 360px; max-width: 900px; }
        aside { overflow: auto; padding: 0 1em; border-left: 1px solid #ccc; }
        #alerts li { margin-bottom: .5em; } #alerts button { font-size: .8em; }
        table { border-collapse: collapse; } td, th { padding: .15em .5em; border-bottom: 1px solid #ddd; text-align: left; }
        .public main { padding: 0 1em 2em; max-width: 60em; } .promise { font-size: 1.1em; background: #eef5ee; padding: .8em; }
        #login { max-width: 20em; margin: 3em auto; display: grid; gap: .6em; }
        pre { background: #f4f4f4; padding: .6em; white-space: pre-wrap; }
        .online { color: #080; } .offline { color: #a00; }
        """

    /// Colours per class, shared by both pages.
    static let colours = """
        const COLOURS = {gunshot: "#d62728", scream: "#ff7f0e", drill: "#8c564b", angle_grinder: "#9467bd",
          car_horn: "#1f77b4", whistle: "#17becf", aerosol_spray: "#bcbd22", crackling: "#e377c2"};
        function text(tag, content, cls) { const e = document.createElement(tag); e.textContent = content;
          if (cls) e.className = cls; return e; }
        function baseMap(element) {
          const map = L.map(element, {zoomControl: true, maxZoom: 19});
          const tiles = document.body.dataset.tiles;
          if (tiles) L.tileLayer(tiles, {attribution: document.body.dataset.attribution || ""}).addTo(map);
          L.control.scale().addTo(map);
          map.setView([0, 0], 2);
          return map;
        }
        function fit(map, points) {
          if (points.length === 1) map.setView(points[0], 15);
          else if (points.length > 1) map.fitBounds(points, {padding: [30, 30], maxZoom: 16});
        }
        """

    static let mapJS = colours + """
        let map, cluster, sensors = {};
        async function api(path, options) {
          const r = await fetch(path, Object.assign({credentials: "same-origin"}, options || {}));
          if (r.status === 401) { showLogin(); throw new Error("not logged in"); }
          if (!r.ok) throw new Error((await r.text()) || r.statusText);
          return r.json();
        }
        function showLogin() { document.getElementById("app").hidden = true; document.getElementById("login").hidden = false; }
        document.getElementById("login").addEventListener("submit", async (e) => {
          e.preventDefault();
          const r = await fetch("/api/login", {method: "POST", credentials: "same-origin",
            body: JSON.stringify({user: document.getElementById("user").value, password: document.getElementById("password").value})});
          if (r.ok) location.reload(); else document.getElementById("login-error").textContent = "Wrong user or password.";
        });
        function utc(local) { return local ? new Date(local).toISOString().replace(/\\.\\d{3}Z$/, "Z") : ""; }
        function describe(e) { return `${e.class} at ${e.sensor}, ${e.time} (confidence ${e.confidence}, ${e.level_db} dB)`; }
        async function review(id, verdict, item) {
          try { await api(`/api/events/${encodeURIComponent(id)}/review`, {method: "POST", body: JSON.stringify({verdict})});
            item.querySelector(".verdict").textContent = verdict.replace("_", " "); }
          catch (err) { item.querySelector(".verdict").textContent = String(err.message); }
        }
        function alertItem(e) {
          const li = text("li", describe(e)); li.dataset.id = e.id; li.className = "alert " + e.class;
          li.appendChild(document.createElement("br"));
          for (const v of ["confirmed", "false_alarm", "unclear"]) {
            const b = text("button", v.replace("_", " ")); b.addEventListener("click", () => review(e.id, v, li)); li.appendChild(b);
          }
          li.appendChild(text("span", e.review ? " " + e.review.verdict.replace("_", " ") : "", "verdict"));
          return li;
        }
        function marker(e) {
          const s = sensors[e.sensor];
          if (!s || s.latitude === null) return null;
          const m = L.circleMarker([s.latitude, s.longitude], {radius: 7, color: COLOURS[e.class], fillOpacity: .8});
          m.bindPopup(describe(e)); return m;
        }
        async function loadEvents() {
          const q = new URLSearchParams({limit: "1000"});
          for (const k of ["class", "sensor"]) { const v = document.getElementById(k).value; if (v) q.set(k, v); }
          for (const k of ["since", "until"]) { const v = utc(document.getElementById(k).value); if (v) q.set(k, v); }
          const data = await api("/api/events?" + q);
          cluster.clearLayers();
          for (const e of data.events) { const m = marker(e); if (m) cluster.addLayer(m); }
          document.getElementById("count").textContent = `${data.events.length} event(s)` + (data.next_cursor ? " (the newest 1000)" : "");
          const alerts = document.getElementById("alerts"); alerts.replaceChildren();
          for (const e of data.events.slice(0, 50)) alerts.appendChild(alertItem(e));
        }
        async function loadSensors() {
          const data = await api("/api/sensors");
          const body = document.querySelector("#sensors tbody"); body.replaceChildren();
          const points = [], select = document.getElementById("sensor");
          for (const s of data.sensors) {
            sensors[s.id] = s;
            const h = s.health || {}, row = document.createElement("tr"); row.className = "sensor";
            for (const v of [s.id, s.status || "?", h.leq_dba ?? "", h.max_dba ?? "", h.frames_dropped ?? "", h.spool_depth ?? ""])
              row.appendChild(text("td", String(v)));
            row.children[1].className = s.status || "";
            body.appendChild(row);
            if (![...select.options].some(o => o.value === s.id)) select.appendChild(new Option(s.id, s.id));
            if (s.latitude !== null) {
              points.push([s.latitude, s.longitude]);
              L.circleMarker([s.latitude, s.longitude], {radius: 11, color: "#333", weight: 2, fill: false})
                .bindTooltip(s.id).addTo(map);
            }
          }
          fit(map, points);
        }
        async function start() {
          const me = await api("/api/me");
          document.getElementById("who").textContent = `${me.user} (${me.role})`;
          document.getElementById("app").hidden = false;
          const select = document.getElementById("class");
          for (const c of Object.keys(COLOURS)) select.appendChild(new Option(c.replace("_", " "), c));
          map = baseMap("map"); cluster = L.markerClusterGroup(); map.addLayer(cluster);
          await loadSensors(); await loadEvents();
          document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); loadEvents(); });
          const stream = new EventSource("/api/stream");
          stream.addEventListener("event", (m) => {
            const e = JSON.parse(m.data);
            document.getElementById("alerts").prepend(alertItem(e));
            const mk = marker(e); if (mk) cluster.addLayer(mk);
          });
          setInterval(loadSensors, 60000);
        }
        start().catch((err) => { if (err.message !== "not logged in") { console.error(err);
          document.getElementById("count").textContent = "Error: " + err.message; } });
        """

    static let publicJS = colours + """
        (async () => {
          const s = await (await fetch("/api/public/summary")).json();
          const map = baseMap("map"), body = document.querySelector("#sensors tbody"), points = [];
          for (const x of s.sensors) {
            const row = document.createElement("tr"); row.className = "sensor";
            for (const v of [x.id, x.latitude ?? "unknown", x.longitude ?? "unknown", x.status || "unknown"]) row.appendChild(text("td", String(v)));
            body.appendChild(row);
            if (x.latitude !== null) { points.push([x.latitude, x.longitude]);
              L.circleMarker([x.latitude, x.longitude], {radius: 8, color: "#234"}).bindTooltip(x.id).addTo(map); }
          }
          fit(map, points);
          for (const c of s.classes) document.getElementById("classes").appendChild(text("li", c.class.replace("_", " ")));
          const head = document.createElement("tr"); head.appendChild(text("th", "week from"));
          for (const c of s.classes) head.appendChild(text("th", c.class.replace("_", " ")));
          document.querySelector("#weeks thead").appendChild(head);
          for (const w of s.weeks) {
            const row = document.createElement("tr"); row.appendChild(text("td", w.week));
            for (const c of s.classes) row.appendChild(text("td", String(w.counts[c.class])));
            document.querySelector("#weeks tbody").appendChild(row);
          }
          const r = s.reviews;
          document.getElementById("reviews").textContent = r.reviewed === 0 ? "No alert has been reviewed yet." :
            `Of ${r.reviewed} alerts that staff checked, ${r.false_alarms} (${Math.round(100 * r.false_alarm_share)} %) were false alarms.`;
          document.getElementById("retention").textContent = `Event records are deleted after ${s.retention_days} days.`;
          for (const f of s.record_fields) document.getElementById("fields").appendChild(text("li", f));
          document.getElementById("example").textContent = JSON.stringify(s.record_example, null, 1);
          document.body.dataset.loaded = "yes";
        })();
        """
}
