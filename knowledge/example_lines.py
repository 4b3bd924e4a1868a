"""What a worked example reports: its codes with their modifiers and sides, without the codes
it names only to rule them out or to price something else.

A worked example may say "Bill 99910 and 99931; do not add 99932", or "99945 on the right
and 99946 on the left", or "... less the 99940 allowance": the
audit compares what it reports with the rules (``knowledge.audit``), so a code the example
says not to add, or names only for its price, is not on its claim, and a side or a
distinct-service modifier goes with its code as on a claim line.

Example::

    lines = example_lines("Report 99931-XS on separate lesions; do not add 99932.")
    lines.codes == ["99931"]; lines.modifiers == {"99931": ["XS"]}; lines.apart is True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.codes import codes_in, find_codes

__all__ = ["ExampleLines", "example_lines"]

_I = re.IGNORECASE
# Clauses: a sentence, a table cell, a line, or what "but" sets against the rest. A point
# inside an amount ("$12.50") ends nothing.
_CLAUSE = re.compile(r"[;|\n]|\.(?=\s|$)|\bbut\b", _I)
# "do not add 99932", "is not reported with 99932", "never billed with", "rather than 99932"
_RULED_OUT_BEFORE = re.compile(
    r"\b(?:not|never|no|rather\s+than|instead\s+of)\b(?:\s+[A-Za-z]+){0,3}\s*:?\s*$", _I
)
# "99932 is not added", "99932 was never billed"
_RULED_OUT_AFTER = re.compile(r"^\s+(?:is|are|was|were)\s+(?:not|never)\b", _I)
# "the 99940 allowance", "the 99940 fee": a price, not a line of the claim
_PRICE_OF = re.compile(
    r"^\s+(?:allowance|allowable|allowed\s+amount|fee|rate|price|payment|amount|RVUs?)\b", _I
)
_MODIFIERS = re.compile(r"^(?:\s?-\s?[0-9A-Z]{2}(?![0-9A-Za-z]))+")
_SIDE = re.compile(r"^\s*(?:\(\s*|,\s*)?(?:on|of|to|at)?\s*(?:the\s+)?(right|left)\b", _I)
# "on separate lesions", "at different sites", "of the opposite side"
_APART = re.compile(
    r"\b(?:on|at|in|for|of|to)\s+(?:the\s+)?(?:separate|different|distinct|opposite)\s+\w+", _I
)


@dataclass(frozen=True)
class ExampleLines:
    """The codes an example reports (sorted), the modifiers written on each, and whether it
    says its services were at different sites."""

    codes: list[str]
    modifiers: dict[str, list[str]] = field(default_factory=dict)
    apart: bool = False


def example_lines(text: str) -> ExampleLines:
    """Read the claim lines of the example ``text`` (see the module's docstring)."""
    reported: set[str] = set()
    named: set[str] = set()
    modifiers: dict[str, list[str]] = {}
    for clause in _CLAUSE.split(text):
        for code, start, end in find_codes(clause):
            named.add(code)
            after = clause[end:]
            if _RULED_OUT_BEFORE.search(clause[:start]) or _RULED_OUT_AFTER.match(after):
                continue
            if _PRICE_OF.match(after):
                continue
            reported.add(code)
            mods = modifiers.setdefault(code, [])
            if (m := _MODIFIERS.match(after)) is not None:
                mods += [x for x in re.findall(r"[0-9A-Z]{2}", m.group()) if x not in mods]
            if (side := _SIDE.match(after)) is not None:
                mark = "RT" if side.group(1).lower() == "right" else "LT"
                if mark not in mods:
                    mods.append(mark)
    # A code inside a written range ("99910-99915") is reported with the range.
    reported |= set(codes_in(text)) - named
    return ExampleLines(
        codes=sorted(reported),
        modifiers={c: m for c, m in sorted(modifiers.items()) if m and c in reported},
        apart=bool(_APART.search(text)),
    )
