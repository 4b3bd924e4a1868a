"""How a cited unit is shown in its source: a table row as a small table with its column
headers, any unit under its heading path. Pure functions over the stored text.

A table row is stored as one line of cells joined by `` | ``, each cell written
``Header: value`` under its column header (``ingest.structure``): "Code: 99931 | Work RVU:
1.20 | MUE: 2" reads back as the columns Code, Work RVU, MUE and one row of values.
"""

from __future__ import annotations

import re

from knowledge.models import SECTION_SEPARATOR, Chunk

__all__ = ["heading_path", "table_row"]
_CELL_SEP = " | "
_NAMED = re.compile(r"^([^:|]{1,60}?):\s+(.+)$")


def table_row(quote: str) -> list[tuple[str, str]] | None:
    """The ``(header, value)`` cells of a quoted table row, or None when the quote is not one
    row (one line of two or more cells, most of them named by their header)."""
    text = quote.strip()
    if "\n" in text or _CELL_SEP not in text:
        return None
    cells: list[tuple[str, str]] = []
    for part in text.split(_CELL_SEP):
        named = _NAMED.match(part.strip())
        cells.append((named.group(1).strip(), named.group(2).strip()) if named
                     else ("", part.strip()))
    if len(cells) < 2 or sum(bool(h) for h, _ in cells) * 2 < len(cells):
        return None
    return cells


def heading_path(chunk: Chunk | None) -> list[str]:
    """The headings a chunk sits under, outermost first ([] when the loader knew none)."""
    section = str(chunk.meta.get("section", "")) if chunk is not None else ""
    return [p for p in section.split(SECTION_SEPARATOR) if p.strip()]
