"""The schema extensions: the limits' validation rules are built once, so that the
validation cache hits on a document it has seen."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from tests.support import Api

pytestmark = pytest.mark.anyio


async def test_validation_runs_once_per_document(api: Api) -> None:
    cache: Any = _get_validate_cache(256)  # an lru_cache wrapper
    query = "{ clusters(first: 3) { nodes { slug } } }"
    await api.data(query)
    before = cache.cache_info()
    for _ in range(3):
        await api.data(query)
    after = cache.cache_info()
    assert after.hits - before.hits == 3
    assert after.misses == before.misses
