"""A PDF's pages into ``ingest.structure`` blocks with pdfplumber: headings by font size,
numbered and bulleted criteria as list items, ruled tables with their header row, and no
running heads, feet or page numbers.

- The body size is the font size most characters have. A line set larger than the body (by
  10 % or more) is a heading; its level ranks its size among the heading sizes (largest 1).
  A short line all in bold at the body size that ends no sentence is a heading below those.
  Consecutive heading lines of one size are one heading (a title wrapped over two lines).
- A running head or foot is a line among the first or last three of a page that recurs on at
  least half the pages (digits aside), or a line smaller than the body in the top or bottom
  eighth of the page on a document of several pages; a bare page number goes too.
- Body lines form paragraphs, split where the gap between lines is wider than usual; a line
  that opens with a list marker ("1.", "a.", "•", "-") starts a list item, its wrapped lines
  joined to it. A word broken at a line end is joined (``ingest.pdf_text``).
- A table set without rules is found by its layout: three or more lines in a row that split
  into as many cells (runs of text apart by more than ~0.8 em), the first a header when it
  has no digit ("Code  Work RVU  PE RVU NF ..." over "99950  2.85  21.40 ...").
- A table pdfplumber finds on a page is read as a table, in its place among the lines; its
  first row is the header when it is bold and the rows under it are not, or when it has no
  digit and the rows under it do (a grid of labels and values has no header); a table that
  goes on over a page break, with as many columns and nothing read between, keeps the
  header of the page before. Running heads and feet printed inside a table's frame are left
  out of its cells.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pdfplumber

from ingest.pdf_text import join_broken_words, line_key, running_keys
from ingest.structure import Block, guess_header

__all__ = ["pdf_blocks"]

_HEADING_RATIO = 1.1
_BOLD_HEADING_WORDS = 12
_MARGIN = 0.125  # top and bottom eighth of a page: where running heads and feet sit
_LIST_MARKER = re.compile(r"^(?:[•·▪◦‣●○■□–—-]\s+|(?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,5})[.)]\s+)")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE
)
_GAP_FACTOR = 1.6  # a gap this many times the usual line spacing ends a paragraph
_CELL_GAP = 0.8  # em: text further apart than this on a line is in another table cell
_WORD_GAP = 0.15  # em: text further apart than this is another word
_MIN_COLUMNS = 3
_FULL_LINE = 0.6  # a line reaching less far than this share of the text's width was not wrapped
_MIN_ROWS = 3


@dataclass
class _Line:
    text: str
    size: float
    bold: bool
    top: float
    bottom: float
    page: int
    edge: bool  # among the first or last lines of its page
    margin: bool  # in the top or bottom margin zone
    cells: tuple[str, ...] = ()  # the line split where its text is far apart (a table row)
    chars: frozenset[tuple[float, float, str]] = frozenset()  # where its letters are printed
    left: float = 0.0
    right: float = 0.0


@dataclass
class _Table:
    rows: list[tuple[str, ...]]
    top: float
    page: int
    bold_head: bool  # the first row is bold, the others are not


def pdf_blocks(pdf: pdfplumber.PDF, max_chars: int) -> list[Block]:
    """Blocks of the whole document (see the module docstring); reading stops once more than
    ``max_chars`` characters were read (the caller reports the limit)."""
    lines: list[_Line] = []
    tables: list[_Table] = []
    framed: dict[int, list[_Line]] = {}  # per page, the lines inside its tables' frames
    total = 0
    for number, page in enumerate(pdf.pages):
        page_lines, page_tables, framed[number] = _read_page(page, number)
        lines.extend(page_lines)
        tables.extend(page_tables)
        total += sum(len(ln.text) for ln in page_lines)
        if total > max_chars:
            break
    n_pages = len({ln.page for ln in lines} | {t.page for t in tables})
    body = _body_size(lines)
    # A running head recurs at the edges of the pages, inside a table's frame or not.
    running = running_keys([[ln.text for ln in (*lines, *framed.get(p, ())) if ln.page == p
                             and ln.edge] for p in range(n_pages)])
    tables = _without_running_heads(pdf, tables, framed, running)
    kept = [ln for ln in lines if not _is_running(ln, running, body, n_pages)]
    sizes = sorted({round(ln.size, 1) for ln in kept if ln.size >= body * _HEADING_RATIO},
                   reverse=True)
    levels = {s: min(i + 1, 6) for i, s in enumerate(sizes)}
    for ln in kept:
        if ln.bold and round(ln.size, 1) not in levels and ln.size >= body and _short_title(ln):
            ln.size = -1.0  # a bold run-in heading: the level below the sized ones
    levels[-1.0] = min(len(sizes) + 1, 6)
    items: list[tuple[int, float, Any]] = [(ln.page, ln.top, ln) for ln in kept]
    items += [(t.page, t.top, t) for t in tables]
    items.sort(key=lambda x: (x[0], x[1]))
    items = _layout_tables(items)
    words = Counter(w.casefold() for ln in kept for w in re.findall(r"\w+", ln.text))
    return _blocks(items, levels, words)


def _read_page(page: Any, number: int) -> tuple[list[_Line], list[_Table], list[_Line]]:
    """The page's lines outside its tables, its tables, and the lines inside their frames."""
    found = page.find_tables()
    boxes = [t.bbox for t in found]
    tables = _tables_of(page, found, number)
    raw = [ln for ln in _lines_by_size(page) if ln["text"].strip()]
    body = [ln for ln in raw if not _inside(ln, boxes)]
    framed = [ln for ln in raw if _inside(ln, boxes)]
    height = float(page.height) or 792.0
    return _lines(body, number, height), tables, _lines(framed, number, height, among=raw)


