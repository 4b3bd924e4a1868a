"""Claim-edit files too large to embed go to the edit store, through the ingest pipeline, and
drive `python -m knowledge check`, the claim checker and the ask path with the row cited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.pipeline import IngestOptions, ingest_paths
from knowledge.__main__ import main as knowledge_main
from knowledge.claims import check_claim, parse_claim
from knowledge.library import Library, open_library
from retrieval.coverage import Thresholds
from retrieval.service import Assistant
from retrieval.verdicts import claim_rules

EDITS = Path(__file__).resolve().parents[1] / "data" / "edits"
LAYOUTS = ["ptp-practitioner.tsv", "mue-practitioner.csv", "add-on-codes.csv"]
# Every fixture is "large" here: the store path is what is tested.
STORE_ALL = IngestOptions(edit_store_rows=1)


@pytest.fixture
def library(tmp_path: Path, fake_embedder: object) -> Library:
    lib = open_library(tmp_path / "store")
    report = ingest_paths([EDITS / n for n in LAYOUTS], lib, fake_embedder, STORE_ALL)  # type: ignore[arg-type]
    assert [(d.status, d.chunks) for d in report.documents] == [("added", 0)] * 3
    assert [d.edit_rows > 0 for d in report.documents] == [True] * 3
    yield lib
    lib.close()


def _status(library: Library, *claim: str, on: date = date(2025, 8, 1)) -> str:
    lines = parse_claim(list(claim))
    rules, audit, _ = claim_rules(library.view(), {line.code for line in lines})
    return check_claim(lines, rules, audit, on=on).status


def test_stored_rows_decide_by_indicator_date_units_and_primary(library: Library) -> None:
    assert library.view().chunks == {}  # nothing embedded
    assert _status(library, "99950", "99961") == "not_allowed"  # indicator 0
    assert _status(library, "99950", "99962") == "not_allowed"  # 1 without a modifier
    assert _status(library, "99950", "99962-XU") == "allowed"
    assert _status(library, "99950", "99963") == "unknown"  # 9, deleted
    assert _status(library, "99950", "99962-XU", on=date(2019, 6, 1)) == "unknown"  # not yet
    assert _status(library, "99950", "99951x4") == "not_allowed"  # over the MUE
    assert _status(library, "99951") == "missing_primary"
    assert _status(library, "99951", "99950") == "allowed"


def test_storing_again_is_a_no_op_and_knowledge_check_cites_the_row(
    tmp_path: Path, library: Library, fake_embedder: object, capsys: pytest.CaptureFixture[str]
) -> None:
    again = ingest_paths([EDITS / LAYOUTS[0]], library, fake_embedder, STORE_ALL)  # type: ignore[arg-type]
    assert again.documents[0].status == "unchanged"
    code = knowledge_main(["check", "99950", "99961", "--store", str(tmp_path / "store"),
                           "--json", "--date", "2025-08-01"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 0 and verdict["status"] == "not_allowed"
    [edit] = [f for f in verdict["findings"] if f["rule"] == "pair_edit"]
    cite = edit["citations"][0]
    assert cite["source"] == "ptp-practitioner.tsv" and cite["chunk_id"] == "edits:1:1"
    assert cite["quote"].startswith("Column 1: 99950 | Column 2: 99961 |")


def test_the_ask_path_cites_a_stored_row(library: Library, fake_embedder: object) -> None:
    assistant = Assistant(library, fake_embedder, thresholds=Thresholds(0.05, 0.5, 2))  # type: ignore[arg-type]
    answer = assistant.ask("¿Se puede facturar 99950 con 99962 sin modificador?")
    assert answer.verdict is not None and answer.verdict.status == "not_allowed", answer.answer
    assert any(c.quote.startswith("Column 1: 99950 | Column 2: 99962") for c in answer.citations)
    assert "99962" in answer.answer and answer.language == "es"


def test_a_small_edit_table_stays_material(tmp_path: Path, fake_embedder: object) -> None:
    lib = open_library(tmp_path / "small")
    try:
        report = ingest_paths([EDITS / LAYOUTS[0]], lib, fake_embedder)  # type: ignore[arg-type]
        assert report.documents[0].chunks > 0 and report.documents[0].edit_rows == 0
        assert lib.edits.files() == []
    finally:
        lib.close()


def test_a_large_tab_text_file_and_an_xlsx_go_to_the_store(
    tmp_path: Path, fake_embedder: object
) -> None:
    import openpyxl

    header = ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
              "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable"]
    rows = [[f"{99000 + i // 50:05d}", f"{99500 + i % 50:05d}", "", "20190101", "*", "0"]
            for i in range(6000)]
    text = tmp_path / "ptp-v1-f1.txt"
    text.write_text("Notes above the table\n" + "\n".join("\t".join(r) for r in [header, *rows]))
    book = openpyxl.Workbook()
    sheet = book.active
    for r in [["Notes above the table"], header, *rows[:3000]]:
        sheet.append(r)
    book.save(tmp_path / "ptp-v1-f2.xlsx")
    lib = open_library(tmp_path / "store")
    try:
        report = ingest_paths([text, tmp_path / "ptp-v1-f2.xlsx"], lib, fake_embedder,  # type: ignore[arg-type]
                              IngestOptions(edit_store_rows=2000))
        assert [(d.status, d.edit_rows) for d in report.documents] == [("added", 6000),
                                                                         ("added", 3000)]
        assert {f.source for f in lib.edits.files()} == {"ptp-v1-f1.txt", "ptp-v1-f2.xlsx"}
        assert _status(lib, "99003", "99505") == "not_allowed"
    finally:
        lib.close()


@pytest.mark.parametrize(
    "question",
    [
        "How many units of 99951 can be billed per day?",
        "¿Cuántas unidades de 99951 por día?",
        "99951 每天最多几个单位？",
        "Сколько единиц 99951 в день можно указать?",
        "كم عدد الوحدات المسموح بها للرمز 99951 في اليوم؟",
        "99951 mỗi ngày được bao nhiêu đơn vị?",
        "Combien d'unités de 99951 par jour ?",
        "Wie viele Einheiten von 99951 pro Tag?",
        "99951은 하루에 몇 단위까지 청구할 수 있나요?",
        "Ilang units ng 99951 bawat araw?",
    ],
)
def test_a_unit_limit_question_is_answered_from_the_stored_mue_row(
    library: Library, fake_embedder: object, question: str
) -> None:
    assistant = Assistant(library, fake_embedder, thresholds=Thresholds(0.05, 0.5, 2))  # type: ignore[arg-type]
    answer = assistant.ask(question)
    assert not answer.refused, answer.answer
    [cite] = answer.citations
    assert cite.source == "mue-practitioner.csv" and cite.chunk_id.startswith("edits:")
    assert cite.quote.startswith("HCPCS/CPT Code: 99951 | Practitioner Services MUE Values: 3")


@pytest.mark.parametrize(
    "question",
    ["Is there an NCCI edit between 99950 and 99961?", "¿Hay una edición NCCI entre 99950 y 99961?",
     "99950 和 99961 之间有 NCCI 编辑吗？", "Gibt es eine NCCI-Edit zwischen 99950 und 99961?"],
)
def test_an_edit_between_two_codes_is_answered_from_the_stored_ptp_row(
    library: Library, fake_embedder: object, question: str
) -> None:
    assistant = Assistant(library, fake_embedder, thresholds=Thresholds(0.05, 0.5, 2))  # type: ignore[arg-type]
    answer = assistant.ask(question)
    assert answer.verdict is not None and answer.verdict.status == "not_allowed", answer.answer
    assert any(c.quote.startswith("Column 1: 99950 | Column 2: 99961") for c in answer.citations)


def test_prose_and_a_stored_table_that_disagree_are_both_shown(
    tmp_path: Path, library: Library, fake_embedder: object
) -> None:
    (tmp_path / "note.md").write_text("# 99951 note\n\nThe MUE for 99951 is 2 units per date of "
                                      "service.\n")
    ingest_paths([tmp_path / "note.md"], library, fake_embedder)  # type: ignore[arg-type]
    lines = parse_claim(["99950", "99951x3"])
    rules, audit, _ = claim_rules(library.view(), {"99950", "99951"})
    verdict = check_claim(lines, rules, audit, on=date(2025, 8, 1))
    assert verdict.status == "not_allowed"  # the lower limit decides
    [warning] = [f for f in verdict.findings if f.rule == "audit"]
    quotes = {c.quote for c in warning.citations}
    assert "The MUE for 99951 is 2 units per date of service." in quotes
    assert any(q.startswith("HCPCS/CPT Code: 99951 | Practitioner Services MUE Values: 3")
               for q in quotes)
