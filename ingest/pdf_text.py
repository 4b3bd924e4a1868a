"""Clean-up of text read from PDF pages: running headers and footers, page numbers, line-end
hyphenation. Pure; the PDF itself is read by ``ingest.loaders``.

- A running header or footer is a line among the first or last three of a page that recurs
  (digits aside: "Page 2 of 5" and "Page 3 of 5" are one line) on at least half the pages, and
  on two pages at least. It is dropped everywhere; so is a line that is only a page number.
- A word broken at a line end ("docu-" / "mentation") is joined. Where the document spells the
  word elsewhere without the hyphen it is joined as that word; otherwise the hyphen is kept
  ("near-" / "syncope" reads "near-syncope"), since a compound keeps its hyphen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["clean_pdf_pages", "join_broken_words", "line_key", "running_keys"]

_EDGE = 3  # lines at each end of a page where running heads and feet sit
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_BROKEN = re.compile(r"(\w+)-\n(\w+)")


def clean_pdf_pages(pages: Sequence[str]) -> list[str]:
    """The pages' text without running heads, feet and page numbers, hyphenation joined."""
    split = [[ln.strip() for ln in page.splitlines() if ln.strip()] for page in pages]
    running = running_keys([lines[:_EDGE] + lines[-_EDGE:] for lines in split])
    cleaned: list[str] = []
    for lines in split:
        edges = set(lines[:_EDGE] + lines[-_EDGE:])
        kept = [ln for ln in lines if not (ln in edges and line_key(ln) in running)
                and not _PAGE_NUMBER.match(ln)]
        cleaned.append("\n".join(kept))
    words = Counter(w.casefold() for page in cleaned for w in re.findall(r"\w+", page))
    return [join_broken_words(page, words) for page in cleaned]


def line_key(line: str) -> str:
    """A line as running heads are compared: spaces and case folded, digits as one sign."""
    return _DIGITS.sub("#", " ".join(line.split()).casefold())


def running_keys(edges: Sequence[Sequence[str]]) -> set[str]:
    """Keys (``line_key``) of the lines that recur among the edge lines of at least half the
    pages, and of two at least: the running heads and feet. ``edges``: per page, its first
    and last lines."""
    if len(edges) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in edges:
        seen.update({line_key(ln) for ln in lines})
    need = max(2, (len(edges) + 1) // 2)
    return {k for k, n in seen.items() if n >= need and any(ch.isalpha() for ch in k)}


def join_broken_words(text: str, words: Counter[str]) -> str:
    """``text`` with words broken at a line end joined (see the module docstring); ``words``
    counts the document's words, case folded."""
    def join(m: re.Match[str]) -> str:
        head, tail = m.group(1), m.group(2)
        whole = head + tail
        if tail[:1].islower() and words.get(whole.casefold()):
            return whole
        return f"{head}-{tail}"

    return _BROKEN.sub(join, text)
