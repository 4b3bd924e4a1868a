"""A heading among the best units lends its rank to the list items of its section and of the
sections inside it (an ingested page, invented code)."""

from __future__ import annotations

from pathlib import Path

from knowledge.sentences import split_sentences
from retrieval.lexical import Sentence
from retrieval.search import _under_headings
from tests.support.library import library_of

PAGE = """# Code 61270

## Why a widget is closed

Closing a widget diverts the flow when repair is not possible.

### Typical indications

- A leaking widget in a patient who cannot have surgery
- Bleeding that does not stop after drainage

## Coding notes

Report 61270 once per widget.

- One unit per widget closed.
"""


def test_the_list_items_under_a_heading_follow_it(tmp_path: Path, fake_embedder) -> None:
    with library_of(tmp_path, fake_embedder, page=PAGE) as library:
        view = library.view()
        by_heading = {c.meta["section"].split(" > ")[-1]: c for c in view.chunks.values()}

        def unit(chunk, text: str) -> Sentence:
            a, b = next(x for x in split_sentences(chunk.text) if chunk.text[x[0]:x[1]] == text)
            return Sentence(chunk, a, b)

        closed = by_heading["Why a widget is closed"]
        under = [s.text for s in _under_headings([unit(closed, "Why a widget is closed")], view)]
        # the items of its subsection; its prose paragraph ranks on its own
        assert under == ["- A leaking widget in a patient who cannot have surgery",
                         "- Bleeding that does not stop after drainage"]
        notes = by_heading["Coding notes"]
        assert [s.text for s in _under_headings([unit(notes, "Coding notes")], view)] == [
            "- One unit per widget closed."]
        # a unit that is no heading lends nothing
        assert _under_headings([unit(notes, "Report 61270 once per widget.")], view) == []
