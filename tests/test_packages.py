"""The top-level packages are this project's, not PyPI namesakes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import api
import schema
import seed

ROOT = Path(__file__).resolve().parent.parent


def test_schema_is_ours_not_the_pypi_package() -> None:
    # `schema` is also the name of an unrelated PyPI distribution.
    assert Path(schema.__file__).resolve().parent == ROOT / "schema"
    assert (ROOT / "schema" / "documents.py").is_file()


def test_packages_import_from_this_tree() -> None:
    for package in (api, seed):
        assert Path(package.__file__ or "").resolve().parent.parent == ROOT


def _imported_packages(package: str) -> set[str]:
    """Top-level names every module of `package` imports, at any depth of the code."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        pytest.param("schema", {"api", "seed"}, id="schema-imports-neither"),
        pytest.param("seed", {"api"}, id="seed-does-not-import-api"),
    ],
)
def test_imports_point_one_way(package: str, forbidden: set[str]) -> None:
    assert _imported_packages(package) & forbidden == set()
