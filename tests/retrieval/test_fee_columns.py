"""The real model over a fee table whose columns are headed "NF price" and "F price": a price
asked for a setting ("non-facility") is not refused for a word no page writes in full."""

from __future__ import annotations

import pytest

from ingest import ingest_paths
from knowledge.library import open_library
from retrieval.service import Assistant

pytestmark = pytest.mark.slow

FEES = """# Wexmoor Plan widget fee schedule 2026

| Code | Work RVU | NF price | F price |
|---|---|---|---|
| 61245 | 2.10 | 130.00 | 88.40 |
| 61246 | 3.40 | 212.75 | 140.10 |
"""

GUIDE = """# Widget repair coding guide

Document the widget's size and the repair method in the operative note.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, real_embedder):
    folder = tmp_path_factory.mktemp("fee-columns")
    (folder / "wexmoor-fees.md").write_text(FEES, encoding="utf-8")
    (folder / "widget-guide.md").write_text(GUIDE, encoding="utf-8")
    library = open_library(folder / "store")
    report = ingest_paths([folder / "wexmoor-fees.md", folder / "widget-guide.md"], library,
                          real_embedder)
    assert not report.rejected
    yield Assistant(library, real_embedder)
    library.close()


@pytest.mark.parametrize("question", [
    "What is the non-facility price of 61245?",
    "Giá non-facility của 61245 là bao nhiêu?",
    "Wie hoch ist der Non-Facility-Preis für 61245?",
])
def test_a_setting_asked_of_a_price_is_read_from_the_columns(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused, answer.answer
    assert "130.00" in answer.citations[0].quote, answer.answer
    chunks = assistant.view().chunks
    assert all(chunks[c.chunk_id].text[c.start:c.end] == c.quote for c in answer.citations)


def test_a_setting_asked_without_a_figure_still_needs_its_words(assistant: Assistant) -> None:
    answer = assistant.ask("Is 61245 done in an ambulatory surgery center?")
    assert answer.refused, answer.answer
