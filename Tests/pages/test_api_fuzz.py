"""The HTTP API fuzzed against its own OpenAPI document (/openapi.yaml) by
schemathesis: examples, coverage, random and stateful cases with an
operator's token; no answer may be a server error (5xx). /api/stream is left
out (it never ends)."""
import subprocess
import sys
from pathlib import Path

from test_pages import platform  # noqa: F401  (the running platform fixture)


def test_no_server_error(platform):  # noqa: F811
    schemathesis = Path(sys.executable).parent / "schemathesis"
    done = subprocess.run([str(schemathesis), "run", f"http://127.0.0.1:{platform.http}/openapi.yaml",
                           "-H", f"Authorization: Bearer {platform.token}", "--checks", "not_a_server_error",
                           "--exclude-path", "/api/stream", "--max-examples", "40", "--seed", "20261203"],
                          capture_output=True, text=True, timeout=900)
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary
    assert " passed" in summary and "failed" not in summary.split("Test cases:")[-1], summary
