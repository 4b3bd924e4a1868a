"""The claim checker: parse claim lines and decide them against the materials' rules.

Statuses (CONTRACT.md, `knowledge check`), decided in this order:
- ``not_allowed``: a code on the claim is excluded by the materials of another code on it
  (exclusion wins over any primary also present). Exclusions are read for every code with
  rules, not only add-ons: "do not report A with B" forbids the pair either way round. Also
  ``not_allowed``: a procedure-to-procedure (PTP) edit in the materials pairs two codes of the
  claim with modifier indicator 0, or with indicator 1 while the column-2 code carries no
  distinct-service modifier (59, XE, XP, XS, XU: the modifiers CMS defines for bypassing an
  edit); or a code is reported with more units than the unit limit (MUE) the materials give.
  An edit applies on the date of service: from its effective date, before its deletion date.
- ``missing_primary``: an add-on code has none of its listed primary codes on the claim, or
  is reported alone.
- ``allowed``: at least one add-on code was decided and every one has a listed primary; or,
  with no add-on code deciding, the materials say so outright: one code of the claim "may be
  reported separately with" another on it, a code reported alone is called stand-alone
  ("may be reported on its own"), or a PTP edit with indicator 1 is bypassed by a
  distinct-service modifier on the column-2 code.
- ``unknown``: nothing above decides the claim (no rules at all, or an add-on whose
  materials list no primary codes, reported with other codes).
Units and modifiers change the status only through unit limits and PTP edits; the order of
the lines never does.

``Finding.code`` is always the code whose materials state the rule (the add-on code for
``primary``, the excluding code for ``excluded``, the line's code for ``modifier``); the other
code is named in the message. ``explain_claim`` returns the same findings as parameters
(``key``, ``code``, ``partner``, ``detail``) so another layer can word them in another
language; ``finding_message`` is the English wording.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from knowledge.codes import codes_in
from knowledge.errors import ClaimError
from knowledge.models import (
    AuditFinding,
    Citation,
    ClaimLine,
    CodeRules,
    DocumentRules,
    Finding,
    Verdict,
)
from knowledge.rule_merge import citations_for, merge_rules, provenance_naming

__all__ = [
    "DISTINCT_SERVICE_MODIFIERS",
    "FindingParams",
    "called_stand_alone",
    "check_claim",
    "explain_claim",
    "finding_message",
    "parse_claim",
    "verdict_from",
]

_ITEM = re.compile(r"(?P<code>\d{4}[0-9FTUM]|[A-V]\d{4})(?P<mods>(?:-[0-9A-Z]{2})*)(?:X(?P<units>\d{1,4}))?")
_SPLIT = re.compile(r"[,;\s]+")
_FORMAT_HELP = (
    "write a 5-character code (4 digits, then a digit or F/T/U/M; or a HCPCS letter A-V "
    "and 4 digits), optionally -MODIFIER "
    "(2 characters, repeatable) and xUNITS, e.g. 99930-50x2"
)
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
#: The modifiers that bypass a PTP edit with indicator 1 (CMS: distinct procedural service).
DISTINCT_SERVICE_MODIFIERS = ("59", "XE", "XP", "XS", "XU")
# key -> (Finding.rule, English template)
_TEMPLATES: dict[str, tuple[str, str]] = {
    "excluded": ("excluded", "{partner} is listed as not to be reported with {code}"),
    "primary": ("primary", "{partner} is a listed primary code for add-on code {code}"),
    "missing_primary": (
        "primary",
        "{code} is an add-on code, but none of its listed primary codes is on the claim",
    ),
    "alone": ("add_on", "{code} is an add-on code and cannot be reported without a primary code"),
    "add_on": ("add_on", "{code} is an add-on code"),
    "separate": ("separate", "{partner} may be reported separately with {code}"),
    "unless": (
        "excluded",
        ("{partner} is listed as not to be reported with {code} unless {detail} is on the "
         "claim, and it is"),
    ),
    "other_site": (
        "excluded",
        ("{partner} is listed as not to be reported with {code} at the same site only; the "
         "claim puts them at different sites ({detail})"),
    ),
    "reported_with": ("primary", "the materials say {code} is reported with {partner}"),
    "stand_alone": ("stand_alone", "{code} is a stand-alone code and may be reported on its own"),
    "no_primary_list": (
        "add_on",
        "{code} is an add-on code, but the materials list no primary codes for it",
    ),
    "modifier": ("modifier", "modifier {partner} on {code}: the materials mention it{detail}"),
    "see_also": ("see_also", "for {detail}, the materials point to {partner}"),
    "pair_never": (
        "pair_edit",
        "a PTP edit never pays {partner} with {code} (modifier indicator 0)",
    ),
    "pair_needs_modifier": (
        "pair_edit",
        ("a PTP edit pays {partner} with {code} only with a distinct-service modifier "
        "({detail}) on {partner} (modifier indicator 1); none is on the claim"),
    ),
    "pair_modifier": (
        "pair_edit",
        ("a PTP edit pays {partner} with {code} with a distinct-service modifier "
        "(modifier indicator 1); the claim carries {detail} on {partner}"),
    ),
    "separate_modifier": (
        "separate_modifier",
        ("{partner} may be reported with {code} when a distinct-service modifier marks the "
        "separate service; the claim carries {detail}"),
    ),
    "pair_inactive": ("pair_edit", "the PTP edit of {partner} with {code} does not apply: {detail}"),
    "unit_limit": (
        "unit_limit",
        "{code} is reported with {detail} units, more than its unit limit (MUE) of {partner}",
    ),
    "audit": ("audit", "the materials contradict themselves about {code}: {detail}"),
}


class FindingParams(NamedTuple):
    """A finding as parameters: ``finding_message(key, code, partner, detail)`` words it."""

    severity: str
    key: str
    code: str
    partner: str = ""
    detail: str = ""
    citations: tuple[Citation, ...] = ()

    @property
    def rule(self) -> str:
        """The contract's rule name (excluded, primary, add_on, separate, stand_alone,
        modifier, see_also, audit)."""
        return _TEMPLATES[self.key][0]


def finding_message(key: str, code: str, partner: str = "", detail: str = "") -> str:
    """The English message for a finding key (see ``_TEMPLATES``); raises KeyError if unknown.

    >>> finding_message("excluded", "99930", "99940")
    '99940 is listed as not to be reported with 99930'
    """
    if key == "modifier" and detail:
        detail = f" ({detail})"
    return _TEMPLATES[key][1].format(code=code, partner=partner, detail=detail)


def parse_claim(tokens: list[str]) -> list[ClaimLine]:
    """Parse claim tokens (``99930``, ``99930-59-50``, ``99930x2``; comma or space separated).

    Raises ClaimError (one line) for a malformed code, modifier or unit count, or no codes.
    """
    items = [item for token in tokens for item in _SPLIT.split(token) if item]
    if not items:
        raise ClaimError("empty claim: give at least one code, e.g. 99930 99921")
    lines: list[ClaimLine] = []
    for item in items:
        m = _ITEM.fullmatch(item.upper())
        if m is None:
            raise ClaimError(f"malformed claim code {item!r}: {_FORMAT_HELP}")
        units = int(m.group("units") or 1)
        if units < 1:
            raise ClaimError(f"units must be at least 1 in {item!r}, e.g. 99930x2")
        mods = [mod for mod in m.group("mods").split("-") if mod]
        lines.append(ClaimLine(code=m.group("code"), modifiers=mods, units=units))
    return lines


def _by_code(rules: list[CodeRules]) -> dict[str, CodeRules]:
    if len({r.code for r in rules}) == len(rules):
        return {r.code: r for r in rules}
    # Several entries for one code (unmerged input): merge them with the usual precedence.
    merged, _ = merge_rules(
        [DocumentRules(doc_id=str(i), source="", rules=[r]) for i, r in enumerate(rules)]
    )
    return {r.code: r for r in merged}


def _cite(rules: CodeRules, kind: str, code: str | None = None) -> tuple[Citation, ...]:
    return tuple(citations_for(provenance_naming(rules, kind, code)))


def _edit_findings(
    present: set[str],
    lines: list[ClaimLine],
    by_code: dict[str, CodeRules],
    on: date,
    marked: dict[str, set[str]],
) -> tuple[bool, bool, list[FindingParams]]:
    """What the PTP edits and unit limits of the materials say of the claim, as
    ``(blocked, decided, findings)``: blocked when an edit or a limit denies a line, decided
    when a modifier bypasses an edit (``marked``: each code's distinct-service modifiers)."""
    found: list[FindingParams] = []
    blocked = decided = False
    units: dict[str, int] = {}
    for line in lines:
        units[line.code] = units.get(line.code, 0) + line.units
    for code in sorted(present):
        rules = by_code.get(code)
        if rules is None:
            continue
        if rules.unit_limit is not None and units[code] > rules.unit_limit:
            blocked = True
            cites = _cite(rules, "unit_limit", code)
            found.append(
                FindingParams(
                    "error", "unit_limit", code, str(rules.unit_limit), str(units[code]), cites
                )
            )
        for edit in rules.pair_edits:
            partner = edit.column2
            if partner not in present:
                continue
            cites = _cite(rules, "pair_edit", partner)
            inactive = _inactive(edit.indicator, edit.effective, edit.deleted, on)
            bypass = sorted(marked[partner])
            if inactive:
                found.append(FindingParams("info", "pair_inactive", code, partner, inactive, cites))
            elif edit.indicator == "0":
                blocked = True
                found.append(FindingParams("error", "pair_never", code, partner, "", cites))
            elif bypass:
                decided = True
                detail = ", ".join(bypass)
                found.append(FindingParams("info", "pair_modifier", code, partner, detail, cites))
            else:
                blocked = True
                detail = ", ".join(DISTINCT_SERVICE_MODIFIERS)
                found.append(
                    FindingParams("error", "pair_needs_modifier", code, partner, detail, cites)
                )
    return blocked, decided, found


def _inactive(indicator: str, effective: str, deleted: str, on: date) -> str:
    """Why a PTP edit does not apply on ``on`` ("" when it does)."""
    if indicator == "9":
        return "modifier indicator 9 (no edit)"
    if deleted and date.fromisoformat(deleted) <= on:
        return f"deleted {deleted}"
    if effective and date.fromisoformat(effective) > on:
        return f"effective only from {effective}"
    return ""


# An exclusion limited to one site: "(Do not report 99975 with 99976 for the same joint)",
# "... on the same lesion", "at the same anatomic site". A same day, session or claim is a
# time, not a site.
_SAME_SITE = re.compile(
    r"\b(?:for|on|of|at|in|to)\s+the\s+same\s+(?!(?:day|date|session|visit|encounter|"
    r"claim|time|patient|provider|physician|surgeon|operative|procedure|service)\b)[a-z]",
    re.IGNORECASE,
)
# Modifiers that put two lines at different sites: sides, digits and eyelids apart (RT/LT,
# F0-F9/FA, T0-T9/TA, E1-E4, LC/LD/LM/RC/RI), or a distinct-site modifier (59, XS).
_SITE_MODIFIER = re.compile(r"^(?:RT|LT|F[0-9A]|T[0-9A]|E[1-4]|LC|LD|LM|RC|RI)$")
_DISTINCT_SITE = frozenset({"59", "XS"})


def _same_site_only(quotes: list[str]) -> bool:
    """Every sentence excluding the pair (``quotes``) limits it to the same site."""
    return bool(quotes) and all(_SAME_SITE.search(q) for q in quotes)


_UNLESS = re.compile(r"\bunless\b", re.IGNORECASE)


def _unless_codes(quotes: list[str], pair: set[str]) -> set[str]:
    """The codes that lift the exclusion of the ``pair`` ("99952 is not reported with 99950
    unless 99951 is also reported"): named after "unless" in every sentence excluding it
    (``quotes``; empty when one sentence names none)."""
    lifted: set[str] = set()
    for quote in quotes:
        m = _UNLESS.search(quote)
        named = set(codes_in(quote[m.end():])) - pair if m else set()
        if not named:
            return set()
        lifted |= named
    return lifted


def _sites_apart(code: str, partner: str, lines: list[ClaimLine], apart: bool) -> str:
    """Why the claim puts ``code`` and ``partner`` at different sites ("" when it does not):
    different side or digit modifiers, a distinct-site modifier, or the question saying so."""
    mods = {c: {m for line in lines if line.code == c for m in line.modifiers}
            for c in (code, partner)}
    sites = [{m for m in mods[c] if _SITE_MODIFIER.match(m)} for c in (code, partner)]
    if sites[0] and sites[1] and not sites[0] & sites[1]:
        return f"{code}-{'/'.join(sorted(sites[0]))}, {partner}-{'/'.join(sorted(sites[1]))}"
    distinct = sorted((mods[code] | mods[partner]) & _DISTINCT_SITE)
    if distinct:
        return "modifier " + ", ".join(distinct)
    return "as the question states" if apart else ""


def _decide(
    present: set[str], lines: list[ClaimLine], by_code: dict[str, CodeRules], on: date,
    apart: bool = False,
) -> tuple[str, list[FindingParams]]:
    marked = _distinct_marked(lines)
    excluded_hit, decided, found = _edit_findings(present, lines, by_code, on, marked)
    missing = False
    for code in sorted(present):
        rules = by_code.get(code)
        if rules is None:
            continue
        partners = present - {code}
        bypassed = _modifier_bypass(code, partners, marked, by_code)
        if bypassed:
            decided = True
            for partner in sorted(p for p in bypassed if p > code):  # one finding a pair
                cites = _cite(rules, "separate_modifier", partner)
                mods = ", ".join(sorted(marked[code] | marked[partner]))
                found.append(
                    FindingParams("info", "separate_modifier", code, partner, mods, cites)
                )
        for partner in sorted((partners & set(rules.excluded_codes)) - bypassed):
            excluding = provenance_naming(rules, "excluded", partner)
            quotes = [p.quote for p in excluding]
            where = _sites_apart(code, partner, lines, apart) if _same_site_only(quotes) else ""
            if where:
                cites = tuple(citations_for(excluding))
                found.append(FindingParams("info", "other_site", code, partner, where, cites))
                continue
            if lifted := _unless_codes(quotes, {code, partner}):
                if lifted & present:
                    detail = ", ".join(sorted(lifted & present))
                    cites = tuple(citations_for(excluding))
                    found.append(FindingParams("info", "unless", code, partner, detail, cites))
                    continue
                if rules.add_on and lifted <= set(rules.primary_codes) and not (
                    partners & set(rules.primary_codes)
                ):
                    continue  # lifted by a primary, none on the claim: its missing primary says so
            excluded_hit = True
            found.append(
                FindingParams(
                    "error", "excluded", code, partner, citations=_cite(rules, "excluded", partner)
                )
            )
        if not rules.add_on:
            if _stated_beside(code, partners, rules, found):
                decided = True
            continue
        found.append(FindingParams("info", "add_on", code, citations=_cite(rules, "add_on")))
        listed = set(rules.primary_codes)
        usable = listed - set(rules.excluded_codes)
        if listed and partners & usable:
            decided = True
            for partner in sorted(partners & usable):
                found.append(
                    FindingParams(
                        "info", "primary", code, partner, citations=_cite(rules, "primary", partner)
                    )
                )
        elif listed or not partners:
            missing = True
            key = "missing_primary" if listed else "alone"
            found.append(FindingParams("error", key, code, citations=_cite(rules, "primary")))
            for see in rules.see_also:
                found.append(
                    FindingParams(
                        "info",
                        "see_also",
                        code,
                        ", ".join(see.codes),
                        see.when,
                        _cite(rules, "see_also"),
                    )
                )
        else:
            found.append(
                FindingParams("warning", "no_primary_list", code, citations=_cite(rules, "add_on"))
            )
    found.extend(_modifier_findings(lines, present, by_code))
    if excluded_hit:
        return "not_allowed", found
    if missing:
        return "missing_primary", found
    return ("allowed" if decided else "unknown"), found


def _distinct_marked(lines: list[ClaimLine]) -> dict[str, set[str]]:
    """The distinct-service modifiers each code of the claim carries."""
    marked: dict[str, set[str]] = {}
    for line in lines:
        marked.setdefault(line.code, set()).update(
            m for m in line.modifiers if m in DISTINCT_SERVICE_MODIFIERS
        )
    return marked


def _modifier_bypass(
    code: str, partners: set[str], marked: dict[str, set[str]], by_code: dict[str, CodeRules]
) -> set[str]:
    """Partners the materials let stand beside ``code`` with a distinct-service modifier
    ("report 99991 and 99992 with modifier -59"), when the claim marks one of the two so: such
    a statement wins over an exclusion of the pair ("... not for the same lesion")."""
    listed = set(by_code[code].separate_with_modifier)
    return {p for p in partners & listed if marked[code] or marked[p]}


def called_stand_alone(rules: CodeRules) -> bool:
    """True when the materials call the code stand-alone ("may be reported on its own")."""
    return any(p.rule == "stand_alone" for p in rules.provenance)


def _stated_beside(
    code: str, partners: set[str], rules: CodeRules, found: list[FindingParams]
) -> bool:
    """A code that is no add-on is decided only by what its materials say outright: a partner
    "may be reported separately with" it, it "may be reported with" a partner ("99950 may be
    reported with 99951 when ..."), or, alone on the claim, it is "stand-alone"."""
    excluded = set(rules.excluded_codes)
    usable = partners & (set(rules.separate_codes) - excluded)
    for partner in sorted(usable):
        cites = _cite(rules, "separate", partner)
        found.append(FindingParams("info", "separate", code, partner, citations=cites))
    stated = partners & (set(rules.primary_codes) - excluded) - usable
    for partner in sorted(stated):
        cites = _cite(rules, "primary", partner)
        found.append(FindingParams("info", "reported_with", code, partner, citations=cites))
    usable |= stated
    if not partners and called_stand_alone(rules):
        found.append(FindingParams("info", "stand_alone", code, citations=_cite(rules, "stand_alone")))
        return True
    return bool(usable)


def _modifier_findings(
    lines: list[ClaimLine], present: set[str], by_code: dict[str, CodeRules]
) -> list[FindingParams]:
    found: list[FindingParams] = []
    seen: set[tuple[str, str]] = set()
    for line in lines:
        # The line's own code first, then any other code on the claim that mentions it.
        owners = [line.code, *sorted(present - {line.code})]
        for mod in line.modifiers:
            if (line.code, mod) in seen:
                continue
            seen.add((line.code, mod))
            for owner in owners:
                rules = by_code.get(owner)
                if rules is not None and mod in rules.modifiers:
                    meaning = rules.modifier_meanings.get(mod, "")
                    cites = _modifier_citations(rules, mod)
                    found.append(FindingParams("info", "modifier", line.code, mod, meaning, cites))
                    break
    return found


def _modifier_citations(rules: CodeRules, mod: str) -> tuple[Citation, ...]:
    sentences = provenance_naming(rules, "modifier")
    pattern = re.compile(rf"(?<![0-9A-Za-z]){re.escape(mod)}(?![0-9A-Za-z])")
    naming = [p for p in sentences if pattern.search(p.quote)]
    return tuple(citations_for(naming or sentences))


def _audit_findings(present: set[str], audit: list[AuditFinding]) -> list[FindingParams]:
    found: list[FindingParams] = []
    for item in audit:
        touched = sorted(present & set(item.codes))
        if touched:
            cites = tuple(c.model_copy(update={"n": i}) for i, c in enumerate(item.citations, 1))
            found.append(FindingParams("warning", "audit", touched[0], "", item.message, cites))
    return found


def explain_claim(
    lines: list[ClaimLine],
    rules: list[CodeRules],
    audit: list[AuditFinding] | None = None,
    on: date | None = None,
    apart: bool = False,
) -> tuple[str, list[FindingParams]]:
    """The status and the findings as parameters, in the order ``check_claim`` reports them;
    ``on`` is the date of service (default today) that PTP edits are dated against; ``apart``:
    the codes are at different sites (an exclusion "for the same joint" then does not apply)."""
    present = {line.code for line in lines}
    status, found = _decide(present, lines, _by_code(rules), on or date.today(), apart)
    found.extend(_audit_findings(present, audit or []))
    unique = {(f.severity, f.key, f.code, f.partner, f.detail): f for f in found}
    ordered = sorted(
        unique.values(),
        key=lambda f: (_SEVERITY_ORDER[f.severity], f.code, f.key, f.partner, f.detail),
    )
    return status, ordered


def check_claim(
    lines: list[ClaimLine],
    rules: list[CodeRules],
    audit: list[AuditFinding] | None = None,
    on: date | None = None,
) -> Verdict:
    """Decide a claim against merged rules (and warn where the audit touches its codes), on
    the date of service ``on`` (default today).

    Example::

        verdict = check_claim(parse_claim(["99930", "99940"]), merged_rules)
        verdict.status  # "not_allowed"
    """
    return verdict_from(lines, *explain_claim(lines, rules, audit, on))


def verdict_from(lines: list[ClaimLine], status: str, found: list[FindingParams]) -> Verdict:
    """The Verdict of ``explain_claim``'s status and findings (worded in English)."""
    findings = [
        Finding(
            severity=f.severity,  # type: ignore[arg-type]
            code=f.code,
            message=finding_message(f.key, f.code, f.partner, f.detail),
            rule=f.rule,
            citations=list(f.citations),
        )
        for f in found
    ]
    return Verdict(status=status, codes=sorted({line.code for line in lines}), findings=findings)  # type: ignore[arg-type]
