"""Claim-edit tables in the CMS layouts (our own fixtures, invented codes): PTP edits (TSV),
MUE edits and add-on code edits (CSV), read into rows and through them into the claim checker
and `python -m knowledge check`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest import ingest_paths
from ingest.loaders import load_file
from knowledge.__main__ import main as knowledge_main
from knowledge.claims import check_claim, parse_claim
from knowledge.errors import IngestError
from knowledge.library import open_library
from knowledge.models import CodeRules
from knowledge.rule_merge import merge_rules
from tests.support.rules import build_rules

EDITS = Path(__file__).resolve().parents[1] / "data" / "edits"
LAYOUTS = ["ptp-practitioner.tsv", "mue-practitioner.csv", "add-on-codes.csv"]


def _rules() -> list[CodeRules]:
    docs = []
    for name in LAYOUTS:
        text = load_file(EDITS / name, max_bytes=10**6, max_chars=10**6).text
        docs.append(build_rules(text, name))
    return merge_rules(docs)[0]


@pytest.fixture(scope="module")
def rules() -> list[CodeRules]:
    return _rules()


def status(rules: list[CodeRules], *claim: str, on: date = date(2025, 8, 1)) -> str:
    return check_claim(parse_claim(list(claim)), rules, on=on).status


def test_each_layout_is_found_under_its_notes() -> None:
    ptp = load_file(EDITS / "ptp-practitioner.tsv", max_bytes=10**6, max_chars=10**6).text
    assert "Quarter 2025 Q3." in ptp  # the notes above the table are kept
    assert "Column 1: 99950 | Column 2: 99961 |" in ptp
    mue = load_file(EDITS / "mue-practitioner.csv", max_bytes=10**6, max_chars=10**6).text
    assert "HCPCS/CPT Code: 99951 | Practitioner Services MUE Values: 3 |" in mue


def test_a_table_in_no_edit_layout_is_rejected_with_the_reason() -> None:
    with pytest.raises(IngestError) as info:
        load_file(EDITS / "fee-list.csv", max_bytes=10**6, max_chars=10**6)
    assert "not a claim-edit table" in str(info.value) and "\n" not in str(info.value)


def test_ptp_rows_by_indicator_and_date(rules: list[CodeRules]) -> None:
    assert status(rules, "99950", "99961") == "not_allowed"  # indicator 0
    assert status(rules, "99950", "99961-59") == "not_allowed"  # no modifier bypasses 0
    assert status(rules, "99950", "99962") == "not_allowed"  # 1 without a modifier
    assert status(rules, "99950", "99962-XU") == "allowed"
    assert status(rules, "99950", "99963") == "unknown"  # 9, deleted
    assert status(rules, "99950", "99962-XU", on=date(2019, 6, 1)) == "unknown"  # not yet


def test_mue_rows_limit_units(rules: list[CodeRules]) -> None:
    assert status(rules, "99950", "99951x3") == "allowed"
    assert status(rules, "99950", "99951x4") == "not_allowed"
    assert status(rules, "99950x2", "99951") == "not_allowed"


def test_add_on_rows_give_primaries_and_a_deleted_pairing_none(rules: list[CodeRules]) -> None:
    assert status(rules, "99951") == "missing_primary"
    assert status(rules, "99951", "99950") == "allowed"
    assert status(rules, "99951", "99952") == "missing_primary"


def test_knowledge_check_cites_the_row_of_the_file(
    tmp_path: Path, fake_embedder: object, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    library = open_library(store)
    try:
        report = ingest_paths([EDITS], library, fake_embedder)  # type: ignore[arg-type]
    finally:
        library.close()
    by = {d.source: d for d in report.documents}
    assert by["fee-list.csv"].status == "rejected"
    assert all(by[name].status == "added" for name in LAYOUTS)
    code = knowledge_main(["check", "99950", "99961", "--store", str(store), "--json",
                           "--date", "2025-08-01"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 0 and verdict["status"] == "not_allowed"
    [edit] = [f for f in verdict["findings"] if f["rule"] == "pair_edit"]
    cite = edit["citations"][0]
    assert cite["source"] == "ptp-practitioner.tsv"
    assert cite["quote"].startswith("Column 1: 99950 | Column 2: 99961")
    assert knowledge_main(["check", "99950", "99962-XS", "--store", str(store), "--date",
                           "2019-06-01"]) == 0
    assert "unknown" in capsys.readouterr().out


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_an_xlsx_ptp_table_under_notes_drives_the_checker(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "ptp-q3.xlsx", [
        ["CMS-style PTP edits, invented codes"],
        [],
        ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
         "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable"],
        [99950, 99961, None, date(2019, 1, 1), "*", 0],
        [99950, 99962, None, 20200101, "*", 1],
    ])
    text = load_file(path, max_bytes=10**7, max_chars=10**6).text
    assert "Column 1: 99950 | Column 2: 99961 |" in text and "Effective Date: 2019-01-01" in text
    rules = merge_rules([build_rules(text, path.name)])[0]
    assert status(rules, "99950", "99961") == "not_allowed"
    assert status(rules, "99950", "99962-59") == "allowed"
    assert status(rules, "99950", "99962", on=date(2019, 6, 1)) == "unknown"


def test_a_broken_or_foreign_workbook_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK not a workbook")
    with pytest.raises(IngestError, match="not a readable Excel workbook"):
        load_file(bad, max_bytes=10**7, max_chars=10**6)
    other = _workbook(tmp_path / "fees.xlsx", [["Code", "Fee"], [99950, 120.0]])
    with pytest.raises(IngestError, match="not a claim-edit table"):
        load_file(other, max_bytes=10**7, max_chars=10**6)