def _tables_of(page: Any, found: list[Any], number: int) -> list[_Table]:
    tables = []
    for t in found:
        rows = [tuple(" ".join((c or "").split()) for c in row) for row in t.extract()]
        bold = [_bold_share(page, r.bbox) for r in t.rows]
        kept = [(r, b) for r, b in zip(rows, bold, strict=False) if any(r)]
        if kept:
            head_bold = kept[0][1] > 0.8 and all(b < 0.5 for _, b in kept[1:])
            tables.append(_Table([r for r, _ in kept], t.bbox[1], number, head_bold))
    return tables


def _lines(
    raw: list[dict[str, Any]], number: int, height: float, among: list[dict[str, Any]] | None = None
) -> list[_Line]:
    """``raw`` text lines as ``_Line``s; ``edge`` counts positions among ``among`` (default:
    ``raw`` itself)."""
    order = among if among is not None else raw
    place = {id(ln): i for i, ln in enumerate(order)}
    out: list[_Line] = []
    for ln in raw:
        chars = [c for c in ln["chars"] if c["text"].strip()]
        if not chars:
            continue
        i = place[id(ln)]
        size = Counter(round(float(c["size"]), 1) for c in chars).most_common(1)[0][0]
        bold = sum("bold" in str(c.get("fontname", "")).lower() for c in chars) > len(chars) / 2
        top, bottom = float(ln["top"]), float(ln["bottom"])
        out.append(_Line(
            ln["text"].strip(), size, bold, top, bottom, number,
            edge=i < 3 or i >= len(order) - 3,
            margin=top < height * _MARGIN or bottom > height * (1 - _MARGIN),
            cells=_cells(chars),
            chars=frozenset(_char_key(c) for c in chars),
            left=min(float(c["x0"]) for c in chars), right=max(float(c["x1"]) for c in chars),
        ))
    return out


def _char_key(c: dict[str, Any]) -> tuple[float, float, str]:
    return (round(float(c["x0"]), 2), round(float(c["top"]), 2), str(c["text"]))


def _without_running_heads(
    pdf: pdfplumber.PDF, tables: list[_Table], framed: dict[int, list[_Line]], running: set[str]
) -> list[_Table]:
    """Tables read again without the running heads and feet a page prints inside their frame
    (a table that fills a page reaches into its margins): a line inside a frame goes when it is
    among the first or last lines of its page, set smaller than the table's own text, and it
    recurs at the edges of the pages (``running``) or sits in the page's margin."""
    if len(framed) < 2:
        return tables
    out: list[_Table] = []
    for number in sorted(framed):
        own = [t for t in tables if t.page == number]
        inside = framed[number]
        size = _body_size(inside)
        drop = frozenset().union(*(
            ln.chars for ln in inside
            if ln.edge and ln.size < size and (ln.margin or line_key(ln.text) in running)
        ))
        if drop:
            page = pdf.pages[number].filter(
                lambda obj, drop=drop: obj.get("object_type") != "char"
                or _char_key(obj) not in drop)
            own = _tables_of(page, page.find_tables(), number)
        out.extend(own)
    return out


