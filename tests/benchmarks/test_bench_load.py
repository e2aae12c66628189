"""The load benchmark at a reduced size: it runs, every action completes, and nothing fails.

Only correctness is asserted here, never a speed: the figures of a full-size run are in
benchmarks/RESULTS.md and the command in benchmarks/README.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^(sign in|open caseload|open chart|save note \(autosave\)|sign note)\s+(\d+)\s+(\d+)\s", re.M)
PORTAL_ROW = re.compile(r"^(client sign in|sign consent|open portal home|open access history|open check-in)"
                        r"\s+(\d+)\s+(\d+)\s", re.M)


def test_a_small_load_run_completes_every_action_without_errors() -> None:
    database = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFIDE_", "DJANGO_"))}
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT}"
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_load.py", "--db", database, "--clinicians", "5", "--caseload", "2",
         "--notes", "2", "--duration", "5", "--chart-duration", "2", "--portal-clients", "3", "--portal-duration", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = done.stdout
    assert done.returncode == 0, output[-3000:] + done.stderr[-3000:]
    assert "errors: 0" in output
    assert "action" in output and "p99 ms" in output, "the table is printed"
    rows = ROW.findall(output)
    actions = {action for action, _, _ in rows}
    assert actions == {"sign in", "open caseload", "open chart", "save note (autosave)", "sign note"}
    assert all(int(done_count) > 0 and errors == "0" for _, done_count, errors in rows), rows
    assert output.count("open chart") >= 3, "Confide's working loop, its chart phase and the control"
    assert re.search(r"chart-open throughput on \w+: Confide [\d.]+/s, control [\d.]+/s, ratio [\d.]+", output)
    portal = {action: (int(count), int(errors)) for action, count, errors in PORTAL_ROW.findall(output)}
    assert set(portal) == {"client sign in", "sign consent", "open portal home", "open access history",
                           "open check-in"}, output[-3000:]
    assert portal["client sign in"] == (3, 0) and portal["sign consent"] == (3, 0), "every client signs in and consents"
    assert all(count > 0 and errors == 0 for count, errors in portal.values()), portal
    assert "3 clients at once" in output
