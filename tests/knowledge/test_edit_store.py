"""The edit store: national edit files in SQLite, replaced by series, read back per claim."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.claims import check_claim, parse_claim
from knowledge.edit_store import EditStore, series_key
from knowledge.rule_merge import merge_rules

PTP_HEADER = ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
              "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable"]


def _ptp(rows: int, indicator: str = "0") -> Iterator[list[str]]:
    for i in range(rows):
        yield [f"{99000 + i // 10:05d}", f"{99500 + i % 10:05d}", "", "20190101", "*", indicator]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EditStore]:
    s = EditStore(tmp_path)
    yield s
    s.close()


def _status(store: EditStore, *claim: str) -> str:
    lines = parse_claim(list(claim))
    docs, _ = store.document_rules(line.code for line in lines)
    return check_claim(lines, merge_rules(docs)[0]).status


@pytest.mark.parametrize(
    ("name", "series"),
    [("ptp-v263r0-f1.txt", "ptp-f1"), ("ptp-v264r0-f1.txt", "ptp-f1"),
     ("MUE_Practitioner_Eff_01-01-2026.csv", "mue-practitioner-eff"),
     ("aoc 2025 Q3.xlsx", "aoc"), ("ptp-v263r0-f2.txt", "ptp-f2")],
)
def test_a_series_is_the_name_without_versions_quarters_and_dates(name: str, series: str) -> None:
    assert series_key(name) == series


def test_rows_are_stored_once_and_read_back_per_claim(store: EditStore) -> None:
    assert store.load("ptp-v1-f1.txt", "h1", "PTP edits", PTP_HEADER, _ptp(1000)) == ("added", 1000)
    assert store.load("ptp-v1-f1.txt", "h1", "PTP edits", PTP_HEADER, _ptp(1000)) == (
        "unchanged", 1000)
    [(f, row, cells)] = store.rows_for(["99003", "99505"])
    assert f.source == "ptp-v1-f1.txt" and row == 36 and cells[:2] == ("99003", "99505")
    assert store.rows_for(["99003"]) == []  # a PTP row needs both of its codes
    assert _status(store, "99003", "99505") == "not_allowed"
    docs, chunks = store.document_rules(["99003", "99505"])
    [quote] = [p.quote for r in docs[0].rules for p in r.provenance if p.rule == "pair_edit"]
    assert quote.startswith("Column 1: 99003 | Column 2: 99505 | Effective Date: 20190101")
    assert chunks["edits:1:36"].text == quote


def test_the_next_file_of_a_series_replaces_the_old_one_whole(store: EditStore) -> None:
    store.load("ptp-v1-f1.txt", "h1", "PTP edits", PTP_HEADER, _ptp(100))
    store.load("ptp-v1-f2.txt", "h2", "PTP edits", PTP_HEADER, _ptp(20, "1"))
    assert store.load("ptp-v2-f1.txt", "h3", "PTP edits", PTP_HEADER, _ptp(50, "9")) == (
        "replaced", 50)
    assert [f.source for f in store.files()] == ["ptp-v1-f2.txt", "ptp-v2-f1.txt"]
    assert {cells[5] for _, _, cells in store.rows_for(["99004", "99505"])} == {"9"}


def test_a_load_that_fails_leaves_the_old_file(store: EditStore) -> None:
    store.load("ptp-v1-f1.txt", "h1", "PTP edits", PTP_HEADER, _ptp(100))

    def broken() -> Iterator[list[str]]:
        yield from _ptp(60_000, "1")
        raise OSError("disk read failed")

    with pytest.raises(OSError):
        store.load("ptp-v2-f1.txt", "h2", "PTP edits", PTP_HEADER, broken())
    assert [(f.source, f.rows) for f in store.files()] == [("ptp-v1-f1.txt", 100)]
    assert _status(store, "99003", "99505") == "not_allowed"


def test_mue_and_add_on_rows(store: EditStore) -> None:
    store.load("mue.csv", "m", "MUE edits",
               ["HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator"],
               iter([["99931", "2", "2 Date of Service Edit: Policy"]]))
    store.load("aoc.csv", "a", "add-on code edits",
               ["Add-on Code", "Primary Code", "AOC Edit Type", "Primary Code Effective Date",
                "Primary Code Deletion Date"],
               iter([["99931", "99910", "1", "20190101", "*"]]))
    assert _status(store, "99910", "99931x2") == "allowed"
    assert _status(store, "99910", "99931x3") == "not_allowed"
    assert _status(store, "99931") == "missing_primary"
    assert store.remove("mue.csv") and not store.remove("mue.csv")
    assert _status(store, "99910", "99931x3") == "allowed"


def test_a_layout_without_its_lookup_columns_is_refused(store: EditStore) -> None:
    with pytest.raises(ValueError):
        store.load("x.csv", "x", "PTP edits", ["Code", "Fee"], iter([]))
