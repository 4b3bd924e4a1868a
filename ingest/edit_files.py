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
from datetime import date, datetime

from ingest.structure import Block
from knowledge.rule_edits import EDIT_LAYOUTS

__all__ = [
    "EditFileError", "cell_text", "edit_file_blocks", "edit_file_kind", "rows_blocks", "xlsx_rows",
]

_HEADER_SCAN = 40  # rows read for the header row


class EditFileError(ValueError):
    """The file is no claim-edit table in a layout this reader knows."""


def _rows(text: str, tab: bool) -> list[list[str]]:
    if tab:
        reader = csv.reader(io.StringIO(text), delimiter="\t")
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel  # type: ignore[assignment]
        reader = csv.reader(io.StringIO(text), dialect)
    return [[cell.strip() for cell in row] for row in reader]


def edit_file_kind(header: list[str]) -> str | None:
    """The layout a header row names ("PTP edits", "MUE edits", "add-on code edits"), or None:
    the rule reader's own header patterns (``knowledge.rule_edits.EDIT_LAYOUTS``), so a table
    taken in is one whose rows it reads."""
    for kind, wanted in EDIT_LAYOUTS:
        if all(any(has(cell) for cell in header if cell) for has in wanted):
            return kind
    return None


def edit_file_blocks(text: str, name: str, *, tab: bool) -> tuple[str, list[Block]]:
    """The layout of a CSV/TSV file's table and its blocks (a title, the notes above the
    table, the table). Raises EditFileError naming what was looked for."""
    return rows_blocks(_rows(text, tab), name)


def xlsx_rows(raw: bytes) -> list[list[str]]:
    """The cells of an XLSX workbook's first sheet as text (dates as YYYY-MM-DD, whole
    numbers without a decimal point). Raises EditFileError when it cannot be read."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_index(0)
        return [[cell_text(v) for v in row] for row in sheet.iter_rows()]
    except Exception as exc:  # calamine raises its own kinds for a bad file
        raise EditFileError("not a readable Excel workbook (.xlsx)") from exc


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


def rows_blocks(rows: list[list[str]], name: str) -> tuple[str, list[Block]]:
    """The layout of a table given as rows of cells, and its blocks (see ``edit_file_blocks``)."""
    rows = [r for r in rows if any(r)]
    for i, row in enumerate(rows[:_HEADER_SCAN]):
        kind = edit_file_kind(row)
        if kind is None:
            continue
        width = len(row)
        body = tuple(tuple(r[:width]) + ("",) * (width - len(r)) for r in rows[i + 1:])
        notes = [Block("paragraph", " ".join(c for c in r if c)) for r in rows[:i]]
        title = f"{name}: {kind}"
        return kind, [Block("heading", title, level=1), *notes,
                      Block("table", header=tuple(row), rows=body)]
    raise EditFileError(
        "not a claim-edit table: no header row names a PTP layout (Column 1, Column 2, "
        "Modifier), an MUE layout (a code and its MUE value) or an add-on code layout (Add-on "
        "Code, Primary Code)"
    )
