"""Gold Q&A files are valid over the seed page and the samples; the validator catches bad ones."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from eval.gold_check import (
    ALLOWED_LANGS,
    SAMPLES_DIR,
    default_gold_files,
    fold,
    html_to_text,
    load_materials,
    main,
    validate_gold,
)


def _items(paths: list[Path]) -> list[dict]:
    return [
        json.loads(line)
        for p in paths
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture
def materials(seed_text: str) -> dict[str, str]:
    return {"cpt-50706-iframe-page.txt": seed_text, **load_materials([SAMPLES_DIR])}


def test_gold_files_are_valid(materials: dict[str, str]) -> None:
    files = default_gold_files()
    assert any(f.name == "seed-a.jsonl" for f in files) and any(
        f.name == "samples.jsonl" for f in files
    )
    assert validate_gold(files, materials) == []


def test_holdout_files_are_valid(materials: dict[str, str]) -> None:
    # Questions kept out of the gold set the gate runs on: written blind, to measure how the
    # product does on phrasings nobody tuned it on (python -m eval --gold eval/holdout/...).
    files = sorted((Path(__file__).resolve().parents[2] / "eval" / "holdout").glob("*.jsonl"))
    assert files
    assert validate_gold(files, materials) == []


def test_seed_questions_cover_every_language() -> None:
    seed_items = _items([f for f in default_gold_files() if f.name.startswith("seed-")])
    per_lang = Counter(item["lang"] for item in seed_items)
    assert set(per_lang) == ALLOWED_LANGS, (
        f"languages missing over the seed: {ALLOWED_LANGS - set(per_lang)}"
    )
    assert min(per_lang.values()) >= 8, per_lang
    verdicts = {item["verdict"] for item in seed_items}
    assert {"allowed", "not_allowed", "missing_primary"} <= verdicts
    assert any(not item["answerable"] for item in seed_items)


def test_sample_questions_cover_every_language() -> None:
    items = _items([f for f in default_gold_files() if f.name == "samples.jsonl"])
    assert {item["lang"] for item in items} == ALLOWED_LANGS
    assert all(item["id"].startswith("samp-") for item in items)


def test_samples_are_labelled_fictional_with_fictional_codes() -> None:
    texts = load_materials([SAMPLES_DIR])
    assert {Path(name).suffix for name in texts} == {".md", ".html", ".txt"}
    for name, text in texts.items():
        assert "FICTIONAL" in text.strip()[:200], f"{name} must say FICTIONAL at the top"
        codes = {int(c) for c in re.findall(r"(?<!\d)\d{5}(?!\d)", text)}
        assert codes and all(99901 <= c <= 99999 for c in codes), (
            f"{name}: real-looking codes {codes}"
        )
        assert 300 <= len(text.split()) <= 700, f"{name}: {len(text.split())} words"


# --- the validator itself, on a small corpus written here ------------------------------------

MATERIAL = {
    "note.txt": "Code 99931 is an add-on code.It must follow a scope code.\n"
    "Do not report 99931   with 99920.\nReport it once per session only."
}
GOOD = {
    "id": "t-01",
    "lang": "en",
    "question": "Is 99931 an add-on?",
    "answerable": True,
    "evidence": ["code 99931 is an add-on code"],
    "contains": ["add-on"],
    "verdict": None,
    "codes": [],
}


def _write(path: Path, rows: list[dict | str]) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def test_good_file_passes_with_folded_case_and_whitespace(tmp_path: Path) -> None:
    row = {**GOOD, "evidence": ["DO NOT REPORT 99931 with\n99920."], "contains": ["99920"]}
    claim = {
        **GOOD,
        "id": "t-02",
        "question": "99931 with 99920?",
        "verdict": "not_allowed",
        "codes": ["99931", "99920"],
        "contains": [],
        "evidence": [],
    }
    refused = {**GOOD, "id": "t-03", "answerable": False, "evidence": [], "contains": []}
    assert validate_gold(_write(tmp_path / "g.jsonl", [row, claim, refused]), MATERIAL) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"lang": "pt"}, "lang 'pt'"),
        ({"evidence": ["this passage is not in the note"]}, "evidence not found"),
        ({"evidence": []}, "needs at least one evidence"),
        ({"evidence": ["add-on code"]}, "shorter than"),
        ({"evidence": ["is an add-on code.It must follow"]}, "glued"),
        ({"evidence": ["**Code 99931** is an add-on"]}, "markup"),
        ({"contains": ["primary"]}, "not in any of its evidence"),
        ({"answerable": "yes"}, "answerable must be"),
        ({"question": "  "}, "question must be"),
        ({"verdict": "maybe"}, "verdict 'maybe'"),
        ({"verdict": "allowed", "codes": []}, "must list its codes"),
        ({"verdict": "allowed", "codes": ["99931", "99910"]}, "does not appear in the question"),
        ({"codes": ["9993"]}, "not 5 characters"),
        ({"answerable": False}, "unanswerable item must have evidence []"),
        ({"answerable": False, "evidence": [], "contains": ["add-on"]}, "must have contains []"),
    ],
)
def test_bad_item_is_caught(tmp_path: Path, change: dict, expected: str) -> None:
    problems = validate_gold(_write(tmp_path / "bad.jsonl", [{**GOOD, **change}]), MATERIAL)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("bad.jsonl:1:") for p in problems)


def test_missing_field_and_broken_json_are_caught(tmp_path: Path) -> None:
    no_codes = {k: v for k, v in GOOD.items() if k != "codes"}
    problems = validate_gold(
        _write(tmp_path / "bad.jsonl", [no_codes, "{not json", "[1, 2]"]), MATERIAL
    )
    assert [p.split(": ", 1)[0] for p in problems] == ["bad.jsonl:1", "bad.jsonl:2", "bad.jsonl:3"]
    assert "missing field(s) codes" in problems[0]


def test_duplicate_ids_are_caught_within_and_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.jsonl", [GOOD, {**GOOD, "id": "t-02"}, GOOD])
    second = _write(tmp_path / "b.jsonl", [{**GOOD, "id": "t-02"}])
    problems = validate_gold([first, second], MATERIAL)
    assert problems == [
        "a.jsonl:3: duplicate id 't-01' (first at a.jsonl:1)",
        "b.jsonl:1: duplicate id 't-02' (first at a.jsonl:2)",
    ]


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = tmp_path / "note.txt"
    note.write_text(MATERIAL["note.txt"], encoding="utf-8")
    good = _write(tmp_path / "good.jsonl", [GOOD])
    bad = _write(tmp_path / "bad.jsonl", [{**GOOD, "lang": "xx"}])
    assert main([str(good), "--materials", str(note)]) == 0
    assert main([str(bad), "--materials", str(tmp_path)]) == 1
    assert "bad.jsonl:1: lang 'xx'" in capsys.readouterr().out
    assert main([str(good), "--materials", str(tmp_path / "absent.txt")]) == 2


def test_html_materials_are_read_as_visible_text(tmp_path: Path) -> None:
    page = (
        "<html><head><style>p{}</style><script>var x = 1;</script></head><body>"
        "<p>First&nbsp;part.</p><p>Second <b>bold</b> part &amp; more.</p></body></html>"
    )
    text = html_to_text(page)
    assert "var x" not in text and "p{}" not in text
    assert "part.\n" in text.replace("\xa0", " ")
    assert "second bold part & more." in fold(text)
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    assert load_materials([tmp_path])["page.html"] == text