def _cells(chars: list[dict[str, Any]]) -> tuple[str, ...]:
    """A line's text split where the gap between letters is wider than ``_CELL_GAP`` em."""
    out: list[str] = []
    cur = ""
    last: dict[str, Any] | None = None
    for c in chars:
        if c["text"].isspace():
            continue  # the gap decides, whether the PDF draws spaces or only moves on
        size = float(c["size"]) or 10.0
        if last is not None:
            gap = float(c["x0"]) - float(last["x1"])
            if gap > _CELL_GAP * size:
                out.append(cur)
                cur = ""
            elif gap > _WORD_GAP * size:
                cur += " "
        cur += c["text"]
        last = c
    if cur:
        out.append(cur)
    return tuple(" ".join(x.split()) for x in out)


def _layout_tables(items: list[tuple[int, float, Any]]) -> list[tuple[int, float, Any]]:
    """Runs of body lines that read as a table without rules become ``_Table``s."""
    out: list[tuple[int, float, Any]] = []
    i = 0
    while i < len(items):
        first = items[i][2]
        j = i
        if isinstance(first, _Line) and len(first.cells) >= _MIN_COLUMNS:
            while j + 1 < len(items) and isinstance(items[j + 1][2], _Line) and (
                items[j + 1][2].page == first.page
                and len(items[j + 1][2].cells) == len(first.cells)
            ):
                j += 1
        if j - i + 1 >= _MIN_ROWS:
            rows = [items[k][2].cells for k in range(i, j + 1)]
            head = not any(ch.isdigit() for ch in "".join(rows[0]))
            out.append((items[i][0], items[i][1], _Table(rows, first.top, first.page, head)))
            i = j + 1
            continue
        out.append(items[i])
        i += 1
    return out


def _bold_share(page: Any, bbox: tuple[float, float, float, float]) -> float:
    x0, top, x1, bottom = bbox
    chars = [c for c in page.chars if c["text"].strip() and x0 <= c["x0"] <= x1
             and top <= c["top"] <= bottom]
    if not chars:
        return 0.0
    return sum("bold" in str(c.get("fontname", "")).lower() for c in chars) / len(chars)


def _lines_by_size(page: Any) -> list[dict[str, Any]]:
    """The page's text lines, read for each font size apart: a running head printed over a
    heading at the same height would otherwise interleave with it letter by letter."""
    sizes = {round(float(c["size"]), 1) for c in page.chars}
    if len(sizes) <= 1:
        return list(page.extract_text_lines(return_chars=True, strip=True))
    lines: list[dict[str, Any]] = []
    for size in sizes:
        part = page.filter(
            lambda obj, size=size: obj.get("object_type") != "char"
            or round(float(obj["size"]), 1) == size
        )
        lines.extend(part.extract_text_lines(return_chars=True, strip=True))
    return sorted(lines, key=lambda ln: (round(float(ln["top"])), float(ln["x0"])))


def _inside(line: dict[str, Any], boxes: Iterable[tuple[float, float, float, float]]) -> bool:
    x = (float(line["x0"]) + float(line["x1"])) / 2
    y = (float(line["top"]) + float(line["bottom"])) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _short_title(ln: _Line) -> bool:
    text = ln.text.strip()
    return len(text.split()) <= _BOLD_HEADING_WORDS and not text.endswith((".", ",", ";", ":"))


