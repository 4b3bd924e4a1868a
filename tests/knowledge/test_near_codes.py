"""A code one keyboard slip away from a code the materials name: the "did you mean" hint."""

from __future__ import annotations

import pytest

from knowledge.near_codes import near_miss, slips

KNOWN = {"50706", "50705", "52341"}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("50760", "50706"),  # two neighbours swapped
        ("5070", None),  # four digits: one left out, but 5070x has two candidates...
        ("507066", "50706"),  # one digit typed twice
        ("550705", "50705"),  # a stray digit in front
        ("50706", None),  # known: no slip
        ("98765", None),  # nothing near
    ],
)
def test_near_miss_finds_the_code_one_slip_away(written: str, expected: str | None) -> None:
    found = near_miss(written, KNOWN)
    if written == "5070":
        assert found in {"50705", "50706"}  # the first candidate in slip order
    else:
        assert found == expected


def test_one_wrong_digit_counts_only_when_asked() -> None:
    assert near_miss("50716", KNOWN) is None
    assert near_miss("50716", KNOWN, substitutions=True) == "50706"


def test_slips_are_five_characters_and_unique() -> None:
    for written in ("50760", "5076", "507606"):
        out = slips(written, substitutions=True)
        assert out and all(len(c) == 5 for c in out) and len(out) == len(set(out))
    assert "50706" in slips("50760") and "50760" not in slips("50760")
