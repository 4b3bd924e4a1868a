"""Merge the rules several documents give for the same code, and flag where they disagree.

Precedence (why: a coder is safer told "do not" than "may"):
- an exclusion from any document wins: a code excluded anywhere leaves ``primary_codes``
  and ``separate_codes``;
- primary lists, separate lists, see-also lists, modifiers and pair edits (PTP rows) are
  united; ``add_on`` is true if any document says so; of several unit limits (MUE) the
  smallest holds.
Disagreements become ``AuditFinding(kind="conflict")`` citing both sentences: a code listed
as primary (or as reported separately beside it) in one place and as excluded in another
(also within one document), a code called an add-on in one place and stand-alone in
another, a pair that a PTP row never lets be paid together (indicator 0) while a sentence
lists one as a primary code of the other, and two different unit limits for one code.
The result does not depend on the order of ``docs``.
"""

from __future__ import annotations

from knowledge.codes import codes_in
from knowledge.models import (
    AuditFinding,
    Citation,
    CodeRules,
    DocumentRules,
    PairEdit,
    Provenance,
    SeeAlso,
)

__all__ = ["citations_for", "merge_rules", "provenance_naming", "states_about"]

# Values read from edit tables: a fee schedule lists them for many codes it is not about.
_TABLE_KINDS = frozenset({"unit_limit", "pair_edit"})


def states_about(rules: CodeRules) -> bool:
    """True when the materials say something of the code itself (add-on status, primaries,
    exclusions, notes, its descriptor), not only edit-table values (a unit limit, PTP rows)
    that a schedule gives for every code it lists."""
    return any(p.rule not in _TABLE_KINDS for p in rules.provenance)


def provenance_naming(rules: CodeRules, kind: str, code: str | None = None) -> list[Provenance]:
    """The provenance sentences of ``kind`` for ``rules``; with ``code``, those naming it.

    Falls back to every sentence of that kind when none names the code literally.
    """
    of_kind = [p for p in rules.provenance if p.rule == kind]
    if code is None:
        return of_kind
    naming = [p for p in of_kind if code in codes_in(p.quote)]
    return naming or of_kind


