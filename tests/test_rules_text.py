"""Folding of names into search keys and slugs, letter by letter."""

from __future__ import annotations

import pytest

from schema.rules.text import NEAREST_MAX_CHARS, compact_key, fold, nearest, search_key, slugify


@pytest.mark.parametrize(
    ("letter", "folded"),
    [
        pytest.param("ß", "ss", id="sharp-s"),
        pytest.param("æ", "ae", id="ae"),
        pytest.param("Æ", "ae", id="AE"),
        pytest.param("œ", "oe", id="oe"),
        pytest.param("Œ", "oe", id="OE"),
        pytest.param("ø", "o", id="o-slash"),
        pytest.param("Ø", "o", id="O-slash"),
        pytest.param("ł", "l", id="l-stroke"),
        pytest.param("Ł", "l", id="L-stroke"),
        pytest.param("đ", "d", id="d-stroke"),
        pytest.param("Đ", "d", id="D-stroke"),
        pytest.param("þ", "th", id="thorn"),
        pytest.param("Þ", "th", id="THORN"),
        pytest.param("ı", "i", id="dotless-i"),
        pytest.param("é", "e", id="accent"),
        pytest.param("²", "2", id="superscript"),
    ],
)
def test_letters_without_an_ascii_decomposition_are_spelled_out(letter: str, folded: str) -> None:
    assert fold(letter) == folded


@pytest.mark.parametrize(
    ("name", "words", "compact", "slug"),
    [
        pytest.param("Pôle EMC²", "pole emc2", "poleemc2", "pole-emc2", id="accents"),
        pytest.param("Nov@log", "nov log", "novlog", "nov-log", id="at-sign"),
        pytest.param("R&D Øresund", "r and d oresund", "randdoresund", "r-and-d-oresund", id="amp"),
        pytest.param(
            "l’Environnement  (Île-de-France)",
            "lenvironnement ile de france",
            "lenvironnementiledefrance",
            "lenvironnement-ile-de-france",
            id="typographic-apostrophe-joins",
        ),
        pytest.param("...", "", "", "unnamed", id="punctuation-only"),
    ],
)
def test_keys_and_slugs(name: str, words: str, compact: str, slug: str) -> None:
    assert (search_key(name), compact_key(name), slugify(name)) == (words, compact, slug)


def test_a_no_break_space_separates_words() -> None:
    assert search_key("Pôle\u00a0Mer") == "pole mer"


def test_suggestions_for_an_over_long_value_are_not_sought() -> None:
    known = {"fr": "France", "de": "Germany"}
    assert nearest("Frnace", known) == ["fr"]
    assert nearest("F" * (NEAREST_MAX_CHARS + 1), known) == []  # difflib would take seconds
