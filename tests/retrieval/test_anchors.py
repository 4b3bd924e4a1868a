"""A question's year and proper names, checked against a real lexical index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import ingest_paths
from knowledge.library import open_library
from retrieval.anchors import term_not_written, unknown_name, year_not_given
from retrieval.lexical import LexicalIndex
from retrieval.query import analyze_question

PAGE = """# Harbor Mutual widget schedule

Rates effective March 1, 2025 (revision 2024.2). Harbor Mutual pays $61.00 for 61235.
Prior authorization is needed for 61235 in the office. The health plan reviews it.
Facility rates are published for 61250 only.

"""
OTHER = """# Widget newsletter

The 2023 audit looked at code 61240 only.
"""


@pytest.fixture
def lexical(tmp_path: Path, fake_embedder) -> Iterator[LexicalIndex]:
    (tmp_path / "page.md").write_text(PAGE)
    (tmp_path / "news.md").write_text(OTHER)
    library = open_library(tmp_path / "store")
    ingest_paths([tmp_path / "page.md", tmp_path / "news.md"], library, fake_embedder)
    yield LexicalIndex(library.view())
    library.close()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What does 61235 pay in 2025?", False),
        ("61235 在2025年的价格是多少？", False),
        ("What did 61235 pay in 2023?", True),  # 2023 is written, on a page without 61235
        ("What did 61240 cost in 2023?", False),
        ("What does 61235 pay under revision 2024.2?", False),  # a version, not a year
        ("What did Harbor Mutual pay in 2023?", False),  # no code: nothing to pin
    ],
)
def test_a_year_must_be_written_where_the_code_is(
    lexical: LexicalIndex, question: str, missing: bool
) -> None:
    assert year_not_given(analyze_question(question), lexical) is missing


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What does Sanitas pay for 61235?", "Sanitas"),
        ("¿Cuánto paga PhilHealth por 61235?", "PhilHealth"),
        ("What does Harbor Mutual pay for 61235?", None),
        ("Sanitas: what is paid for 61235?", None),  # a sentence's first word names nothing
        ("What does the TPN plan pay for 61235?", None),  # abbreviations are left out
        ("Wie hoch ist die Vergütung von 61235?", None),  # German nouns
        ("Wie viel zahlt die PhilHealth für 61235?", "PhilHealth"),
    ],
)
def test_a_proper_name_no_document_holds(
    lexical: LexicalIndex, question: str, name: str | None
) -> None:
    assert unknown_name(analyze_question(question), lexical) == name


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Сколько дней Harbor Mutual ждёт (clean claim)?", "clean claim"),
        ("Harbor Mutual 的 clean claim 标准是什么？", "clean claim"),
        ("Harbor Mutual 对 61235 需要 prior authorization 吗？", None),
        # a term the glossary knows, written in another of its spellings
        ("Нужна ли prior auth для 61235 в Harbor Mutual?", None),
        ("Harbor Mutual 这个 payer 对 61235 的规定是什么？", None),
        # an abbreviation the document need not write ("CPT")
        ("Harbor Mutual 对 CPT 61235 需要 prior authorization 吗？", None),
        ("Harbor Mutual에서 61235의 office 금액은?", None),
        # written in the document, but not where it speaks of the code asked about
        ("Harbor Mutual에서 61235의 facility 금액은?", "facility"),
        ("Harbor Mutual에서 61250의 facility 금액은?", None),
        # a question in a Latin script: its words are its own, not quoted terms
        ("What is the timely filing limit at Harbor Mutual?", None),
    ],
)
def test_a_term_quoted_from_the_materials_must_be_in_the_named_document(
    lexical: LexicalIndex, question: str, term: str | None
) -> None:
    docs = frozenset(d for d in lexical.documents_with("harbor") if d)
    assert docs
    found = term_not_written(analyze_question(question), lexical, docs, frozenset({"Harbor Mutual"}))
    assert found == term


def test_a_name_with_a_particle_glued_to_it_is_still_a_name(lexical: LexicalIndex) -> None:
    assert unknown_name(analyze_question("61235는 Sanitas에서 얼마예요?"), lexical) == "Sanitas"
    assert unknown_name(analyze_question("61235在Sanitas的价格是多少？"), lexical) == "Sanitas"
    assert unknown_name(analyze_question("61235는 Harbor에서 얼마예요?"), lexical) is None


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Was kostet 61235 bei der WXPA?", "WXPA"),  # a payer by its initials, unwritten
        ("How much does BCWX pay for 61235?", "BCWX"),
        ("How much does Harbor Mutual pay for 61235 (HCPCS)?", None),  # coding vocabulary
        ("HOW MUCH DOES HARBOR MUTUAL PAY FOR 61235?", None),  # a question in capitals
    ],
)
def test_a_payer_named_by_its_initials(lexical: LexicalIndex, question: str, name: str | None) -> None:
    assert unknown_name(analyze_question(question), lexical, initials=True) == name
    # Only where the question asks an amount does the caller look at initials.
    assert unknown_name(analyze_question(question), lexical) is None
