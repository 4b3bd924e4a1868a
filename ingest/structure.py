"""The structured document model every loader yields, and how it becomes stored text.

A loader reads its format into ``Block``s in reading order: headings with their level,
paragraphs, list items (with their nesting depth) and tables (header cells, body rows).
``render`` turns them into the one text that is stored, cited and chunked, and records for
every heading where it starts and the heading path it opens, so that each unit (a sentence, a
list item, a table row) can be searched with its context and shown under its heading.

Rendering, block by block (blank lines between blocks):

- a heading is its text on a line of its own;
- a paragraph is its text (line breaks kept: ``knowledge.sentences`` reads hard wraps);
- a list item is a line ``- text`` (or its own number, ``2. text``), indented two spaces per
  level of nesting; consecutive items form one paragraph;
- a table body row is one line that carries its column headers, ``Work RVU: 3.81 | MUE: 2``
  (a cell whose header is empty or repeats the cell is written alone), so a row quoted
  verbatim still reads on its own; rows are separated by blank lines, each one a unit.

Every block's text is cleaned first (``ingest.cleaning``): NFKC, spaces, site chrome. A
block that is page chrome is left out whole, and so is a list of links: a section whose
heading names one ("Related codes", "Popular searches") and that holds only short lines, no
sentence (a "Related codes" section that says "(For ..., see 99945)" is content and stays).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ingest.cleaning import clean_text, is_boilerplate_line
from knowledge.table_rows import row_text

__all__ = [
    "Block",
    "Rendered",
    "blocks_from_plain_text",
    "guess_header",
    "render",
]

Kind = Literal["heading", "paragraph", "item", "table"]

# A section that only lists links elsewhere, named by its heading.
_LINK_SECTION = re.compile(
    r"^(?:related|similar|popular|trending|recently viewed|recent|other|more|top|you may also "
    r"(?:like|need)|people also (?:search|viewed))\b.{0,30}\b(?:codes?|articles?|pages?|"
    r"searches|topics|lookups|posts|links|guides|resources|news)\s*:?$",
    re.IGNORECASE,
)
_HEADING_MAX_CHARS = 120
_LINK_MAX_WORDS = 12
# A plain-text table's rule line under its header: groups of dashes, one per column.
_RULE_LINE = re.compile(r"^[^\S\n]*-{2,}(?:[^\S\n]+-{2,})+[^\S\n]*$")
_DASHES = re.compile(r"-{2,}")


@dataclass(frozen=True)
class Block:
    """One structural element of a document, in reading order."""

    kind: Kind
    text: str = ""
    level: int = 0  # heading: 1-6; item: nesting depth (0 = top level)
    marker: str = "-"  # item: "-" or its number ("2.", "b)")
    header: tuple[str, ...] = ()  # table: column headers (may be empty)
    rows: tuple[tuple[str, ...], ...] = ()  # table: body rows


@dataclass(frozen=True)
class Rendered:
    """The stored text of a document and its heading marks.

    ``marks`` are ``(offset, path)`` pairs in text order: from ``offset`` on (the start of a
    heading), the heading path in effect is ``path``. ``headings`` are the heading spans.
    """

    text: str
    title: str = ""
    marks: tuple[tuple[int, tuple[str, ...]], ...] = ()
    headings: tuple[tuple[int, int], ...] = ()

    def path_at(self, offset: int) -> tuple[str, ...]:
        """The heading path in effect at ``offset`` (empty before the first heading): that of
        the last mark at or before it."""
        i = bisect.bisect_right(self.marks, offset, key=lambda mark: mark[0]) - 1
        return self.marks[i][1] if i >= 0 else ()


def render(blocks: Iterable[Block], title: str = "") -> Rendered:
    """The stored text of ``blocks`` and where their headings are (see the module docstring).

    ``title`` (from the file's metadata) is kept as the document's title; when it is empty the
    first heading's text is the title.
    """
    parts: list[str] = []
    pos = 0
    marks: list[tuple[int, tuple[str, ...]]] = []
    headings: list[tuple[int, int]] = []
    stack: list[tuple[int, str]] = []  # (level, text) of the open headings
    items: list[str] = []

    def emit(text: str) -> tuple[int, int]:
        nonlocal pos
        if parts:
            parts.append("\n\n")
            pos += 2
        start = pos
        parts.append(text)
        pos += len(text)
        return start, pos

    def flush_items() -> None:
        if items:
            emit("\n".join(items))
            items.clear()

    for block in _without_link_lists(list(blocks)):
        if block.kind == "heading":
            text = _clean_line(block.text)
            level = max(1, block.level)
            if not text:
                continue
            flush_items()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
            span = emit(text)
            headings.append(span)
            marks.append((span[0], tuple(t for _, t in stack)))
            if not title:
                title = text
            continue
        if block.kind == "item":
            text = clean_text(block.text)
            if text:
                indent = "  " * max(0, block.level)
                items.append(f"{indent}{block.marker or '-'} {text.replace(chr(10), ' ')}")
            continue
        flush_items()
        if block.kind == "table":
            for line in table_lines(block.header, block.rows):
                emit(line)
        else:
            text = clean_text(block.text)
            if text:
                emit(text)
    flush_items()
    return Rendered("".join(parts), title.strip(), tuple(marks), tuple(headings))


def _without_link_lists(blocks: list[Block]) -> list[Block]:
    """``blocks`` without the link-list sections (see the module docstring)."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "heading" and _LINK_SECTION.match(_clean_line(block.text)):
            j = i + 1
            while j < len(blocks) and not (
                blocks[j].kind == "heading" and blocks[j].level <= block.level
            ):
                j += 1
            if all(_is_link_line(b) for b in blocks[i + 1 : j]):
                i = j
                continue
        out.append(block)
        i += 1
    return out


def _is_link_line(block: Block) -> bool:
    if block.kind not in ("item", "paragraph"):
        return False
    text = block.text.strip()
    return len(text.split()) <= _LINK_MAX_WORDS and not text.endswith((".", "!", "?", ")"))


def table_lines(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """One line per body row, each cell with its column header (``Work RVU: 3.81 | MUE: 2``).

    A row with no text is dropped; so is a row that repeats the header (a header printed again
    on a new page). Cells are cleaned and kept whole.
    """
    head = [_clean_line(h) for h in header]
    out: list[str] = []
    for row in rows:
        cells = [_clean_line(c) for c in row]
        if not any(cells) or (head and cells == head[: len(cells)]):
            continue
        line = row_text(head, cells)
        if line and not is_boilerplate_line(line):
            out.append(line)
    return out


def guess_header(
    rows: Sequence[tuple[str, ...]],
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """A table written without header cells: its first row is the header when it has no digit
    and some row under it has one (``Code | Work RVU`` over ``99931 | 1.20``)."""
    body = list(rows)
    if len(body) >= 2 and not any(ch.isdigit() for ch in "".join(body[0])) and any(
        ch.isdigit() for row in body[1:] for ch in "".join(row)
    ):
        return body[0], body[1:]
    return (), body


def blocks_from_plain_text(text: str) -> list[Block]:
    """Blocks of a text without markup: blank-line paragraphs; a one-line paragraph that is
    short and ends no sentence, followed by more text, is a heading (level 2; a Markdown ``#``
    line gets its own level); lines starting ``- `` or ``* `` are list items; an aligned
    table (a header line over a rule of dashes per column, rows under it) is a table."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n[^\S\n]*\n", text) if p.strip()]
    blocks: list[Block] = []
    for i, par in enumerate(paragraphs):
        stripped = par.strip()
        hashes = re.match(r"^(#{1,6})\s+(.+?)\s*#*$", stripped)
        if hashes and "\n" not in stripped:
            blocks.append(Block("heading", hashes.group(2), level=len(hashes.group(1))))
        elif _looks_like_heading(stripped) and i + 1 < len(paragraphs):
            blocks.append(Block("heading", stripped, level=2))
        else:
            blocks.extend(_aligned_tables(par))
    return blocks


def _aligned_tables(par: str) -> list[Block]:
    """A paragraph as blocks: the aligned tables in it (header line, rule line of dashes,
    rows cut where the rule's dash groups start) and the text around them as paragraphs."""
    lines = par.split("\n")
    out: list[Block] = []
    start = 0  # first line not yet emitted
    i = 1
    while i < len(lines):
        if not _RULE_LINE.match(lines[i]) or _RULE_LINE.match(lines[i - 1]):
            i += 1
            continue
        cuts = [m.start() for m in _DASHES.finditer(lines[i])]
        header = _cut(lines[i - 1], cuts)
        j = i + 1
        rows: list[tuple[str, ...]] = []
        while j < len(lines) and lines[j].strip() and not _RULE_LINE.match(lines[j]):
            rows.append(_cut(lines[j], cuts))
            j += 1
        if sum(bool(h) for h in header) < 2 or not rows:
            i += 1
            continue
        if i - 1 > start:
            out.append(Block("paragraph", "\n".join(lines[start : i - 1])))
        out.append(Block("table", header=header, rows=tuple(rows)))
        if j < len(lines) and _RULE_LINE.match(lines[j]):
            j += 1  # a closing rule
        start = i = j
    if start < len(lines) and "\n".join(lines[start:]).strip():
        out.append(Block("paragraph", "\n".join(lines[start:])))
    return out


def _cut(line: str, cuts: list[int]) -> tuple[str, ...]:
    """``line`` cut into cells at the column starts ``cuts`` (the last cell runs to the end)."""
    bounds = [*cuts[1:], len(line)]
    return tuple(line[a:b].strip() for a, b in zip([0, *cuts[1:]], bounds, strict=True))


def _looks_like_heading(par: str) -> bool:
    return (
        "\n" not in par
        and len(par) <= _HEADING_MAX_CHARS
        and len(par.split()) <= 14
        and not par.endswith((".", "!", "?", ";", ",", "。", "？", "！", "؟", "…"))
        and not par.startswith(("-", "*", "•", "|", "("))
        and any(ch.isalpha() for ch in par)
    )


def _clean_line(text: str) -> str:
    return " ".join(clean_text(text).split())
