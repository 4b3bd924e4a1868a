"""The lexical index's units that define a term, over an ingested page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.lexical import LexicalIndex, tokenize
from tests.support.library import library_of

POLICY = """# Widget policy WP-9

## Definitions

Session: all widget work on one date of service.
Marked relief: a drop of at least 70 percent in the widget score.
"Widget level" means one widget and its two hinges.

## Coverage

Code | Limit
--- | ---
99931 | 2 per session

A session with marked relief allows a second widget.
"""


@pytest.fixture
def lexical(tmp_path: Path, fake_embedder) -> Iterator[LexicalIndex]:
    with library_of(tmp_path, fake_embedder, policy=POLICY) as library:
        yield LexicalIndex(library.view())


def _defined(lexical: LexicalIndex, question: str) -> list[str]:
    return [lexical.sentence(i).text.strip() for i in lexical.defining(question)]


def test_a_term_of_several_words_finds_its_definition(lexical: LexicalIndex) -> None:
    [got] = _defined(lexical, "What counts as marked relief for the widget?")
    assert got.startswith("Marked relief: a drop of at least 70 percent")
    [level] = _defined(lexical, "How is a widget level counted?")
    assert level.startswith('"Widget level" means')


def test_a_one_word_term_only_when_quoted(lexical: LexicalIndex) -> None:
    assert _defined(lexical, "How many widgets per session?") == []
    [got] = _defined(lexical, "What does 'session' mean in WP-9?")
    assert got.startswith("Session: all widget work")


def test_table_rows_and_running_text_define_nothing(lexical: LexicalIndex) -> None:
    assert _defined(lexical, "a second widget allows 99931 code limit") == []



def test_words_of_unspaced_scripts_stand_apart_from_latin_words_and_codes() -> None:
    assert tokenize("在Northfield的61235价格") == ["在", "northfield", "的", "61235", "价格"]
    korean = tokenize("Northfield에서 61235를")  # Hangul comes out decomposed (NFKD)
    assert korean[0] == "northfield" and korean[2] == "61235" and len(korean) == 4
    assert tokenize("уретроцистография 61235-RT") == ["уретроцистография", "61235", "rt"]
