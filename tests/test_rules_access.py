"""API keys: their form, their hash, and the constant-time comparison."""

from __future__ import annotations

import pytest

from schema.rules.access import KEY_PREFIX, hash_key, key_id_of, new_key, same_hash


def test_a_new_key_names_its_id_and_hashes_to_what_is_stored() -> None:
    key_id, key = new_key()
    assert key.startswith(f"{KEY_PREFIX}_{key_id}_")
    assert key_id_of(key) == key_id
    assert same_hash(key, hash_key(key))
    assert not same_hash(key + "x", hash_key(key))
    assert len({new_key()[1] for _ in range(100)}) == 100


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("ecei_0123456789ab_short", id="short-secret"),
        pytest.param("ecei_0123456789AB_" + "a" * 43, id="upper-case-id"),
        pytest.param("other_0123456789ab_" + "a" * 43, id="other-prefix"),
        pytest.param("ecei_0123456789ab_" + "a" * 43 + "\n", id="trailing-newline"),
        pytest.param("ecei_0123456789ab_" + "a" * 42 + "!", id="bad-character"),
    ],
)
def test_malformed_keys_have_no_id(text: str) -> None:
    assert key_id_of(text) is None
