"""`ecei` itself: `--version`, and what `ecei serve` says and asks of uvicorn."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest

from api import server
from api.cli import main, startup_line
from api.settings import Settings


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"ecei {importlib.metadata.version('ecei-api')}\n"


def test_the_startup_line_names_the_url_and_the_embedded_store() -> None:
    line = startup_line(Settings(), "127.0.0.1", 8000)
    assert "http://127.0.0.1:8000/graphql" in line
    assert "embedded" in line
    assert "GraphiQL on" in line


def test_the_startup_line_for_a_server_never_shows_the_uri() -> None:
    settings = Settings(
        mongodb_uri="mongodb://app:s3cret@db.internal:27017", environment="production"
    )
    line = startup_line(settings, "::", 9000)
    assert "http://[::]:9000/graphql" in line
    assert "MongoDB" in line
    assert "embedded" not in line
    assert "s3cret" not in line
    assert "db.internal" not in line
    assert "GraphiQL off" in line


def test_serve_prints_the_line_and_lets_long_query_strings_reach_the_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    def fake_serve(settings: Settings, host: str, port: int, workers: int) -> None:
        seen["config"] = server._config(settings, host, port, workers)

    monkeypatch.setattr(server, "serve", fake_serve)
    monkeypatch.setenv("ECEI_MAX_BODY_BYTES", "65536")
    assert main(["serve", "--port", "8123"]) == 0
    config = seen["config"]
    assert config.port == 8123
    # h11's own default would refuse a request head over 16 KiB with a bare 400.
    assert config.h11_max_incomplete_event_size > 65536
    assert "http://127.0.0.1:8123/graphql" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["x", "0"])
def test_a_bad_motor_max_workers_is_one_line_not_a_traceback(value: str) -> None:
    """Motor reads MOTOR_MAX_WORKERS when it is imported, and fails with a traceback on a
    bad value: the command line checks it before anything imports Motor."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"} | {"MOTOR_MAX_WORKERS": value}
    command = [sys.executable, "-m", "api"]
    version = subprocess.run(
        [*command, "--version"], env=env, capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0, version.stderr
    serve = subprocess.run(
        [*command, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert serve.returncode == 2
    assert serve.stderr.count("\n") == 1
    assert serve.stderr.startswith("ecei: MOTOR_MAX_WORKERS must be")
    assert "Traceback" not in serve.stderr
