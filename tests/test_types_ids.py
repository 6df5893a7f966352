"""Opaque global IDs: they round-trip, and decoding never raises."""

from __future__ import annotations

import base64

import pytest

from schema.rules.limits import MAX_GLOBAL_ID_LENGTH
from schema.types.ids import from_global_id, to_global_id


def test_round_trip_keeps_slashes_and_colons_in_the_key() -> None:
    key = "pole-mer/BRONZE/2016-06-30:x"
    assert from_global_id(to_global_id("Label", key)) == ("Label", key)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "global_id",
    [
        pytest.param("", id="empty"),
        pytest.param("not base64!", id="not-base64"),
        pytest.param(base64.b64encode(b"\xff\xfe").decode(), id="not-utf8"),
        pytest.param(_b64("Cluster"), id="no-separator"),
        pytest.param(_b64("Cluster:"), id="no-key"),
        pytest.param(_b64("User:1"), id="not-a-node-type"),
        pytest.param(_b64("Cluster:" + "x" * MAX_GLOBAL_ID_LENGTH), id="too-long"),
    ],
)
def test_anything_else_is_none(global_id: str) -> None:
    assert from_global_id(global_id) is None
