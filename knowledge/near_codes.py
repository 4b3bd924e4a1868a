"""Codes one slip of the keyboard away from another: "did you mean 99931?" for 99913.

A coder who types 99913 for 99931 (two digits swapped), 9993 (one left out) or 999311 (one
doubled) asks about a code the materials never name. Answering from the code's neighbours
would be wrong; saying "no information" without the near miss leaves the coder guessing.
One digit written wrong (99921) is a weaker sign: neighbouring codes differ in one digit
(99910, 99911, 99914 may all be codes), so callers ask for it only where nothing else on the
question decides it. Pure functions over code strings.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["near_miss", "slips"]


def slips(written: str, substitutions: bool = False) -> list[str]:
    """The five-character strings one slip away from ``written``, likeliest first: two
    neighbours swapped (and, with ``substitutions``, one digit wrong) when five characters
    are written, one left out (four written), one typed twice or stray (six written)."""
    w = written.upper()
    out: list[str] = []
    if len(w) == 5:
        out += [w[:i] + w[i + 1] + w[i] + w[i + 2 :] for i in range(4) if w[i] != w[i + 1]]
        if substitutions:
            out += [w[:i] + d + w[i + 1 :] for i in range(5) for d in "0123456789" if d != w[i]]
    elif len(w) == 4:
        out += [w[:i] + d + w[i:] for i in range(5) for d in "0123456789"]
    elif len(w) == 6:
        out += [w[:i] + w[i + 1 :] for i in range(6)]
    return list(dict.fromkeys(out))


def near_miss(written: str, known: Iterable[str], substitutions: bool = False) -> str | None:
    """The known code ``written`` most likely stands for (see ``slips``), or None.

    >>> near_miss("99913", {"99931", "99930"})
    '99931'
    >>> near_miss("99921", {"99931"}), near_miss("99921", {"99931"}, substitutions=True)
    (None, '99931')
    """
    pool = set(known)
    if written.upper() in pool:
        return None
    return next((c for c in slips(written, substitutions) if c in pool), None)
