"""Claim edits the materials state: procedure-to-procedure (PTP) pairs and unit limits (MUE).

Read from one unit of text (a sentence, a list item or a table row), as ``SentenceRule``s:

- ``pair_edit`` from a table row that carries its column headers ("Column 1: 99930 | Column 2:
  99940 | Effective date: 01/01/2024 | Deletion date: * | Modifier indicator: 1"): subject the
  column-1 code, ``codes`` the column-2 code, ``values`` (indicator, effective, deleted) with
  the dates as ISO strings ("" when none is given; "*" means still active). Headers are
  recognised by the CMS names ("Column 1"/"Column one"/"Comprehensive code", "Column 2"/
  "Component code", "Modifier indicator", "Effective", "Deletion"); the indicator must be 0, 1
  or 9, else the row gives no edit.
- ``add_on`` and ``primary`` from a row of an add-on code edit table ("Add-on Code: 99931 |
  Primary Code: 99910 | AOC Edit Type: 1"); a row with a deletion date states nothing.
- ``unit_limit`` (``values`` = (limit,)): a row cell under an MUE header ("MUE: 2", "MUE value:
  13", "Max units per day: 4", never "MUE adjudication indicator"), for the row's code (the
  first cell whose value is a code) or, in a two-column key/value table ("Component: MUE
  (per date of service) | Value: 1"), the section's code; in prose, "MUE of 2", "The MUE for
  99930 is 2 units", "the medically unlikely edit for 99930 is 1 unit", "MUE: 99930: 1 per
  date of service; 99931: 4 ...", "more than 2 units ... are denied", "limited to 2 units".
  A limit stated per side (bilateral) is not read: it is not a limit on the claim line.
Nothing here knows a code or a table of any payer: every edit comes from the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from knowledge.codes import CODE_PATTERN, find_codes
from knowledge.rule_phrases import SentenceRule
from knowledge.table_rows import table_row

__all__ = ["EDIT_LAYOUTS", "iso_date", "key_columns", "read_edits"]

_I = re.IGNORECASE
_CODE_AT_START = re.compile(rf"^\W{{0,2}}({CODE_PATTERN})(?![0-9A-Za-z])")
_COLUMN_1 = re.compile(r"^(?:col(?:umn)?\.?\s*(?:1|one|i)\b|comprehensive\b)", _I)
_COLUMN_2 = re.compile(r"^(?:col(?:umn)?\.?\s*(?:2|two|ii)\b|component\s+code\b)", _I)
# "Modifier indicator", "Modifier", "Mod. ind.", CMS's "Modifier 0=not allowed 1=allowed ..."
_INDICATOR = re.compile(r"^mod(?:ifier)?\.?(?:\s+ind(?:icator)?\.?)?(?:\s+\d=|\s*$)", _I)
_ADD_ON_CELL = re.compile(r"\badd-?\s?on\s+code\b|^aoc$", _I)
_PRIMARY_CELL = re.compile(r"\bprimary\s+code\b(?!.*\bdate\b)", _I)
_EFFECTIVE = re.compile(r"\beffective\b|\bstart\b|\bbegin", _I)
_DELETION = re.compile(r"\bdelet|\bend\s+date\b|\bterminat", _I)
_MUE_HEADER = re.compile(
    r"\bMUEs?\b|\bmedically\s+unlikely\b|\bmax(?:imum)?\.?\s+units\b|"
    r"\bunits?\s+(?:per|/)\s+(?:day|date|dos)\b",
    _I,
)
_NOT_A_LIMIT = re.compile(
    r"\b(?:indicator|adjudication|rationale|notes?|type|reason|mai|version|quarter)\b|(?<!per )\bdate\b", _I
)
_CODE_HEADER = re.compile(r"\b(?:hcpcs|cpt|code)\b", _I)
_COUNT = re.compile(r"^\s*(\d{1,4})(?![\d.,/%$-])")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12,
}
_N = r"(\d{1,4}|" + "|".join(_NUMBER_WORDS) + r")(?![\d%]|[.,]\d)"
_MUE_WORD = r"(?:\bMUEs?\b|\bmedically\s+unlikely\s+edits?(?:\s*\(MUEs?\))?)"
_PER_SIDE = re.compile(r"\bper\s+side\b|\beach\s+side\b|\bbilateral|\bper\s+kidney\b", _I)
# "The MUE for 99930 is 2 units", "MUE value of 2", "medically unlikely edit for 99930 is 1 unit"
_PROSE_MUE = re.compile(
    rf"{_MUE_WORD}(?:\s+(?:value|limit))?(?:\s*\([^()]{{0,40}}\))?"
    rf"(?:\s+(?:for|of|on)\s+(?:(?:cpt|code|add-?on)\s+)*(?P<code>{CODE_PATTERN}))?"
    rf"(?:\s*\([^()]{{0,60}}\))?\s*(?:is|are|=|:|of|equals)\s+(?:set\s+at\s+|only\s+)?{_N}"
    rf"(?!\s*(?:%|percent|days?|hours?|years?|months?))",
    _I,
)
# "MUE: 99930: 1 per date of service; 99931: 4 per date of service"
_LEAD_MUE = re.compile(rf"^\W*{_MUE_WORD}\s*:", _I)
_CODE_COUNT = re.compile(rf"(?<![0-9A-Za-z])({CODE_PATTERN})\s*[:=\u2013-]\s*{_N}", _I)
# "more than 2 units ... are denied", "limited to 2 units per day"
_OVER = re.compile(
    rf"\b(?:more\s+than|in\s+excess\s+of|exceed(?:s|ing)?|above|over)\s+{_N}\s+units?\b", _I
)
_DENIED = re.compile(
    r"\b(?:den(?:y|ies|ied|ial)|reject(?:s|ed|ion)?|not\s+(?:paid|payable|allowed|reimbursed))\b",
    _I,
)
_CAPPED = re.compile(
    rf"\b(?:limited\s+to|maximum\s+of|max(?:imum)?\s*(?:is|=|:)|no\s+more\s+than|up\s+to\s+a\s+"
    rf"maximum\s+of|at\s+most)\s+{_N}\s+units?\b",
    _I,
)


def iso_date(text: str) -> str:
    """A date cell as ``YYYY-MM-DD`` ("01/01/2019", "20240101", "2019-01-01"); "" for none
    ("*", "n/a", blank) or a value that is no date.

    >>> iso_date("07/01/2020"), iso_date("20220401"), iso_date("*")
    ('2020-07-01', '2022-04-01', '')
    """
    t = text.strip()
    patterns = [
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", (3, 1, 2)),
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", (1, 2, 3)),
        (r"(\d{4})(\d{2})(\d{2})", (1, 2, 3)),
    ]
    for pattern, (y, mo, d) in patterns:
        m = re.fullmatch(pattern, t)
        if m is None:
            continue
        try:
            return date(int(m.group(y)), int(m.group(mo)), int(m.group(d))).isoformat()
        except ValueError:
            return ""
    return ""


def _is_limit_header(text: str) -> bool:
    """A header (or a key cell) naming a unit limit: "MUE", "MUE Values", "Max units per
    day"; not "MUE Adjudication Indicator" nor "MUE Rationale"."""
    return bool(_MUE_HEADER.search(text)) and not _NOT_A_LIMIT.search(text)


