"""`python -m knowledge rules|check|audit` through main(argv, load_docs=...)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.__main__ import load_from_registry, main
from knowledge.models import DocumentRules
from tests.support.rules import fixture_rules

DOCS = [
    fixture_rules(n) for n in ("manual_style.txt", "second_code.md", "conflict_a.txt", "conflict_b.txt")
]


class Loader:
    """Records the store it was asked for and returns fixed documents."""

    def __init__(self, docs: list[DocumentRules]) -> None:
        self.docs = docs
        self.stores: list[Path] = []

    def __call__(self, store: Path) -> list[DocumentRules]:
        self.stores.append(store)
        return self.docs


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], docs: list[DocumentRules] = DOCS
) -> tuple[int, str, str]:
    code = main(argv, load_docs=Loader(docs))
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["rules", "--json"], capsys)
    assert code == 0 and err == ""
    rules = json.loads(out)
    assert [r["code"] for r in rules] == ["99912", "99930", "99960", "99980"]
    for r in rules:
        assert {
            "code",
            "add_on",
            "primary_codes",
            "excluded_codes",
            "see_also",
            "modifiers",
            "provenance",
        } <= set(r)
        assert r["primary_codes"] == sorted(set(r["primary_codes"]))
        for p in r["provenance"]:
            assert {"rule", "source", "chunk_id", "quote"} <= set(p)
    by_code = {r["code"]: r for r in rules}
    assert by_code["99980"]["primary_codes"] == ["99981"]
    assert by_code["99930"]["see_also"] == [
        {"when": "widget removal without alignment", "codes": ["99950", "99951"]}
    ]
    assert by_code["99912"]["modifiers"] == ["LT", "RT"]


@pytest.mark.parametrize(
    ("tokens", "status"),
    [
        (["99930", "99922"], "allowed"),
        (["99930-59x2,99940"], "not_allowed"),
        (["99930"], "missing_primary"),
        (["99912", "99977"], "missing_primary"),
        (["99901"], "unknown"),
    ],
)
def test_check_json(capsys: pytest.CaptureFixture[str], tokens: list[str], status: str) -> None:
    code, out, err = run(["check", *tokens, "--json"], capsys)
    assert code == 0 and err == ""
    verdict = json.loads(out)
    assert verdict["status"] == status
    for f in verdict["findings"]:
        assert f["severity"] in ("error", "warning", "info")
        assert {"code", "message", "rule", "citations"} <= set(f)
        for c in f["citations"]:
            assert {"n", "source", "chunk_id", "quote", "start", "end"} <= set(c)


def test_check_warns_about_conflicting_materials(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "99980", "99981", "--json"], capsys)
    assert code == 0
    verdict = json.loads(out)
    assert verdict["status"] == "allowed"
    assert {f["rule"] for f in verdict["findings"] if f["severity"] == "warning"} == {"audit"}


def test_audit_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["audit", "--json"], capsys)
    assert code == 0
    findings = json.loads(out)
    assert [(f["kind"], f["codes"]) for f in findings] == [
        ("conflict", ["99980"]),
        ("conflict", ["99980", "99982"]),
        ("example_excluded_pair", ["99912", "99920"]),
    ]
    assert all({"kind", "codes", "message", "citations"} <= set(f) for f in findings)


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["rules"], capsys)
    assert "99930 (add-on)" in out and "not with:    99940, 99945, 99946" in out
    _, out, _ = run(["check", "99930", "99940"], capsys)
    assert out.startswith("99930 99940: not_allowed")
    assert "99940 is listed as not to be reported with 99930" in out
    _, out, _ = run(["audit"], capsys)
    assert "example_excluded_pair (99912, 99920)" in out


def test_empty_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules", "--json"], capsys, docs=[])[1].strip() == "[]"
    assert json.loads(run(["check", "99930", "--json"], capsys, docs=[])[1])["status"] == "unknown"
    assert run(["audit", "--json"], capsys, docs=[])[1].strip() == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "5070"],
        ["check", "ABCDE", "--json"],
        ["check", "99930-XYZ"],
        ["check", ""],
        ["check", "   ", "--json"],
        ["check", ",", ""],
        ["check"],
        ["bogus"],
        [],
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    try:
        code = main(argv, load_docs=Loader(DOCS))
    except SystemExit as exc:  # argparse exits by itself
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def test_store_option_and_default(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    loader = Loader(DOCS)
    main(["rules", "--json", "--store", str(tmp_path / "s")], load_docs=loader)
    main(["rules", "--json"], load_docs=loader)  # conftest points CPTCITE_STORE at tmp
    capsys.readouterr()
    assert loader.stores == [tmp_path / "s", tmp_path / "store"]


def test_registry_loader_does_not_create_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    assert load_from_registry(missing) == []
    assert not missing.exists()
