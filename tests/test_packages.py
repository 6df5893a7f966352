"""The top-level packages are this project's, not PyPI namesakes."""

from __future__ import annotations

from pathlib import Path

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
