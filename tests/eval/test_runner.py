"""The runner, the report and the CLI on a tiny corpus with the fake embedder (no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.__main__ import main
from eval.gold import GoldError, load_gold
from eval.report import build_report, format_summary, write_report
from eval.runner import run_eval, to_outcome

MATERIAL = """TRAINING NOTE (invented codes, not CPT)

Code 99990 is an add-on code for irrigation of the kidney pelvis during an endoscopy.
Report 99990 together with the primary code 99980 on the same day.
Do not report 99990 with 99985 for the same session.

Documentation
The operative note must state the volume of fluid used for the irrigation.
"""

SECOND = """# Scheduling note (invented)

Clinics book the follow-up visit within fourteen days of the endoscopy.
A missed follow-up visit is rescheduled by the front desk, not by the surgeon.
"""

GOLD = [
    {
        "id": "t-en-1",
        "lang": "en",
        "question": "What must the operative note state for 99990?",
        "answerable": True,
        "evidence": ["must state the volume of fluid used"],
        "contains": ["volume of fluid"],
        "verdict": None,
        "codes": [],
    },
    {
        "id": "t-es-1",
        "lang": "es",
        "question": "¿Quién reprograma una visita de seguimiento perdida?",
        "answerable": True,
        "evidence": ["rescheduled by the front desk, not by the surgeon"],
        "contains": ["front desk"],
        "verdict": None,
        "codes": [],
        "source": "scheduling.md",
    },
    {
        "id": "t-en-2",
        "lang": "en",
        "question": "Can 99990 be billed with 99985?",
        "answerable": True,
        "evidence": ["Do not report 99990 with 99985 for the same session"],
        "contains": [],
        "verdict": "not_allowed",
        "codes": ["99990", "99985"],
    },
    {
        "id": "t-en-3",
        "lang": "en",
        "question": "What is the copay for a dermatology visit in Ohio?",
        "answerable": False,
        "evidence": [],
        "contains": [],
        "verdict": None,
        "codes": [],
    },
]


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    mats = tmp_path / "materials"
    mats.mkdir()
    (mats / "irrigation-note.txt").write_text(MATERIAL, encoding="utf-8")
    (mats / "scheduling.md").write_text(SECOND, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "\n".join(json.dumps(g, ensure_ascii=False) for g in GOLD) + "\n", encoding="utf-8"
    )
    return mats, gold


def test_run_and_report(corpus: tuple[Path, Path], tmp_path: Path, fake_embedder: object) -> None:
    mats, gold_file = corpus
    gold = load_gold([gold_file])
    models: list[str] = []

    def embedder_for(model: str) -> object:
        models.append(model)
        return fake_embedder

    run = run_eval(
        gold,
        ["bm25", "full"],
        materials=[mats],
        embedder_for=embedder_for,
        workdir=tmp_path / "work",
        main_model="fake",
    )
    assert models == ["fake"]  # systems of one model share one store and one embedder
    assert [s.spec.name for s in run.systems] == ["full", "bm25"]
    for sysrun in run.systems:
        assert sysrun.chunks > 0 and [r.item.id for r in sysrun.rows] == [g["id"] for g in GOLD]
        assert all(r.answer is not None and r.wall_ms > 0 for r in sysrun.rows)
        # only a handful of chunks exist, so the evidence chunk is always in the top 5
        first = to_outcome(sysrun.rows[0])
        assert any(first.rels()[:5])

    report = build_report(run, date="2026-01-01", commit="abc1234")
    full = report["systems"]["full"]["metrics"]
    assert set(full) == {"all", "en", "es"}
    assert full["all"]["n"] == 4 and full["all"]["n_claims"] == 1 and full["all"]["n_facts"] == 2
    assert full["all"]["recall@5"] == 1.0
    assert len(report["rows"]) == 8

    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths][:2] == ["report.json", "report.md"]
    for p in paths:
        assert p.is_file() and p.stat().st_size > 0
    assert paths[2].read_bytes()[:4] == b"\x89PNG"
    assert json.loads(paths[0].read_text(encoding="utf-8"))["commit"] == "abc1234"
    md = paths[1].read_text(encoding="utf-8")
    assert "## Systems compared" in md and "| full |" in md

    summary = format_summary(report)
    assert "commit abc1234" in summary and "full system, per language:" in summary
    lines = summary.splitlines()
    assert any(line.startswith("es ") for line in lines)
    assert any(line.startswith("bm25 ") for line in lines)


def test_cli_json_and_gate(
    corpus: tuple[Path, Path],
    tmp_path: Path,
    fake_embedder: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mats, gold_file = corpus
    monkeypatch.setattr(
        "knowledge.wiring.embedder_from_settings", lambda *a, **k: fake_embedder
    )
    out = tmp_path / "report"
    args = [
        "--gold",
        str(gold_file),
        "--materials",
        str(mats),
        "--out",
        str(out),
        "--systems",
        "full",
    ]
    assert main(args + ["--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["systems"]) == ["full"] and report["questions"] == 4
    assert (out / "report.md").is_file()

    # a threshold nobody can meet fails the run; a trivial one passes
    assert main(args + ["--min-fact", "1.01"]) == 1
    captured = capsys.readouterr()
    assert "systems compared" in captured.out and "fact_accuracy" in captured.err
    assert main(args + ["--max-false-refusal", "1.0"]) == 0

    # a manifest gives the figures per style of the document that answers
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(json.dumps({"file": "scheduling.md", "style": "patient summary"}) + "\n")
    capsys.readouterr()
    assert main(args + ["--json", "--manifest", str(manifest)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["systems"]["full"]["by_style"]) == ["patient summary"]
    assert report["systems"]["full"]["by_style"]["patient summary"]["n"] == 1
    assert main(args + ["--manifest", str(tmp_path / "missing.jsonl")]) == 2


def test_cli_bad_usage(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    _mats, gold_file = corpus
    assert main(["--gold", str(gold_file), "--systems", "nope"]) == 2
    assert main(["--gold", str(tmp_path / "missing.jsonl")]) == 2
    assert main(["--gold", str(gold_file), "--materials", str(tmp_path / "none")]) == 2


def test_load_gold_rejects_bad_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**GOLD[0], "answerable": "yes"}) + "\n", encoding="utf-8")
    with pytest.raises(GoldError, match="bad.jsonl:1"):
        load_gold([bad])
    dup = tmp_path / "dup.jsonl"
    dup.write_text("\n".join(json.dumps(GOLD[0]) for _ in range(2)), encoding="utf-8")
    with pytest.raises(GoldError, match="duplicate id"):
        load_gold([dup])