#: The claim-edit table layouts: for each, what its header row must hold (a cell each).
EDIT_LAYOUTS: tuple[tuple[str, tuple[Callable[[str], bool], ...]], ...] = (
    ("PTP edits", (_COLUMN_1.search, _COLUMN_2.search, _INDICATOR.search)),
    ("add-on code edits", (_ADD_ON_CELL.search, _PRIMARY_CELL.search)),
    ("MUE edits", (_CODE_HEADER.search, _is_limit_header)),
)


def key_columns(kind: str, header: Sequence[str]) -> tuple[int, ...] | None:
    """The columns a layout's rows are looked up by, or None when the header lacks one: a PTP
    table's column 1 and column 2, an add-on code table's add-on and primary code, an MUE
    table's code."""
    def first(has: Callable[[str], object]) -> int | None:
        return next((i for i, h in enumerate(header) if h.strip() and has(h.strip())), None)

    if kind == "PTP edits":
        cols = (first(_COLUMN_1.search), first(_COLUMN_2.search))
    elif kind == "add-on code edits":
        cols = (first(_ADD_ON_CELL.search), first(_PRIMARY_CELL.search))
    elif kind == "MUE edits":
        cols = (first(lambda h: _CODE_HEADER.search(h) and not _is_limit_header(h)),)
    else:
        return None
    return None if None in cols else tuple(c for c in cols if c is not None)


