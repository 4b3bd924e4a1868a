"""CPT code shapes: finding codes, code lists and ranges in text.

Decisions (documented here because the rest of the rule module relies on them):

- A code is five characters: four digits and then a digit (Category I, ``99930``) or one of
  ``F`` (Category II), ``T`` (Category III), ``U`` (laboratory analyses) or ``M``
  (multianalyte assays); or a HCPCS Level II code, an upper-case letter A-V and four digits
  (``G9901``: claims carry them beside CPT codes, and pairing rules name them). Lower-case
  CPT suffixes are accepted and upper-cased; a lower-case letter before four digits is not a
  code ("v2024" is a version).
- A code must stand alone: ``199930`` or ``99930a`` are not codes. A code glued to the next
  sentence (``99905.It``) still is, because ``.`` is not a letter or digit.
- A range ``A-B`` (also with an en or em dash, or the word ``through``) expands into every
  code from A to B when both ends have the same suffix, A < B and B - A <= 99 (at most 100
  codes, e.g. ``99921-99926``). Anything wider or mixed (``99100-99899``) reads as the two
  codes written: expanding it would invent codes the page never names.
- A code list is a run of codes and ranges joined by commas, semicolons, "and", "or",
  "and/or", "&" or a slash; it may open with words such as "these primary codes:" or "any
  of", a code may be preceded by "code(s)"/"CPT"/"add-on" and followed by a short
  parenthesised description. The run ends at the first word that is none of these.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "CODE_PATTERN",
    "CodeList",
    "codes_in",
    "expand_range",
    "find_codes",
    "is_code",
    "read_code_list",
]

#: One code, without boundaries (for composing bigger patterns).
CODE_PATTERN = r"(?:\d{4}[0-9FTUMftum]|[A-V]\d{4})"

_CODE = re.compile(rf"(?<![0-9A-Za-z]){CODE_PATTERN}(?![0-9A-Za-z])")
_FULL = re.compile(rf"{CODE_PATTERN}")
_RANGE_SEP = r"\s*(?:-|\u2013|\u2014|\s+through\s+|\s+thru\s+)\s*"
_ITEM = re.compile(
    rf"(?<![0-9A-Za-z])(?P<a>{CODE_PATTERN})(?:{_RANGE_SEP}(?P<b>{CODE_PATTERN}))?(?![0-9A-Za-z])"
)
# What may stand between two items of a list: punctuation, conjunctions, "code(s)", "CPT".
_JOINER = re.compile(
    r"(?:\s|,|;|/|&|:|\band/or\b|\band\b|\bor\b|\bcodes?\b|\bcpt\b|\badd-?on\b|"
    r"\b(?:the|these|those|following|listed|primary|any\s+of|one\s+of)\b)*",
    re.IGNORECASE,
)
# A short description after a code, "99950 (widget removal)"; codes inside it are not list items.
_NOTE = re.compile(rf"\s*\((?![^()]*{CODE_PATTERN})[^()]{{1,80}}\)")
_MAX_RANGE = 99


class CodeList(NamedTuple):
    """Codes read from a list, and where the list ends (an offset into the text)."""

    codes: list[str]
    end: int


def is_code(text: str) -> bool:
    """True when ``text`` is exactly one code (``99930``, ``0071T``)."""
    return _FULL.fullmatch(text) is not None


def expand_range(first: str, last: str) -> list[str]:
    """The codes from ``first`` to ``last`` when they form a narrow range, else the two ends.

    >>> expand_range("99921", "99924")
    ['99921', '99922', '99923', '99924']
    """
    first, last = first.upper(), last.upper()
    if first[0].isalpha() or last[0].isalpha():  # HCPCS Level II: same letter, then digits
        lo, hi = int(first[1:]) if first[0].isalpha() else -1, int(last[1:])
        if first[0] == last[0] and lo < hi and hi - lo <= _MAX_RANGE:
            return [f"{first[0]}{n:04d}" for n in range(lo, hi + 1)]
        return sorted({first, last})
    if first[4].isdigit() and last[4].isdigit():
        lo, hi, suffix, width = int(first), int(last), "", 5
    elif first[4] == last[4]:
        lo, hi, suffix, width = int(first[:4]), int(last[:4]), first[4], 4
    else:
        return sorted({first, last})
    if lo < hi and hi - lo <= _MAX_RANGE:
        return [f"{n:0{width}d}{suffix}" for n in range(lo, hi + 1)]
    return sorted({first, last})


def find_codes(text: str) -> list[tuple[str, int, int]]:
    """Every code written in ``text`` as ``(code, start, end)``, in reading order (no ranges)."""
    return [(m.group().upper(), m.start(), m.end()) for m in _CODE.finditer(text)]


def codes_in(text: str) -> list[str]:
    """Every code ``text`` names, ranges expanded; sorted and de-duplicated."""
    found: set[str] = set()
    for m in _ITEM.finditer(text):
        if m.group("b"):
            found.update(expand_range(m.group("a"), m.group("b")))
        else:
            found.add(m.group("a").upper())
    return sorted(found)


def read_code_list(text: str, pos: int) -> CodeList:
    """Read the list of codes that starts at ``pos`` (after joiners); empty when none does.

    >>> read_code_list("use 99921-99923, and 99927 when needed", 4)
    CodeList(codes=['99921', '99922', '99923', '99927'], end=26)
    """
    codes: set[str] = set()
    end = pos
    cursor = pos
    while True:
        cursor = _JOINER.match(text, cursor).end()
        m = _ITEM.match(text, cursor)
        if m is None:
            break
        if m.group("b"):
            codes.update(expand_range(m.group("a"), m.group("b")))
        else:
            codes.add(m.group("a").upper())
        end = cursor = m.end()
        note = _NOTE.match(text, cursor)
        if note is not None:
            cursor = note.end()
    return CodeList(sorted(codes), end)
