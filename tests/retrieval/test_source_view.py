"""A cited table row reads back as its cells under their headers; a unit knows its headings."""

from __future__ import annotations

import pytest

from knowledge.models import Chunk
from retrieval.source_view import heading_path, table_row


def test_a_row_reads_back_as_header_value_cells() -> None:
    assert table_row("Code: 61230 | Work RVU: 3.71 | MUE: 2") == [
        ("Code", "61230"), ("Work RVU", "3.71"), ("MUE", "2")]
    # a cell that named its own column stands alone
    assert table_row("Code: 61230 | Required | Place: Office") == [
        ("Code", "61230"), ("", "Required"), ("Place", "Office")]


@pytest.mark.parametrize(
    "quote",
    [
        "Report 61230 once per side.",
        "Note: this is one sentence with a colon.",
        "61230 | 61235 | 61240",  # cells without headers: no table to show
        "Code: 61230 | Work RVU: 3.71\nCode: 61235 | Work RVU: 1.2",  # two rows
    ],
)
def test_other_quotes_are_no_row(quote: str) -> None:
    assert table_row(quote) is None


def test_heading_path_of_a_chunk() -> None:
    chunk = Chunk(chunk_id="c", doc_id="d", source="s", position=0, text="x", start=0, end=1,
                  meta={"section": "Widget manual > Billing > Units"})
    assert heading_path(chunk) == ["Widget manual", "Billing", "Units"]
    assert heading_path(None) == []
