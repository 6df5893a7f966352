"""The compose files: valid against the Compose specification, wired as the README says,
and consistent with `.env.example`.

The validator is check-jsonschema with the Compose specification's JSON schema that the
package ships (`vendor.compose-spec`), the command `make compose-check` runs. No Docker
engine is needed, and none is used: these tests read the files, they never start them.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from ruamel.yaml import YAML

from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ROOT / "docker-compose.yml"
DEVELOPMENT = ROOT / "compose.dev.yml"
VALIDATE = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]


def _load(path: Path) -> dict[str, Any]:
    document = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VALIDATE, *map(str, paths)], capture_output=True, text=True, timeout=60, check=False
    )


def test_compose_files_follow_the_specification() -> None:
    result = _validate(PRODUCTION, DEVELOPMENT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("good", "bad", "reported"),
    [
        pytest.param(
            "condition: service_completed_successfully",
            "condition: service_finished",
            "service_finished",
            id="unknown-depends-on-condition",
        ),
        pytest.param("    interval: 5s", "    intervall: 5s", "intervall", id="misspelled-key"),
        pytest.param("replicas: 2", "replicas: [2]", "replicas", id="wrong-type"),
    ],
)
def test_validator_rejects_a_broken_compose_file(
    tmp_path: Path, good: str, bad: str, reported: str
) -> None:
    text = PRODUCTION.read_text(encoding="utf-8")
    assert good in text
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace(good, bad, 1), encoding="utf-8")
    result = _validate(broken)
    assert result.returncode == 1
    assert reported in result.stdout


def _variables(text: str) -> set[str]:
    interpolated = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text)
    secret_sources = re.findall(r"(?m)^\s+environment: ([A-Z_][A-Z0-9_]*)\s*$", text)
    return {*interpolated, *secret_sources}


def test_env_example_lists_exactly_the_variables_the_compose_files_use() -> None:
    used = _variables(PRODUCTION.read_text(encoding="utf-8")) | _variables(
        DEVELOPMENT.read_text(encoding="utf-8")
    )
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"(?m)^([A-Z_][A-Z0-9_]*)=", example))
    assert used - listed == set(), "used by a compose file, missing from .env.example"
    assert listed - used == set(), "listed in .env.example, used by no compose file"


def _images(compose: dict[str, Any]) -> set[str]:
    return {service["image"] for service in compose["services"].values() if "image" in service}


def test_images_are_pinned_to_exact_versions() -> None:
    exact = re.compile(r"[a-z0-9./-]+:\d+\.\d+\.\d+")
    images = _images(_load(PRODUCTION)) | _images(_load(DEVELOPMENT))
    external = {image for image in images if not image.startswith("ecei-api:")}
    assert {"mongo", "haproxy"} <= {image.split(":")[0] for image in external}
    assert [image for image in external if not exact.fullmatch(image)] == []
    base = re.search(r"(?m)^FROM (\S+)", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert base is not None
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-\S+", base.group(1))


@pytest.mark.parametrize("path", [PRODUCTION, DEVELOPMENT], ids=lambda p: p.name)
def test_every_dependency_names_a_service_of_the_same_file(path: Path) -> None:
    services = _load(path)["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert set(depends_on) <= set(services) - {name}, name
        network_mode = service.get("network_mode", "")
        if network_mode.startswith("service:"):
            assert network_mode.removeprefix("service:") in services, name


def test_replica_set_has_three_members_with_a_keyfile() -> None:
    services = _load(PRODUCTION)["services"]
    members = [s for s in services.values() if s.get("command", [None])[0] == "mongod"]
    assert len(members) == 3
    for member in members:
        command = member["command"]
        assert command[command.index("--replSet") + 1] == "rs0"
        assert "--keyFile" in command
        assert member["depends_on"]["mongo-keyfile"]["condition"] == (
            "service_completed_successfully"
        )
    init = (ROOT / "deploy" / "mongo-init.js").read_text(encoding="utf-8")
    assert "'mongo1:27017', 'mongo2:27017', 'mongo3:27017'" in init


def test_api_and_seed_connect_as_the_application_user_with_majority_writes() -> None:
    services = _load(PRODUCTION)["services"]
    for name in ("api", "seed"):
        uri = services[name]["environment"]["MONGODB_URI"]
        assert uri.startswith("mongodb://${MONGO_APP_USER"), name
        assert "MONGO_ROOT" not in uri, name
        assert "replicaSet=rs0" in uri, name
        assert "w=majority" in uri, name
    assert services["seed"]["depends_on"]["mongo-init"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["api"]["depends_on"]["seed"]["condition"] == "service_completed_successfully"
    assert services["api"]["deploy"]["replicas"] >= 2
    init = (ROOT / "deploy" / "mongo-init.js").read_text(encoding="utf-8")
    assert "const roles = [{ role: 'readWrite', db: dbName }];" in init


def test_proxy_is_the_only_published_port_and_routes_on_readiness() -> None:
    services = _load(PRODUCTION)["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    config = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    assert re.search(r"(?m)^\s+option httpchk GET /readyz$", config)
    assert re.search(r"(?m)^\s+server-template api \d+ api:8000$", config)


def test_the_api_trusts_the_forwarded_client_of_its_proxy_only() -> None:
    """Behind the proxy every connection comes from it: the API must believe the proxy's
    X-Forwarded-For, or every anonymous client shares the proxy's one budget."""
    document = _load(PRODUCTION)
    services = document["services"]
    proxy = services["proxy"]["networks"]["backend"]["ipv4_address"]
    subnet = document["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy) in ipaddress.ip_network(subnet)
    trusted = {"ECEI_TRUSTED_PROXIES": services["api"]["environment"]["ECEI_TRUSTED_PROXIES"]}
    assert Settings.from_env(trusted).trusted_proxies == (f"{proxy}/32",)


def test_the_proxy_limits_each_client_with_a_coded_429() -> None:
    config = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    assert re.search(r"(?m)^\s+stick-table type ipv6 .*store conn_cur,http_req_rate", config)
    assert re.search(r"(?m)^\s+tcp-request connection track-sc0 src$", config)
    deny = re.search(r"(?m)^\s+http-request deny deny_status 429 (.*)$", config)
    assert deny is not None
    body = re.search(r"string '([^']*)'", deny[1])
    assert body is not None
    assert orjson.loads(body[1])["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "hdr Retry-After " in deny[1]
    assert "sc_conn_cur(0)" in deny[1]
    assert "sc_http_req_rate(0)" in deny[1]
