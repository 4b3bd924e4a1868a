"""Claim-edit files too large to embed go to the edit store (``knowledge.edit_store``).

A CMS national PTP file has about 1.5 million rows: embedded row by row it would take hours.
A CSV, tab-separated text or XLSX file whose header row is in a CMS edit layout and that has
more body rows than ``IngestOptions.edit_store_rows`` is streamed into SQLite instead (rows
are never all in memory); the claim checker reads the rows a claim touches from there. A
smaller one stays material like any other (its rows embedded, searched and quoted).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path

from ingest.edit_files import find_header, sniff_delimiter, xlsx_rows

__all__ = ["EDIT_SUFFIXES", "edit_table_stream", "large_enough"]

EDIT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
_SNIFF = 64 * 1024
csv.field_size_limit(1 << 24)


def edit_table_stream(path: Path) -> tuple[str, list[str], Iterator[list[str]]] | None:
    """``(layout, header, body rows)`` of a file in a CMS edit layout, streamed; None for any
    other file. Raises EditFileError for a workbook that cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in EDIT_SUFFIXES:
        return None
    rows = xlsx_rows(path) if suffix == ".xlsx" else _text_rows(path, suffix)
    found = find_header(rows) if rows is not None else None
    if found is None:
        return None
    _, kind, header = found
    width = len(header)
    return kind, header, (r[:width] for r in rows if any(r))


def large_enough(
    stream: Iterator[list[str]], rows: int
) -> tuple[bool, Iterator[list[str]]]:
    """Whether ``stream`` has more than ``rows`` rows, and the same rows to read again."""
    head = list(islice(stream, rows + 1))
    return len(head) > rows, chain(head, stream)


def _text_rows(path: Path, suffix: str) -> Iterator[list[str]] | None:
    with open(path, "rb") as fh:
        sample = fh.read(_SNIFF)
    try:  # incremental: the sample may end inside a character
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    text = sample.decode(encoding, errors="replace")
    if suffix == ".txt" and "\t" not in text:
        return None  # plain prose: the text loader's
    delimiter = "\t" if suffix in (".tsv", ".txt") else sniff_delimiter(text)

    def read() -> Iterator[list[str]]:
        with open(path, encoding=encoding, errors="replace", newline="") as fh:
            for row in csv.reader(fh, delimiter=delimiter):
                yield [cell.strip() for cell in row]

    return read()
