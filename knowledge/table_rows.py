"""Table rows as the loaders store them: one line of cells joined by `` | ``, each cell written
``Header: value`` under its column header (``ingest.structure``), so "Code: 99931 | Work RVU:
1.20 | MUE: 2" reads back as the columns Code, Work RVU, MUE and one row of values.
"""

from __future__ import annotations

import re

__all__ = ["table_row"]

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