def _body_size(lines: list[_Line]) -> float:
    weights: Counter[float] = Counter()
    for ln in lines:
        weights[ln.size] += len(ln.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _is_running(ln: _Line, running: set[str], body: float, n_pages: int) -> bool:
    if _PAGE_NUMBER.match(ln.text):
        return True
    if ln.edge and line_key(ln.text) in running:
        return True
    return n_pages > 1 and ln.margin and ln.edge and ln.size < body


def _blocks(items: list[tuple[int, float, Any]], levels: dict[float, int],
            words: Counter[str]) -> list[Block]:
    out: list[Block] = []
    para: list[_Line] = []
    kind = "paragraph"
    last_header: tuple[str, ...] = ()
    last_table_page = -2

    def flush() -> None:
        nonlocal para
        if para:
            text = _paragraph_text(para, words, margins)
            if kind == "item":
                marker = _LIST_MARKER.match(text)
                body = text[marker.end():] if marker else text
                sign = marker.group(0).strip() if marker else "-"
                out.append(Block("item", body, marker=sign if sign[-1] in ".)" else "-"))
            else:
                out.append(Block("paragraph", text))
        para = []

    prev: _Line | None = None
    spacing = _usual_spacing([x[2] for x in items if isinstance(x[2], _Line)])
    margins = _text_margins([x[2] for x in items if isinstance(x[2], _Line)])
    for _, _, item in items:
        if isinstance(item, _Table):
            flush()
            prev = None
            rows = item.rows
            # Continued over a page break: on the next page, nothing read between the two.
            continuing = item.page == last_table_page + 1 and last_header and (
                len(rows[0]) == len(last_header) and rows[0] != last_header
                and out and out[-1].kind == "table" and out[-1].header == last_header
            )
            if continuing:
                header, body = last_header, rows
            elif item.bold_head:
                header, body = rows[0], rows[1:]
            else:
                header, found = guess_header(rows)
                body = found
            out.append(Block("table", header=header, rows=tuple(body)))
            last_header, last_table_page = header, item.page
            continue
        level = levels.get(round(item.size, 1))
        if level is not None:
            flush()
            if out and out[-1].kind == "heading" and out[-1].level == level and prev is not None \
                    and prev.page == item.page and item.top - prev.bottom < item.size:
                out[-1] = Block("heading", f"{out[-1].text} {item.text}", level=level)
            else:
                out.append(Block("heading", item.text, level=level))
            prev = item
            continue
        gap = item.top - prev.bottom if prev is not None and prev.page == item.page else None
        opens_item = bool(_LIST_MARKER.match(item.text))
        new_para = (prev is None or gap is None or gap > spacing * _GAP_FACTOR
                    or (prev is not None and levels.get(round(prev.size, 1)) is not None))
        if opens_item or new_para:
            flush()
            kind = "item" if opens_item else "paragraph"
        para.append(item)
        prev = item
    flush()
    return out


def _text_margins(lines: list[_Line]) -> tuple[float, float]:
    """The left and right edges of the document's body text."""
    if not lines:
        return (0.0, 0.0)
    return (min(ln.left for ln in lines), max(ln.right for ln in lines))


def _paragraph_text(lines: list[_Line], words: Counter[str], margins: tuple[float, float]) -> str:
    """A paragraph's lines as one text: a line the next line's first word would not have
    fitted on was wrapped there, and goes on after a space ("... Injection codes" / "99931 and
    99932 ..." is one sentence); a line that stops short of that ends where its author ended
    it (a new line), and so does a line shorter than most of the text's width; a word broken
    at a line end is joined (``join_broken_words``)."""
    left, right = margins
    text = lines[0].text
    for prev, ln in itertools.pairwise(lines):
        letter = (prev.right - prev.left) / max(len(prev.text), 1)  # a letter's mean width
        word = len(ln.text.split(maxsplit=1)[0]) if ln.text.strip() else 0
        wrapped = (prev.right + letter * (word + 1) > right
                   and prev.right - left >= _FULL_LINE * (right - left))
        joined = join_broken_words(f"{prev.text}\n{ln.text}", words)
        if joined != f"{prev.text}\n{ln.text}":  # a broken word, joined
            text = text[: len(text) - len(prev.text)] + joined
        else:
            text += (" " if wrapped else "\n") + ln.text
    return text


def _usual_spacing(lines: list[_Line]) -> float:
    gaps = [b.top - a.bottom for a, b in itertools.pairwise(lines)
            if a.page == b.page and b.top > a.bottom]
    if not gaps:
        return 4.0
    gaps.sort()
    return max(gaps[len(gaps) // 2], 1.0)
