"""A Word document's body into ``ingest.structure`` blocks, in reading order (python-docx).

Headings come from the paragraph styles ("Title", "Heading 1"-"Heading 9"), list items from
Word numbering (``w:numPr``, its ``ilvl`` the depth) or a list style ("List Bullet 2");
tables are read in place with their header row: the first row when Word marks it as a
repeating header, when all its text is bold, or when it has no digit and the rows under it
do. Merged cells, which Word repeats, are read once. Headers, footers and comments are not
read. Pure over an open ``docx.Document``.
"""

from __future__ import annotations

import re

from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.structure import Block, guess_header

__all__ = ["docx_blocks"]

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^list(?:\s+(?:bullet|number|continue|paragraph))?(?:\s+(\d))?$",
                         re.IGNORECASE)


def docx_blocks(document: Document) -> list[Block]:
    """Blocks of the document body (see the module docstring)."""
    out: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            out.append(_table(item))
        else:
            block = _paragraph(item)
            if block is not None:
                out.append(block)
    return out


def _paragraph(par: Paragraph) -> Block | None:
    text = par.text.strip()
    if not text:
        return None
    style = (par.style.name if par.style is not None else "") or ""
    if style.lower() == "title":
        return Block("heading", text, level=1)
    if heading := _HEADING_STYLE.match(style):
        return Block("heading", text, level=int(heading.group(1)))
    ppr = par._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None:
        ilvl = num.ilvl.val if num.ilvl is not None and num.ilvl.val is not None else 0
        return Block("item", text, level=int(ilvl))
    if listed := _LIST_STYLE.match(style):
        return Block("item", text, level=int(listed.group(1) or 1) - 1)
    return Block("paragraph", text)


def _table(table: Table) -> Block:
    rows: list[tuple[str, ...]] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[object] = []
        for cell in row.cells:
            if any(cell._tc is s for s in seen):  # a merged cell repeats itself
                continue
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
        rows.append(tuple(cells))
    if rows and _marked_header(table):
        return Block("table", header=rows[0], rows=tuple(rows[1:]))
    header, body = guess_header(rows)
    return Block("table", header=header, rows=tuple(body))


def _marked_header(table: Table) -> bool:
    """The first row is a header: Word's repeat-as-header flag, or all its text bold."""
    if not table.rows:
        return False
    first = table.rows[0]
    tr_pr = first._tr.trPr
    if tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None:
        return True
    runs = [r for cell in first.cells for p in cell.paragraphs for r in p.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs)