def _code_of(value: str) -> str | None:
    m = _CODE_AT_START.match(value)
    return m.group(1).upper() if m else None


def _first(cells: list[tuple[str, str]], header: re.Pattern[str]) -> str | None:
    return next((v for h, v in cells if header.search(h)), None)


def _code_under(cells: list[tuple[str, str]], header: re.Pattern[str]) -> str | None:
    """The code in the first cell under ``header``, if that cell opens with one."""
    return _code_of(_first(cells, header) or "")


def _pair_edit(cells: list[tuple[str, str]]) -> list[SentenceRule]:
    first = _code_under(cells, _COLUMN_1)
    second = _code_under(cells, _COLUMN_2)
    indicator = _first(cells, _INDICATOR)
    if not first or not second or first == second or indicator is None:
        return []
    flag = indicator.strip()[:1]
    if flag not in ("0", "1", "9") or indicator.strip()[1:2].isdigit():
        return []
    effective = iso_date(_first(cells, _EFFECTIVE) or "")
    deleted = iso_date(_first(cells, _DELETION) or "")
    return [SentenceRule("pair_edit", (first,), (second,), values=(flag, effective, deleted))]


def _add_on_edit(cells: list[tuple[str, str]]) -> list[SentenceRule]:
    """A row of an add-on code edit table: the add-on code and one of its primary codes (a row
    whose deletion date is given is a pairing that ended, and states nothing)."""
    add_on = _code_under(cells, _ADD_ON_CELL)
    if add_on is None:
        return []
    if any(_DELETION.search(h) and iso_date(v) for h, v in cells):
        return []
    primary = _code_under(cells, _PRIMARY_CELL)
    rules = [SentenceRule("add_on", (add_on,))]
    if primary and primary != add_on:
        rules.append(SentenceRule("primary", (add_on,), (primary,)))
    return rules


def _row_limit(cells: list[tuple[str, str]], context: str | None) -> list[SentenceRule]:
    code = next((c for _, v in cells if (c := _code_of(v))), None)
    for i, (header, value) in enumerate(cells):
        if _is_limit_header(header):
            count = _COUNT.match(value)
            if count and code and not _PER_SIDE.search(value):
                return [SentenceRule("unit_limit", (code,), values=(count.group(1),))]
        # A key/value table: "Component: MUE (per date of service) | Value: 1".
        if len(cells) == 2 and i == 0 and _is_limit_header(value) and not _PER_SIDE.search(value):
            count = _COUNT.match(cells[1][1])
            subject = code or context
            if count and subject:
                return [SentenceRule("unit_limit", (subject,), values=(count.group(1),))]
    return []


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _prose_limits(sentence: str, context: str | None) -> list[SentenceRule]:
    found: dict[str, int] = {}
    clauses = [c for c in re.split(r";|,\s+and\s+|\.\s", sentence) if c.strip()]
    lead = _LEAD_MUE.match(sentence) is not None
    for clause in clauses:
        if _PER_SIDE.search(clause):
            continue
        named = sorted({c for c, _, _ in find_codes(clause)})
        subject = named[0] if len(named) == 1 else (context if not named else None)
        if lead:
            for m in _CODE_COUNT.finditer(clause):
                found.setdefault(m.group(1).upper(), _number(m.group(2)))
        for m in _PROSE_MUE.finditer(clause):
            code = (m.group("code") or "").upper() or subject
            if code:
                found.setdefault(code, _number(m.group(2)))
        over = _OVER.search(clause)
        if over and _DENIED.search(clause) and subject:
            found.setdefault(subject, _number(over.group(1)))
        capped = _CAPPED.search(clause)
        if capped and subject:
            found.setdefault(subject, _number(capped.group(1)))
    return [SentenceRule("unit_limit", (code,), values=(str(n),)) for code, n in found.items()]


def read_edits(text: str, context: str | None) -> list[SentenceRule]:
    """The PTP edits and unit limits one unit of text states (see the module docstring);
    ``context`` is the code of the section it sits in."""
    cells = table_row(text)
    if cells is not None:
        return _pair_edit(cells) or _add_on_edit(cells) or _row_limit(cells, context)
    return _prose_limits(text, context)
