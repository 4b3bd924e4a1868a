"""Coverage of an attribute by the quotes an answer would give: the value asked for a code
must be quoted for that code (invented codes and payers)."""

from __future__ import annotations

import pytest

from knowledge.models import Chunk
from retrieval.coverage import answers_attribute
from retrieval.lexical import Sentence
from retrieval.query import analyze_question

TEXT = """Code: 61250 | Work RVU: 2.40 | Allowed: $130.00
Wexmoor pays 61255 at 100% of its own rate when it is billed with 61250.
A claim lists 61255 on one line, each side with one unit.
Wexmoor's allowed amount for 61255 is $48.20."""


def _units(*starts: str) -> list[Sentence]:
    chunk = Chunk(chunk_id="c", doc_id="d", source="fees.md", position=0, text=TEXT, start=0,
                  end=len(TEXT))
    out = []
    for start in starts:
        i = TEXT.index(start)
        out.append(Sentence(chunk, i, TEXT.index("\n", i) if "\n" in TEXT[i:] else len(TEXT)))
    return out


@pytest.mark.parametrize(
    ("question", "quoted", "given"),
    [
        ("What is the work RVU of 61250?", ["Code: 61250"], True),
        ("What is the work RVU of 61255?", ["Code: 61250"], False),  # another code's row
        ("Wie hoch ist die Work-RVU für 61250?", ["Code: 61250"], True),  # "wie hoch": no money
        ("How much does Wexmoor pay for 61255?", ["Wexmoor's allowed"], True),
        ("How much does Wexmoor pay for 61255?", ["A claim lists"], False),  # names it, no amount
        ("What is the MUE of 61255?", ["A claim lists"], False),  # a count, not a limit
        ("Is 61255 paid with 61250?", ["A claim lists"], True),  # no value asked
        ("Who may bill 61255?", ["A claim lists"], True),  # no attribute asked
    ],
)
def test_the_quotes_must_give_the_value_asked(question: str, quoted: list[str], given: bool) -> None:
    assert answers_attribute(analyze_question(question), _units(*quoted)) is given
