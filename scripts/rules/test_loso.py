"""loso.py's calibration step, with a stand-in for `tympan calibrate` that lists
the clips it was given: each held-out clip is a link that resolves, whatever the
working folder (`make rules` passes a relative --out), a clip left by an earlier
run is not among them, and each clip's site is the recording it was cut from.
(The fits and `tympan` itself are exercised by `make loso` and `make rules`.)"""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loso  # noqa: E402

# Lists what it reads, fails as tympan does on a clip it cannot open, writes the start rules out.
CALIBRATE = """#!{python}
import json, os, sys
args = sys.argv[1:]
value = lambda flag: args[args.index(flag) + 1]
audio, log = value("--audio"), os.environ["CALIBRATE_LOG"]
names = sorted(os.listdir(audio))
for name in names:
    if not os.path.exists(os.path.join(audio, name)):
        sys.exit(f"Error: cannot read audio '{{os.path.join(audio, name)}}'")
sites = dict(line.split("\\t") for line in open(value("--site-map")).read().splitlines()[1:])
json.dump({{"clips": names, "sites": sites}}, open(log, "w"))
open(value("--out"), "w").write(open(value("--rules")).read())
"""


def test_calibration_links_resolve_and_are_made_afresh(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    training = Path("out") / "training"  # relative, as make rules' .build-rules
    training.mkdir(parents=True)
    for name in ["scream_a_0.wav", "background_rain_a_0.wav", "gunshot_c_0.wav", "old_0.wav"]:
        (training / name).write_bytes(b"RIFF")
    pool = [  # (event sources, background source, x, y, file, labels, background recording)
        ({"a"}, "b", None, None, training / "scream_a_0.wav", [(1.0, 2.0, "scream")], "background_music_b.wav"),
        (set(), "a", None, None, training / "background_rain_a_0.wav", [], "background_rain_a.wav"),
        ({"c"}, "a", None, None, training / "gunshot_c_0.wav", [(0.5, 0.6, "gunshot")], "background_rain_a.wav"),
    ]
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    (scenes / "validation_0000.flac").write_bytes(b"fLaC")
    reference = tmp_path / "validation.tsv"
    reference.write_text("filename\tonset\toffset\tevent_label\nvalidation_0000.flac\t1\t2\twhistle\n")
    folder = Path("out") / "choose-bundle"
    folder.mkdir()
    (folder / "old_0.wav").symlink_to((training / "old_0.wav").resolve())  # an earlier run's clip
    tympan = tmp_path / "tympan"
    tympan.write_text(CALIBRATE.format(python=sys.executable))
    tympan.chmod(0o755)
    monkeypatch.setenv("CALIBRATE_LOG", str(tmp_path / "log.json"))
    rules = {"about": "test", "classes": [{"class": "scream", "when": [], "detector": {"on": 0.8, "site_quantile": 0.999}}]}

    chosen = loso.calibrated(rules, None, {"a"}, pool, (scenes, reference), str(tympan), folder, 0.01)

    seen = json.loads((tmp_path / "log.json").read_text())
    assert seen["clips"] == ["background_rain_a_0.wav", "scream_a_0.wav", "validation_0000.flac"]
    assert all(os.path.isabs(os.readlink(folder / name)) for name in seen["clips"])
    assert seen["sites"] == {"scream_a_0.wav": str(loso.REAL / "audio" / "background_music_b.wav"),
                             "background_rain_a_0.wav": str(loso.REAL / "audio" / "background_rain_a.wav")}
    assert chosen["classes"] == rules["classes"] and "chosen on a and the synthetic validation split" in chosen["about"]
    labels = (Path("out") / "choose-bundle.tsv").read_text().splitlines()
    assert "scream_a_0.wav\t1.000\t2.000\tscream" in labels and "validation_0000.flac\t1\t2\twhistle" in labels
