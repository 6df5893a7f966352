"""`make help` and the README say what CI really runs, and where `make audit` listens."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.startswith("make ")]


def _audit_port() -> str:
    script = (ROOT / "scripts" / "http-audit.sh").read_text(encoding="utf-8")
    found = re.search(r"\$\{AUDIT_PORT:-(\d+)\}", script)
    assert found
    return found[1]


def test_make_help_lists_what_ci_runs_and_the_audit_port() -> None:
    output = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert f"CI runs .ci/run: {', '.join(_ci_commands())}" in output.splitlines()
    [audit] = [line for line in output.splitlines() if line.strip().startswith("make audit")]
    assert f"127.0.0.1:{_audit_port()}" in audit


def test_the_readme_says_what_ci_runs_and_the_audit_port() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"CI runs `\.ci/run`, which is (.+?)\.", readme, re.DOTALL)
    assert found
    assert re.findall(r"`(make [a-z-]+)`", found[1]) == _ci_commands()
    [audit] = [line for line in readme.splitlines() if line.startswith("| `make audit`")]
    assert f"127.0.0.1:{_audit_port()}" in audit
