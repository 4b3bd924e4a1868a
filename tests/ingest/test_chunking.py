"""chunk_document: exact offsets, sizes, coverage, stable ids, headings, overlap."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document, chunk_id_for
from ingest.cleaning import clean_text
from knowledge.models import Chunk
from knowledge.sentences import paragraph_spans

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def assert_chunks_valid(text: str, chunks: list[Chunk], size: int, overlap: int = 0) -> None:
    """The invariants every chunking must keep."""
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    covered: set[int] = set()
    prev_start, prev_end = -1, 0
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.text == c.text.strip() and re.search(r"\w", c.text)
        assert len(c.text) <= size or " " not in c.text  # only a giant word may exceed
        assert c.start > prev_start
        if overlap == 0:
            assert c.start >= prev_end
        else:
            assert c.start >= prev_start and prev_end - c.start <= overlap
        assert all(isinstance(v, (str, int, float, bool)) for v in c.meta.values())
        assert c.meta["sentences"] >= 1
        assert c.chunk_id == chunk_id_for(c.doc_id, c.position, c.text, c.meta)
        assert re.fullmatch(r"[0-9a-f]{32}", c.chunk_id)
        covered.update(range(c.start, c.end))
        prev_start, prev_end = c.start, c.end
    lost = [i for i, ch in enumerate(text) if re.match(r"\w", ch) and i not in covered]
    assert not lost, f"uncovered text near {text[lost[0] - 20 : lost[0] + 20]!r}"


def fixtures() -> dict[str, str]:
    return {
        "guide.md": (DATA / "guide.md").read_text(encoding="utf-8"),
        "web_capture.txt": clean_text((DATA / "web_capture.txt").read_text(encoding="utf-8")),
    }


@pytest.mark.parametrize("size", [60, 150, 300, 700, 2000])
@pytest.mark.parametrize("overlap_share", [0, 0.3])
def test_invariants_on_seed(seed_text: str, size: int, overlap_share: float) -> None:
    text = clean_text(seed_text)
    overlap = int(size * overlap_share)
    chunks = chunk_document("seed", "seed.txt", text, chunk_size=size, overlap=overlap)
    assert_chunks_valid(text, chunks, size, overlap)


@pytest.mark.parametrize("name", ["guide.md", "web_capture.txt"])
@pytest.mark.parametrize("size", [80, 300, 700])
def test_invariants_on_fixtures(name: str, size: int) -> None:
    text = fixtures()[name]
    assert_chunks_valid(text, chunk_document("d", name, text, chunk_size=size), size)
    with_overlap = chunk_document("d", name, text, chunk_size=size, overlap=size // 4)
    assert_chunks_valid(text, with_overlap, size, size // 4)


def test_seed_chunk_count_at_700(seed_text: str) -> None:
    chunks = chunk_document("seed", "seed.txt", clean_text(seed_text), chunk_size=700)
    assert 9 <= len(chunks) <= 13  # measured 11
    # A title line travels with the paragraph after it.
    first = chunks[0].text.split("\n\n")
    assert re.fullmatch(r"\d{4} CPT code \d{5}", first[0]) and len(first) >= 2


def test_paragraphs_that_fit_are_never_split(seed_text: str) -> None:
    for text in [clean_text(seed_text), *fixtures().values()]:
        for size in (200, 700):
            chunks = chunk_document("d", "s", text, chunk_size=size)
            for p_start, p_end in paragraph_spans(text):
                if p_end - p_start <= size:
                    assert any(c.start <= p_start and p_end <= c.end for c in chunks)


def test_long_paragraph_splits_at_sentence_ends() -> None:
    sentences = [f"Sentence number {i} talks about the widget helper code." for i in range(30)]
    text = " ".join(sentences)
    chunks = chunk_document("d", "s", text, chunk_size=200)
    assert len(chunks) > 5
    for c in chunks:
        assert c.text.startswith("Sentence number") and c.text.endswith("code.")
        assert len(c.text) <= 200


def test_glued_sentences_are_cut_at_the_seam() -> None:
    text = "The first statement runs long enough.The second statement also runs on."
    chunks = chunk_document("d", "s", text, chunk_size=45)
    assert [c.text for c in chunks] == [
        "The first statement runs long enough.",
        "The second statement also runs on.",
    ]


def test_overlong_sentence_splits_at_words_and_giant_word_anywhere() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    chunks = chunk_document("d", "s", words, chunk_size=100)
    assert all(len(c.text) <= 100 for c in chunks)
    assert " ".join(c.text for c in chunks) == words  # cut only at spaces
    giant = "x" * 250
    assert [len(c.text) for c in chunk_document("d", "s", giant, chunk_size=100)] == [100, 100, 50]


def test_short_paragraphs_merge_but_headings_start_a_chunk() -> None:
    text = (
        "First short paragraph.\n\nSecond short paragraph.\n\n"
        "Helper code rules\n\nThe helper code needs a main code.\n\n"
        "# Section two\n\nSubtitle line\n\nBody of section two."
    )
    chunks = chunk_document("d", "s", text, chunk_size=500)
    assert [c.text for c in chunks] == [
        "First short paragraph.\n\nSecond short paragraph.",
        "Helper code rules\n\nThe helper code needs a main code.",
        "# Section two\n\nSubtitle line\n\nBody of section two.",
    ]


def test_a_long_paragraph_starts_its_own_chunk() -> None:
    long_par = " ".join(f"Example sentence {i} is part of a long paragraph." for i in range(12))
    text = f"A short lead paragraph.\n\n{long_par}"
    chunks = chunk_document("d", "s", text, chunk_size=300)
    assert chunks[0].text == "A short lead paragraph."
    assert chunks[1].text.startswith("Example sentence 0 ")


def test_overlap_repeats_whole_sentences() -> None:
    text = " ".join(f"Sentence {i} is here." for i in range(40))
    chunks = chunk_document("d", "s", text, chunk_size=120, overlap=40)
    assert_chunks_valid(text, chunks, 120, 40)
    for prev, cur in itertools.pairwise(chunks):
        assert cur.start < prev.end  # there is an overlap
        assert cur.text.startswith("Sentence ")
        assert text[cur.start : prev.end].endswith(".")


def test_ids_are_stable_and_depend_on_content() -> None:
    text = fixtures()["guide.md"]
    a = chunk_document("doc-1", "guide.md", text, chunk_size=300)
    b = chunk_document("doc-1", "guide.md", text, chunk_size=300)
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    other_doc = chunk_document("doc-2", "guide.md", text, chunk_size=300)
    assert not {c.chunk_id for c in a} & {c.chunk_id for c in other_doc}
    edited = chunk_document("doc-1", "guide.md", text.replace("consent form", "consent note"),
                            chunk_size=300)
    assert a[0].chunk_id == edited[0].chunk_id  # untouched chunks keep their ids
    assert {c.chunk_id for c in a} != {c.chunk_id for c in edited}


def test_chunk_id_ignores_meta_key_order() -> None:
    assert chunk_id_for("d", 0, "t", {"a": 1, "b": 2}) == chunk_id_for("d", 0, "t", {"b": 2, "a": 1})
    assert chunk_id_for("d", 0, "t", {}) != chunk_id_for("d", 1, "t", {})


def test_empty_and_chrome_only_text_give_no_chunks() -> None:
    assert chunk_document("d", "s", "") == []
    assert chunk_document("d", "s", "***\n\n---\n\n") == []


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (-5, 0), (100, 100), (100, -1)])
def test_bad_parameters(size: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="chunk_size|overlap"):
        chunk_document("d", "s", "Some text.", chunk_size=size, overlap=overlap)


WORDS = st.sampled_from(
    ["code", "61235", "add-on.", "Next", "e.g.", "2.5", "mm.", "Dr.", "x" * 30, "。", "中文",
     "\n", "\n\n", "# Title\n", "- item\n", "?", "!", ",", "It.This"]
)


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(WORDS, max_size=80).map(" ".join), st.integers(20, 200), st.floats(0, 0.5))
def test_invariants_hold_for_any_text(text: str, size: int, share: float) -> None:
    overlap = int(size * share)
    assert_chunks_valid(text, chunk_document("d", "s", text, chunk_size=size, overlap=overlap),
                        size, overlap)
