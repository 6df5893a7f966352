"""`scripts/load.py` (`make load`) run for real against a server it starts, briefly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "load.py"


def test_load_script_measures_a_served_mix_without_errors() -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--serve", "--clients", "3", "--duration", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    [report] = json.loads(completed.stdout)
    assert report["errors"] == {}
    assert report["workers"] == 1
    assert set(report["kinds"]) == {"directory page", "nested page", "aggregate"}
    counted = sum(kind["requests"] for kind in report["kinds"].values())
    assert counted == report["requests"] > 0
    assert report["server_cpu_ms_per_request"] > 0


def test_load_script_refuses_a_target_off_loopback() -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--url", "http://192.0.2.1:8000", "--duration", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert "not a loopback address" in completed.stderr
