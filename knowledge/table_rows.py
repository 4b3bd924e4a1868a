"""Table rows as the loaders store them: one line of cells joined by `` | ``, each cell written
``Header: value`` under its column header (``ingest.structure``), so "Code: 99931 | Work RVU:
1.20 | MUE: 2" reads back as the columns Code, Work RVU, MUE and one row of values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["row_text", "table_row"]

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


def row_text(header: Sequence[str], cells: Sequence[str]) -> str:
    """One row as it is stored: each non-empty cell as "Header: value" (the value alone when
    the column has no header or the header repeats it), joined by `` | ``."""
    parts: list[str] = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        name = header[i] if i < len(header) else ""
        parts.append(f"{name}: {cell}" if name and name.casefold() != cell.casefold() else cell)
    return _CELL_SEP.join(parts)
