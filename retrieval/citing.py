"""Numbered citations whose quotes are checked against the chunk text they point into."""

from __future__ import annotations

import re
from collections.abc import Mapping

from knowledge.library import LibraryView
from knowledge.models import Chunk, Citation

__all__ = ["CitationList", "quote_block"]


class CitationList:
    """Collects citations, numbering each distinct quote once ([1], [2], ...).

    A quote is only accepted when it is exactly ``chunk.text[start:end]`` of a chunk in the
    view: if it cannot be cited verbatim, it is not said.
    """

    def __init__(self, view: LibraryView) -> None:
        self._view = view
        self._items: list[Citation] = []
        self._index: dict[tuple[str, int, int], int] = {}
        self._extra: dict[str, Chunk] = {}

    def admit(self, chunks: Mapping[str, Chunk]) -> None:
        """Passages outside the view that may be cited too (rows of the edit store)."""
        self._extra.update(chunks)

    def _chunk(self, chunk_id: str) -> Chunk | None:
        return self._view.chunks.get(chunk_id) or self._extra.get(chunk_id)

    def add(self, chunk_id: str, start: int, end: int) -> int | None:
        """Cite ``chunk.text[start:end]``; returns its number, or None when it does not verify."""
        key = (chunk_id, start, end)
        if key in self._index:
            return self._index[key]
        chunk = self._chunk(chunk_id)
        if chunk is None or not (0 <= start < end <= len(chunk.text)):
            return None
        quote = chunk.text[start:end]
        if not quote.strip():
            return None
        n = len(self._items) + 1
        self._items.append(
            Citation(n=n, source=chunk.source, chunk_id=chunk_id, quote=quote, start=start, end=end)
        )
        self._index[key] = n
        return n

    def add_quote(self, chunk_id: str, quote: str, start: int = 0, end: int = 0) -> int | None:
        """Cite ``quote`` of a chunk: at ``start:end`` when it is there, else where it occurs."""
        chunk = self._chunk(chunk_id)
        if chunk is None or not quote:
            return None
        if chunk.text[start:end] != quote:
            start = chunk.text.find(quote)
            if start < 0:
                return None
            end = start + len(quote)
        return self.add(chunk_id, start, end)

    def add_citation(self, citation: Citation) -> int | None:
        """Re-number a citation made elsewhere (e.g. by the rule module), verifying its quote."""
        return self.add_quote(citation.chunk_id, citation.quote, citation.start, citation.end)

    @property
    def view(self) -> LibraryView:
        """The library view the quotes are checked against."""
        return self._view

    @property
    def items(self) -> list[Citation]:
        """The citations, in number order."""
        return list(self._items)

    def quote(self, n: int) -> str:
        """The quote of citation ``n``."""
        return self._items[n - 1].quote


# A line that goes on with the sentence of the line before (a lower-case word, or a number
# or unit after a number): the page was hard-wrapped there, as PDFs and plain-text narratives
# are. A list item, a heading or a new sentence starts its own line.
_WRAPPED = re.compile(r"\n[ \t]*(?=[a-z(]|\d[\d.,]*\s*[a-z%])")


def quote_block(quote: str, n: int) -> str:
    """``quote`` as a Markdown block quote ending in its mark [n]. Lines a page wrapped in the
    middle of a sentence are shown as one line; the citation keeps the quote verbatim."""
    body = "\n> ".join(_WRAPPED.sub(" ", quote).splitlines())
    return f"> {body} [{n}]"
