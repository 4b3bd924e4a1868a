"""Merge the rules several documents give for the same code, and flag where they disagree.

Precedence (why: a coder is safer told "do not" than "may"):
- an exclusion from any document wins: a code excluded anywhere leaves ``primary_codes``
  and ``separate_codes``;
- primary lists, separate lists, see-also lists and modifiers are united; ``add_on`` is true
  if any document says so.
Disagreements become ``AuditFinding(kind="conflict")`` citing both sentences: a code listed
as primary (or as reported separately beside it) in one place and as excluded in another
(also within one document), and a code called an add-on in one place and stand-alone in
another.
The result does not depend on the order of ``docs``.
"""

from __future__ import annotations

from knowledge.codes import codes_in
from knowledge.models import AuditFinding, Citation, CodeRules, DocumentRules, Provenance, SeeAlso

__all__ = ["citations_for", "merge_rules", "provenance_naming"]


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
    see: dict[str, set[str]] = {}
    whens: dict[str, str] = {}
    meanings: dict[str, str] = {}
    provenance: list[Provenance] = []
    seen: set[tuple[str, str, int, int]] = set()
    for part in parts:
        primary.update(part.primary_codes)
        excluded.update(part.excluded_codes)
        separate.update(part.separate_codes)
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
        see_also=[SeeAlso(when=whens[k], codes=sorted(see[k])) for k in sorted(see)],
        modifiers=sorted(meanings),
        modifier_meanings=dict(sorted(meanings.items())),
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
    return merged, conflicts
