"""Code shapes, ranges and code lists (table-driven from tests/data/rules/code_lists.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.codes import codes_in, expand_range, find_codes, is_code, read_code_list

CASES = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "rules" / "code_lists.json").read_text()
)


@pytest.mark.parametrize("case", CASES["codes_in"], ids=lambda c: c["text"][:30])
def test_codes_in(case: dict) -> None:
    assert codes_in(case["text"]) == case["codes"]


@pytest.mark.parametrize("case", CASES["read_code_list"], ids=lambda c: c["text"][:30])
def test_read_code_list(case: dict) -> None:
    listed = read_code_list(case["text"], case["pos"])
    assert listed.codes == case["codes"]
    if listed.codes:
        # The list ends right after its last code (or its description).
        tail = case["text"][: listed.end]
        assert tail.rstrip(")").endswith(tuple(listed.codes)) or tail.endswith(")")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("99901", True),
        ("0071T", True),
        ("0591F", True),
        ("0001U", True),
        ("0002M", True),
        ("9990", False),
        ("999012", False),
        ("G0101", True),
        ("g0101", False),
        ("W0101", False),
        ("0071X", False),
        ("", False),
    ],
)
def test_is_code(text: str, expected: bool) -> None:
    assert is_code(text) is expected


def test_range_limit_is_one_hundred_codes() -> None:
    assert len(expand_range("99800", "99899")) == 100
    assert expand_range("99800", "99900") == ["99800", "99900"]
    assert expand_range("99901", "99901") == ["99901"]


def test_find_codes_gives_offsets() -> None:
    text = "Use 99930 with 99901.It"
    assert [(c, text[s:e]) for c, s, e in find_codes(text)] == [
        ("99930", "99930"),
        ("99901", "99901"),
    ]
