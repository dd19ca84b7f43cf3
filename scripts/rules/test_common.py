"""What the rule tooling shares (common.py) matches the library: the
descriptors a fit reads are read from the detection front end (`tympan
features --names`, after the mel bands, but those left out); the classes are
the bundled rules' (in their order)."""
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def test_descriptors_are_read_from_the_front_end():
    tympan = os.environ.get("TYMPAN")  # make test-fixtures sets it
    if not tympan:
        pytest.skip("TYMPAN (a built tympan binary) not given")
    names = common.feature_names(tympan)
    fitted = common.descriptors(tympan)
    # The front end's columns after the mel bands, in its order, but those left out (each one it has).
    assert fitted == [n for n in names if not n.startswith("mel_") and n not in common.LEFT_OUT]
    assert set(common.LEFT_OUT) <= set(names)
    assert "level_dba" in fitted and not any(n.startswith("mel_") for n in fitted)
    assert common.DESCRIPTORS == fitted  # what the fit reads (TYMPAN is this binary)
    # Every descriptor's value and its windowed aggregates are columns of the fit.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import boost
    assert {d for d, _, _ in boost.KEYS} == set(fitted)
    assert len(boost.KEYS) == len(set(boost.KEYS))


def test_a_stale_left_out_list_is_refused(monkeypatch):
    tympan = os.environ.get("TYMPAN")
    if not tympan:
        pytest.skip("TYMPAN (a built tympan binary) not given")
    monkeypatch.setattr(common, "LEFT_OUT", common.LEFT_OUT + ["band_ultra_db"])
    with pytest.raises(SystemExit, match="band_ultra_db"):
        common.descriptors(tympan)


def test_classes_are_the_bundled_rules():
    bundled = json.loads((common.ROOT / "Sources/Tympan/Detection/bundled-rules.json").read_text())
    assert common.CLASSES == [c["class"] for c in bundled["classes"]]
