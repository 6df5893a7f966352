"""Settings from the environment, and the `ecei` command line around them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from api.cli import main
from api.database import connect
from api.settings import Settings, SettingsError
from schema.sdl import SDL_PATH
from seed.shipped import SHIPPED_LISTING as LISTING


def test_defaults_use_the_embedded_store() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.embedded
    assert not settings.production
    assert (settings.host, settings.port, settings.db_name) == ("127.0.0.1", 8000, "ecei")
    assert settings.publish_results is False


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "MONGODB_URI": "mongodb://db.example:27017",
            "ECEI_DB_NAME": "labels",
            "ECEI_HOST": "0.0.0.0",
            "ECEI_PORT": "9000",
            "ECEI_ENV": "production",
            "ECEI_MIN_GROUP_SIZE": "5",
            "ECEI_MAX_BODY_BYTES": "2048",
            "ECEI_DB_TIMEOUT_MS": "1500",
            "ECEI_DB_POOL_SIZE": "30",
            "MOTOR_MAX_WORKERS": "40",
            "ECEI_CORS_ORIGINS": "https://a.example, https://b.example",
            "ECEI_CORS_HEADERS": "Content-Type, X-Custom",
            "ECEI_CACHE_MAX_AGE": "300",
            "ECEI_PUBLISH_RESULTS": "yes",
            "ECEI_KEYS_FILE": "keys.jsonl",
            "ECEI_BUDGET_PER_HOUR": "900",
            "ECEI_ANONYMOUS_BUDGET_PER_HOUR": "90",
            "ECEI_RESPONSE_CACHE_BYTES": "0",
            "ECEI_CACHE_CHECK_SECONDS": "0.25",
            "ECEI_EMBEDDED_LISTING": str(LISTING),
            "ECEI_TRUSTED_PROXIES": "172.30.0.10, 10.1.0.0/16, ::1, 192.168.1.7/24",
        }
    )
    assert settings == Settings(
        mongodb_uri="mongodb://db.example:27017",
        db_name="labels",
        host="0.0.0.0",
        port=9000,
        environment="production",
        min_group_size=5,
        max_body_bytes=2048,
        db_timeout_ms=1500,
        db_pool_size=30,
        motor_workers=40,
        cors_origins=("https://a.example", "https://b.example"),
        cors_headers=("Content-Type", "X-Custom"),
        cache_max_age=300,
        publish_results=True,
        keys_file="keys.jsonl",
        budget_per_hour=900,
        anonymous_budget_per_hour=90,
        response_cache_bytes=0,
        cache_check_seconds=0.25,
        embedded_listing=LISTING,
        trusted_proxies=("172.30.0.10/32", "10.1.0.0/16", "::1/128", "192.168.1.0/24"),
    )
    assert not settings.embedded
    assert settings.production


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param(
            "ECEI_PORT", "http", "ECEI_PORT must be a whole number, not 'http'", id="port"
        ),
        pytest.param("ECEI_PORT", "70000", "between 1 and 65535, not 70000", id="port-range"),
        pytest.param("ECEI_ENV", "prod", "'development' or 'production', not 'prod'", id="env"),
        pytest.param("ECEI_MIN_GROUP_SIZE", "0", "between 1 and 1000", id="k"),
        pytest.param(
            "ECEI_DB_NAME", "a.b", "ECEI_DB_NAME must be a MongoDB database name", id="db"
        ),
        pytest.param("ECEI_PUBLISH_RESULTS", "maybe", "true or false, not 'maybe'", id="bool"),
        pytest.param("ECEI_BUDGET_PER_HOUR", "0", "between 1 and 100000000", id="budget"),
        pytest.param("ECEI_CACHE_CHECK_SECONDS", "soon", "a number of seconds", id="seconds"),
        pytest.param("ECEI_CACHE_CHECK_SECONDS", "inf", "between 0 and 3600", id="inf"),
        pytest.param("ECEI_RESPONSE_CACHE_BYTES", "-1", "between 0 and", id="bytes"),
        pytest.param("ECEI_EMBEDDED_LISTING", "nowhere.csv", "must name a listing file", id="file"),
        pytest.param("ECEI_CACHE_MAX_AGE", "-1", "between 0 and 31536000, not -1", id="max-age"),
        pytest.param(
            "ECEI_CORS_HEADERS", "Content-Type, X Bad", "header names, not 'X Bad'", id="header"
        ),
        pytest.param("ECEI_WORKERS", "0", "ECEI_WORKERS must be between 1 and 64", id="workers"),
        pytest.param(
            "ECEI_BODY_TIMEOUT_SECONDS", "0", "between 1 and 600, not 0", id="body-timeout"
        ),
        pytest.param(
            "ECEI_READ_PREFERENCE",
            "secondary_preferred",
            "ECEI_READ_PREFERENCE must be one of primary, .*secondaryPreferred",
            id="read-preference",
        ),
        pytest.param("ECEI_LOG_FORMAT", "xml", "'json' or 'text', not 'xml'", id="log-format"),
        pytest.param("MOTOR_MAX_WORKERS", "many", "MOTOR_MAX_WORKERS must be a whole", id="w"),
        pytest.param("ECEI_DB_POOL_SIZE", "0", "between 1 and 1000, not 0", id="pool"),
        pytest.param(
            "ECEI_TRUSTED_PROXIES",
            "10.0.0.1, proxy",
            "ECEI_TRUSTED_PROXIES must be comma-separated IP addresses or networks .*'proxy'",
            id="proxy-name",
        ),
        pytest.param(
            "ECEI_TRUSTED_PROXIES", "*", "not '\\*': trusting every peer", id="proxy-star"
        ),
        pytest.param(
            "ECEI_TRUSTED_PROXIES",
            "10.0.0.1, 0.0.0.0/0",
            "not '0.0.0.0/0': trusting every peer",
            id="proxy-every-ipv4",
        ),
        pytest.param(
            "ECEI_TRUSTED_PROXIES", "::/0", "not '::/0': trusting every peer", id="proxy-every-ipv6"
        ),
    ],
)
def test_a_bad_value_names_the_variable_and_the_expected_form(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})


def test_cors_defaults_cover_apollo_client_and_authorization() -> None:
    headers = {h.lower() for h in Settings.from_env({}).cors_headers}
    assert {
        "authorization",
        "content-type",
        "apollographql-client-name",
        "apollographql-client-version",
        "apollo-require-preflight",
        "x-apollo-operation-name",
    } <= headers


@pytest.mark.parametrize(
    "origins",
    [
        pytest.param("https://app.example.org", id="https"),
        pytest.param("http://localhost:5173, https://app.example.org", id="two-with-port"),
        pytest.param("http://[::1]:3000", id="ipv6"),
        pytest.param("*", id="any"),
    ],
)
def test_origins_with_a_scheme_are_accepted(origins: str) -> None:
    expected = tuple(o.strip() for o in origins.split(","))
    assert Settings.from_env({"ECEI_CORS_ORIGINS": origins}).cors_origins == expected


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("example.org", id="no-scheme"),
        pytest.param("https://example.org/", id="trailing-slash"),
        pytest.param("https://example.org/app", id="path"),
        pytest.param("https://a.example, *", id="star-among-others"),
    ],
)
def test_an_origin_browsers_never_send_is_refused_naming_the_variable(origin: str) -> None:
    with pytest.raises(SettingsError, match=r"^ECEI_CORS_ORIGINS must be .*scheme://host") as e:
        Settings.from_env({"ECEI_CORS_ORIGINS": origin})
    assert "\n" not in str(e.value)


def test_a_bad_uri_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"MONGODB_URI": "postgres://user:s3cret@db"})
    assert "MONGODB_URI" in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_cli_bad_settings_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECEI_PORT", "http")
    assert main(["export-schema", "--output", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("ecei: ECEI_PORT must be a whole number")


def test_cli_export_schema_prints_the_committed_sdl(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ECEI_PORT", raising=False)
    assert main(["export-schema", "--output", "-"]) == 0
    assert capsys.readouterr().out == SDL_PATH.read_text(encoding="utf-8")


# Variables whose field is not named after them (the others: without ECEI_, lower case).
_FIELDS = {
    "MONGODB_URI": "mongodb_uri",
    "ECEI_ENV": "environment",
    "MOTOR_MAX_WORKERS": "motor_workers",
}


def _shown(value: object) -> str:
    """A default as the README's configuration table writes it."""
    if value is None:
        return "unset"
    if value == ():
        return "empty"
    if isinstance(value, tuple):
        return "`" + ", ".join(value) + "`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def test_the_readme_states_the_defaults_of_the_settings_class() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, str] = {}
    for names, defaults in re.findall(r"^\| (`[A-Z_]+`.*?) \| (.+?) \|", section, re.MULTILINE):
        for name, default in zip(names.split(" / "), defaults.split(" / "), strict=True):
            variable = name.strip("`")
            documented[_FIELDS.get(variable, variable.removeprefix("ECEI_").lower())] = default
    defaults = Settings()
    assert documented == {
        option.name: _shown(getattr(defaults, option.name))
        for option in dataclasses.fields(Settings)
    }


@pytest.mark.anyio
async def test_the_server_client_bounds_every_operation_and_its_pool() -> None:
    settings = Settings(mongodb_uri="mongodb://db.invalid:27017", db_timeout_ms=1500)
    connection = connect(settings)  # lazy: nothing is reached
    try:
        options = connection.client.options
        assert options.timeout == 1.5  # timeoutMS: maxTimeMS on every command
        assert options.server_selection_timeout == 1.5
        assert options.pool_options.max_pool_size == settings.db_pool_size
    finally:
        connection.close()
