"""A code one keyboard slip away from a code the materials name: the "did you mean" hint."""

from __future__ import annotations

import pytest

from knowledge.near_codes import near_miss, slips

KNOWN = {"99931", "99930", "99945"}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("99913", "99931"),  # two neighbours swapped
        ("9993", None),  # four digits: one left out, but 9993x has two candidates...
        ("999311", "99931"),  # one digit typed twice
        ("599930", "99930"),  # a stray digit in front
        ("99931", None),  # known: no slip
        ("98765", None),  # nothing near
    ],
)
def test_near_miss_finds_the_code_one_slip_away(written: str, expected: str | None) -> None:
    found = near_miss(written, KNOWN)
    if written == "9993":
        assert found in {"99930", "99931"}  # the first candidate in slip order
    else:
        assert found == expected


def test_one_wrong_digit_counts_only_when_asked() -> None:
    assert near_miss("99921", KNOWN) is None
    assert near_miss("99921", KNOWN, substitutions=True) == "99931"


def test_slips_are_five_characters_and_unique() -> None:
    for written in ("99913", "9991", "999131"):
        out = slips(written, substitutions=True)
        assert out and all(len(c) == 5 for c in out) and len(out) == len(set(out))
    assert "99931" in slips("99913") and "99913" not in slips("99913")
