"""A question's foreign spelling of a word the materials write: cognates across Latin-script
languages and names transliterated from Cyrillic, over an ingested page (invented drug and
device names, so nothing is known beforehand)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.cognates import CognateIndex, skeleton
from retrieval.lexical import LexicalIndex, tokenize
from tests.support.library import library_of

PAGE = """# Widget nephrostography guide

Hold zelmoxaban for 36 hours before the widget nephrostography.
Fluoroscopy time is recorded by the technologist.
Report 99931 once per session.
"""


@pytest.mark.parametrize(
    ("foreign", "english"),
    [
        ("nefrostografía", "nephrostography"),   # Spanish
        ("néphrostographie", "nephrostography"),  # French
        ("Nephrostographie", "nephrostography"),  # German
        ("fluoroscopia", "fluoroscopy"),         # Spanish, Italian, Tagalog
        ("зелмоксабан", "zelmoxaban"),            # Russian, an invented drug
        ("inyección", "injection"),
    ],
)
def test_a_cognate_has_the_skeleton_of_its_english_word(foreign: str, english: str) -> None:
    index = CognateIndex(tokenize(f"{english} widget session"))
    assert index.matches(tokenize(foreign)[0]) == tokenize(english)


def test_no_match_for_known_short_or_unlike_words() -> None:
    index = CognateIndex(tokenize("nephrostography fluoroscopy technologist"))
    assert index.matches("fluoroscopy") == []  # the materials write it: found as it is
    assert index.matches("nefro") == []  # too short to tell
    assert index.matches("tecnica") == []  # another word
    assert skeleton("Philosophy") == skeleton("filosofia")


@pytest.fixture
def lexical(tmp_path: Path, fake_embedder) -> Iterator[LexicalIndex]:
    with library_of(tmp_path, fake_embedder, guide=PAGE) as library:
        yield LexicalIndex(library.view())


def test_a_russian_question_finds_the_unit_by_the_drug_name(lexical: LexicalIndex) -> None:
    words = tokenize("За сколько часов отменяют зелмоксабан?")
    found = lexical.cognates(words)
    assert found == ["zelmoxaban"]
    best = lexical.search_sentences([*words, *found], 1)
    assert best and best[0][0].text.startswith("Hold zelmoxaban for 36 hours")
    assert lexical.search_sentences(words, 1) == []  # without it nothing matches
