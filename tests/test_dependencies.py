"""Every third-party package the code, tests and scripts import is declared in
pyproject.toml, so an install from it alone can run them all."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("api", "schema", "seed", "tests", "scripts")
# The packages, and the scripts' modules that import one another (`lean_http`).
OURS = {"api", "schema", "seed", "tests", "__future__"} | {
    path.stem for path in (ROOT / "scripts").glob("*.py")
}


def _normalize(name: str) -> str:
    """A distribution name in its canonical form (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    return {_normalize(re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0]) for r in requirements}


def _third_party_imports() -> dict[str, str]:
    """Top-level module name -> the first file importing it, at any depth of the code."""
    found: dict[str, str] = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module.split(".")[0]]
                else:
                    continue
                for name in names:
                    if name not in OURS and name not in sys.stdlib_module_names:
                        found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_the_scan_sees_the_main_dependencies() -> None:
    assert {"strawberry", "starlette", "motor", "pytest"} <= set(_third_party_imports())


def test_every_imported_package_is_declared() -> None:
    distributions = packages_distributions()
    declared = _declared()
    undeclared = []
    for module, where in sorted(_third_party_imports().items()):
        candidates = {_normalize(d) for d in distributions.get(module, [])}
        if not candidates & declared:
            names = ", ".join(sorted(candidates)) or "no installed distribution"
            undeclared.append(f"{module} ({names}), imported by {where}")
    assert undeclared == []


def _pinned() -> dict[str, str]:
    text = (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8")
    pins = [line.split("==") for line in text.splitlines() if line and not line.startswith("#")]
    return {_normalize(name): version for name, version in pins}


def test_every_declared_package_is_pinned_by_the_constraints_file() -> None:
    # Fails after a dependency is added to pyproject.toml until `make lock` is run.
    assert _declared() - set(_pinned()) == set()
