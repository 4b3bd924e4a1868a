"""How a cited unit is shown in its source: a table row as a small table with its column
headers, any unit under its heading path. Pure functions over the stored text.

A table row is stored as one line of cells joined by `` | ``, each cell written
``Header: value`` under its column header (``ingest.structure``): "Code: 99931 | Work RVU:
1.20 | MUE: 2" reads back as the columns Code, Work RVU, MUE and one row of values.
"""

from __future__ import annotations

from knowledge.edit_store import edit_row_number
from knowledge.models import SECTION_SEPARATOR, Chunk
from knowledge.table_rows import table_row

__all__ = ["edit_row_number", "heading_path", "table_row"]


def heading_path(chunk: Chunk | None) -> list[str]:
    """The headings a chunk sits under, outermost first ([] when the loader knew none)."""
    section = str(chunk.meta.get("section", "")) if chunk is not None else ""
    return [p for p in section.split(SECTION_SEPARATOR) if p.strip()]
