"""What the rule tooling shares (common.py) matches the library: the
descriptors a fit reads, with those it leaves out, are the detection front
end's columns after the mel bands, as `tympan features --names` prints them;
the classes are the bundled rules' (in their order)."""
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def test_descriptors_are_the_front_ends_columns():
    tympan = os.environ.get("TYMPAN")  # make test-fixtures sets it
    if not tympan:
        pytest.skip("TYMPAN (a built tympan binary) not given")
    names = common.feature_names(tympan)
    descriptors = [n for n in names if not n.startswith("mel_")]
    assert len(set(common.DESCRIPTORS)) == len(common.DESCRIPTORS)
    assert not set(common.DESCRIPTORS) & set(common.LEFT_OUT)
    assert sorted(common.DESCRIPTORS + common.LEFT_OUT) == sorted(descriptors)


def test_classes_are_the_bundled_rules():
    bundled = json.loads((common.ROOT / "Sources/Tympan/Detection/bundled-rules.json").read_text())
    assert common.CLASSES == [c["class"] for c in bundled["classes"]]
