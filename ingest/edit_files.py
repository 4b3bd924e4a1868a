"""Claim-edit tables in the CMS layouts, as users download them: procedure-to-procedure (PTP)
edits, medically unlikely edits (MUE) and add-on code edits, as comma- or tab-separated text
or an Excel workbook (its first sheet; python-calamine).

The layout is found from the header row (the notes CMS puts above the table are kept as
paragraphs): a PTP table names "Column 1", "Column 2" and a modifier indicator; an MUE table a
code and an MUE value; an add-on code table an add-on code and a primary code. Each body row
becomes a table row carrying its column headers, so the rule reader (``knowledge.rule_edits``)
reads its edit and a citation quotes the row. A file in none of the layouts is rejected with
the reason. (These rows are embedded like any unit: fine for a payer's extract of thousands of
rows; a full national PTP file of about 1.5 million rows needs an edit store of its own.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice
from pathlib import Path

from ingest.structure import Block
from knowledge.rule_edits import EDIT_LAYOUTS

__all__ = [
    "EditFileError", "cell_text", "edit_file_blocks", "edit_file_kind", "find_header",
    "rows_blocks", "sniff_delimiter", "xlsx_rows",
]

_HEADER_SCAN = 40  # non-empty rows read for the header row
_NOT_AN_EDIT_TABLE = (
    "not a claim-edit table: no header row names a PTP layout (Column 1, Column 2, "
    "Modifier), an MUE layout (a code and its MUE value) or an add-on code layout (Add-on "
    "Code, Primary Code)"
)


class EditFileError(ValueError):
    """The file is no claim-edit table in a layout this reader knows."""


def sniff_delimiter(sample: str) -> str:
    """The cell delimiter of comma-separated text (comma, semicolon, tab or bar)."""
    try:
        return csv.Sniffer().sniff(sample[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _rows(text: str, tab: bool) -> list[list[str]]:
    delimiter = "\t" if tab else sniff_delimiter(text)
    return [[cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def edit_file_kind(header: list[str]) -> str | None:
    """The layout a header row names ("PTP edits", "MUE edits", "add-on code edits"), or None:
    the rule reader's own header patterns (``knowledge.rule_edits.EDIT_LAYOUTS``), so a table
    taken in is one whose rows it reads."""
    for kind, wanted in EDIT_LAYOUTS:
        if all(any(has(cell) for cell in header if cell) for has in wanted):
            return kind
    return None


def find_header(rows: Iterator[list[str]]) -> tuple[list[list[str]], str, list[str]] | None:
    """Read ``rows`` up to the header row of an edit layout: ``(the non-empty rows above it,
    its layout, the header)``, the body left in ``rows``; None when none of the first rows is
    one."""
    above: list[list[str]] = []
    for row in islice((r for r in rows if any(r)), _HEADER_SCAN):
        kind = edit_file_kind(row)
        if kind is not None:
            return above, kind, row
        above.append(row)
    return None


def edit_file_blocks(text: str, name: str, *, tab: bool) -> tuple[str, list[Block]]:
    """The layout of a CSV/TSV file's table and its blocks (a title, the notes above the
    table, the table). Raises EditFileError naming what was looked for."""
    return rows_blocks(_rows(text, tab), name)


def xlsx_rows(workbook: bytes | Path) -> Iterator[list[str]]:
    """The cells of an XLSX workbook's first sheet (its bytes or its file) as text, row by row
    (dates as YYYY-MM-DD, whole numbers without a decimal point). Raises EditFileError when it
    cannot be read."""
    from python_calamine import CalamineWorkbook

    try:
        book = (CalamineWorkbook.from_path(str(workbook)) if isinstance(workbook, Path)
                else CalamineWorkbook.from_filelike(io.BytesIO(workbook)))
        rows = book.get_sheet_by_index(0).iter_rows()
    except Exception as exc:  # calamine raises its own kinds for a bad file
        raise EditFileError("not a readable Excel workbook (.xlsx)") from exc
    return ([cell_text(v) for v in row] for row in rows)


def cell_text(value: object) -> str:
    """A workbook cell as text: dates as YYYY-MM-DD, whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_blocks(rows: Iterable[list[str]], name: str) -> tuple[str, list[Block]]:
    """The layout of a table given as rows of cells, and its blocks (see ``edit_file_blocks``)."""
    stream = iter(rows)
    found = find_header(stream)
    if found is None:
        raise EditFileError(_NOT_AN_EDIT_TABLE)
    above, kind, header = found
    width = len(header)
    body = tuple(tuple(r[:width]) + ("",) * (width - len(r)) for r in stream if any(r))
    notes = [Block("paragraph", " ".join(c for c in r if c)) for r in above]
    return kind, [Block("heading", f"{name}: {kind}", level=1), *notes,
                  Block("table", header=tuple(header), rows=body)]