def citations_for(provenance: list[Provenance]) -> list[Citation]:
    """Citations numbered 1.. for provenance sentences (duplicates dropped, order kept)."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Citation] = []
    for p in provenance:
        key = (p.chunk_id, p.start, p.end)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Citation(
                n=len(out) + 1,
                source=p.source,
                chunk_id=p.chunk_id,
                quote=p.quote,
                start=p.start,
                end=p.end,
            )
        )
    return out


def _merge_one(code: str, parts: list[CodeRules]) -> CodeRules:
    primary: set[str] = set()
    excluded: set[str] = set()
    separate: set[str] = set()
    with_modifier: set[str] = set()
    see: dict[str, set[str]] = {}
    whens: dict[str, str] = {}
    meanings: dict[str, str] = {}
    provenance: list[Provenance] = []
    seen: set[tuple[str, str, int, int]] = set()
    edits: dict[tuple[str, str, str, str], PairEdit] = {}
    for part in parts:
        for e in part.pair_edits:
            edits[(e.column2, e.indicator, e.effective, e.deleted)] = e
        primary.update(part.primary_codes)
        excluded.update(part.excluded_codes)
        separate.update(part.separate_codes)
        with_modifier.update(part.separate_with_modifier)
        for s in part.see_also:
            # Same situation written with other spacing or case is one entry.
            key = " ".join(s.when.lower().split())
            whens.setdefault(key, s.when)
            see.setdefault(key, set()).update(s.codes)
        for mod in part.modifiers:
            # The first meaning given (in source order) wins; a bare mention adds the code.
            if not meanings.get(mod):
                meanings[mod] = part.modifier_meanings.get(mod, "")
        for p in part.provenance:
            key = (p.rule, p.chunk_id, p.start, p.end)
            if key not in seen:
                seen.add(key)
                provenance.append(p)
    return CodeRules(
        code=code,
        add_on=any(p.add_on for p in parts),
        primary_codes=sorted(primary - excluded),
        excluded_codes=sorted(excluded),
        separate_codes=sorted(separate - excluded),
        separate_with_modifier=sorted(with_modifier),
        see_also=[SeeAlso(when=whens[k], codes=sorted(see[k])) for k in sorted(see)],
        modifiers=sorted(meanings),
        modifier_meanings=dict(sorted(meanings.items())),
        unit_limit=min(limits) if (limits := [p.unit_limit for p in parts
                                              if p.unit_limit is not None]) else None,
        pair_edits=[edits[k] for k in sorted(edits)],
        provenance=provenance,
    )


def _conflicts(code: str, parts: list[CodeRules]) -> list[AuditFinding]:
    union = CodeRules(code=code, provenance=[p for part in parts for p in part.provenance])
    excluded = {c for part in parts for c in part.excluded_codes}
    findings: list[AuditFinding] = []
    for kind, listed_as in [("primary", "a primary code for"),
                            ("separate", "reported separately with")]:
        allowed = {c for part in parts for c in getattr(part, f"{kind}_codes")}
        for partner in sorted(allowed & excluded):
            said = provenance_naming(union, kind, partner)[:1]
            denied = provenance_naming(union, "excluded", partner)[:1]
            findings.append(
                AuditFinding(
                    kind="conflict",
                    codes=sorted({code, partner}),
                    message=(
                        f"{partner} is listed as {listed_as} {code} in {_where(said)} "
                        f"but as not to be reported with {code} in {_where(denied)}"
                    ),
                    citations=citations_for(said + denied),
                )
            )
    add_on = provenance_naming(union, "add_on")[:1]
    alone = provenance_naming(union, "stand_alone")[:1]
    if add_on and alone:
        findings.append(
            AuditFinding(
                kind="conflict",
                codes=[code],
                message=(
                    f"{code} is called an add-on code in {_where(add_on)} "
                    f"but a stand-alone code in {_where(alone)}"
                ),
                citations=citations_for(add_on + alone),
            )
        )
    limits = sorted({p.unit_limit for p in parts if p.unit_limit is not None})
    if len(limits) > 1:
        stated = provenance_naming(union, "unit_limit")
        low = [p for p in stated if str(limits[0]) in p.quote][:1]
        high = [p for p in stated if str(limits[-1]) in p.quote][:1]
        findings.append(
            AuditFinding(
                kind="conflict",
                codes=[code],
                message=(
                    f"the unit limit (MUE) of {code} is {limits[0]} in {_where(low)} "
                    f"but {limits[-1]} in {_where(high)}"
                ),
                citations=citations_for(low + high),
            )
        )
    return findings


def _edit_conflicts(merged: list[CodeRules]) -> list[AuditFinding]:
    """A PTP row that never lets two codes be paid together (indicator 0, not deleted) while
    a sentence lists one of them as a primary code of the other."""
    by_code = {r.code: r for r in merged}
    findings: list[AuditFinding] = []
    for rules in merged:
        for edit in rules.pair_edits:
            if edit.indicator != "0" or edit.deleted:
                continue
            other = by_code.get(edit.column2)
            for addon, primary in [(rules, edit.column2), (other, rules.code)]:
                if addon is None or primary not in addon.primary_codes:
                    continue
                row = provenance_naming(rules, "pair_edit", edit.column2)[:1]
                said = provenance_naming(addon, "primary", primary)[:1]
                findings.append(
                    AuditFinding(
                        kind="conflict",
                        codes=sorted({rules.code, edit.column2}),
                        message=(
                            f"{primary} is listed as a primary code for {addon.code} in "
                            f"{_where(said)} but a PTP edit in {_where(row)} never pays "
                            f"{edit.column2} with {rules.code} (modifier indicator 0)"
                        ),
                        citations=citations_for(said + row),
                    )
                )
    return findings


def _where(provenance: list[Provenance]) -> str:
    return provenance[0].source if provenance else "the materials"


def merge_rules(docs: list[DocumentRules]) -> tuple[list[CodeRules], list[AuditFinding]]:
    """Merge per-document rules into one CodeRules per code (sorted), plus the conflicts."""
    by_code: dict[str, list[CodeRules]] = {}
    # Sorting by source makes the merge independent of the order docs arrive in.
    for doc in sorted(docs, key=lambda d: (d.source, d.doc_id)):
        for rules in doc.rules:
            by_code.setdefault(rules.code, []).append(rules)
    merged = [_merge_one(code, parts) for code, parts in sorted(by_code.items())]
    conflicts = [f for code, parts in sorted(by_code.items()) for f in _conflicts(code, parts)]
    return merged, conflicts + _edit_conflicts(merged)
