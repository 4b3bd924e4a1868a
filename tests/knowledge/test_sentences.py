"""split_sentences / paragraph_spans: a table of cases, the seed page, and invariants."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.sentences import paragraph_spans, split_sentences

CASES = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "ingest" / "sentences.json").read_text(
        encoding="utf-8"
    )
)


def assert_spans_valid(text: str, spans: list[tuple[int, int]]) -> None:
    """Sorted, disjoint, inside the text, trimmed, and each holds a letter or digit."""
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        assert re.search(r"\w", piece)
        last = end


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_sentence_table(case: dict) -> None:
    text = case["text"]
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == case["sentences"]
    assert_spans_valid(text, spans)


def test_seed_glued_sentences_split_at_the_seam(seed_text: str) -> None:
    spans = split_sentences(seed_text)
    assert_spans_valid(seed_text, spans)
    starts = {a for a, _ in spans}
    ends = {b for _, b in spans}
    seams = list(re.finditer(r"[a-z0-9)]\.(?=[A-Z][a-z])", seed_text))
    assert len(seams) >= 10  # the seed glues many sentences ("word.Next")
    for m in seams:
        assert m.end() in ends and m.end() in starts, seed_text[m.start() - 20 : m.end() + 20]


def test_seed_colons_abbreviations_and_code_lists_do_not_split(seed_text: str) -> None:
    spans = split_sentences(seed_text)
    ends = {b for _, b in spans}
    inside = [(a, b) for a, b in spans]

    def one_sentence(pos: int) -> bool:
        return any(a <= pos < b for a, b in inside)

    # "WORD:Next" stays one sentence.
    for m in re.finditer(r"[A-Z]{3,}:(?=[A-Z])", seed_text):
        assert m.end() not in ends and one_sentence(m.end())
    # "e.g." and "etc." inside brackets do not end a sentence.
    for m in re.finditer(r"\b(?:e\.g\.|etc\.)", seed_text):
        assert m.end() not in ends
    # A list of codes with a range is one sentence: no sentence ends after a comma-listed code.
    for m in re.finditer(r"\d{5}, (?=\d{5})", seed_text):
        assert one_sentence(m.start()) and one_sentence(m.end())
    # Every sentence ending in a code list ends right after its last code.
    code_list_ends = [b for a, b in spans if re.search(r"\d{5}(?:, \d{5}){5,}\.$", seed_text[a:b])]
    assert len(code_list_ends) >= 3


def test_seed_sentence_count_is_stable(seed_text: str) -> None:
    n = len(split_sentences(seed_text))
    assert 40 <= n <= 55  # measured 46; a big change means a rule broke
    assert split_sentences(seed_text) == split_sentences(seed_text)


def test_paragraph_spans() -> None:
    text = "  First para\nstill first.\n\n \t\nSecond.\n\n\n\nThird  \n"
    spans = paragraph_spans(text)
    assert [text[a:b] for a, b in spans] == ["First para\nstill first.", "Second.", "Third"]
    assert paragraph_spans("") == [] and paragraph_spans("\n \n") == []


def test_paragraph_spans_on_the_seed(seed_text: str) -> None:
    spans = paragraph_spans(seed_text)
    assert len(spans) == len(re.split(r"\n\s*\n", seed_text.strip()))
    for a, b in spans:
        assert "\n\n" not in seed_text[a:b]


def test_sentences_never_cross_paragraphs(seed_text: str) -> None:
    paragraphs = paragraph_spans(seed_text)
    for a, b in split_sentences(seed_text):
        assert any(pa <= a and b <= pb for pa, pb in paragraphs)


ALPHABET = st.sampled_from(
    list("abcXYZ019 .,:;?!\n\t-()\"'") + ["e.g.", "Dr.", "2.5", "。", "؟", "中", "\n\n", "  "]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_spans_are_always_valid(text: str) -> None:
    spans = split_sentences(text)
    assert_spans_valid(text, spans)
    # Nothing with a letter or digit is lost.
    covered = set()
    for a, b in spans:
        covered.update(range(a, b))
    assert all(i in covered for i, c in enumerate(text) if re.match(r"\w", c))
