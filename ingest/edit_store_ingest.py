"""Claim-edit files too large to embed go to the edit store (``knowledge.edit_store``).

A CMS national PTP file has about 1.5 million rows: embedded row by row it would take hours.
A CSV, tab-separated text or XLSX file whose header row is in a CMS edit layout and that has
more body rows than ``IngestOptions.edit_store_rows`` is streamed into SQLite instead (rows
are never all in memory); the claim checker reads the rows a claim touches from there. A
smaller one stays material like any other (its rows embedded, searched and quoted).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path

from ingest.edit_files import EditFileError, cell_text, edit_file_kind

__all__ = ["EDIT_SUFFIXES", "edit_table_stream", "large_enough"]

EDIT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
_HEADER_SCAN = 40  # rows read for the header row
_SNIFF = 64 * 1024
csv.field_size_limit(1 << 24)


def edit_table_stream(path: Path) -> tuple[str, list[str], Iterator[list[str]]] | None:
    """``(layout, header, body rows)`` of a file in a CMS edit layout, streamed; None for any
    other file. Raises EditFileError for a workbook that cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in EDIT_SUFFIXES:
        return None
    rows = _xlsx_rows(path) if suffix == ".xlsx" else _text_rows(path, suffix)
    if rows is None:
        return None
    for row in islice(rows, _HEADER_SCAN):
        kind = edit_file_kind(row)
        if kind is not None:
            width = len(row)
            body = (r[:width] for r in rows if any(r))
            return kind, row, body
    return None


def large_enough(
    stream: Iterator[list[str]], rows: int
) -> tuple[bool, Iterator[list[str]]]:
    """Whether ``stream`` has more than ``rows`` rows, and the same rows to read again."""
    head = list(islice(stream, rows + 1))
    return len(head) > rows, chain(head, stream)


def _text_rows(path: Path, suffix: str) -> Iterator[list[str]] | None:
    with open(path, "rb") as fh:
        sample = fh.read(_SNIFF)
    try:
        sample.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    text = sample.decode(encoding, errors="replace")
    if suffix == ".txt" and "\t" not in text:
        return None  # plain prose: the text loader's
    delimiter = "\t" if suffix in (".tsv", ".txt") else _delimiter(text)

    def read() -> Iterator[list[str]]:
        with open(path, encoding=encoding, errors="replace", newline="") as fh:
            for row in csv.reader(fh, delimiter=delimiter):
                yield [cell.strip() for cell in row]

    return read()


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    except Exception as exc:  # calamine raises its own kinds for a bad file
        raise EditFileError("not a readable Excel workbook (.xlsx)") from exc
    return ([cell_text(v) for v in row] for row in rows)
