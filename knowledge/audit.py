"""Audit the materials: where they contradict their own rules or each other.

Kinds of AuditFinding:
- ``example_excluded_pair``: an example reports a code together with a code the materials
  exclude for it (codes: the pair);
- ``example_missing_primary``: an example reports an add-on code without any of its listed
  primary codes (codes: every code of the example). An example that already reports an
  excluded pair is not flagged again for its primary: exclusion wins, as in the checker;
- ``conflict``: two statements disagree (``knowledge.rule_merge``).
Each cites the example sentence first, then the rule sentence(s).
"""

from __future__ import annotations

from knowledge.claims import explain_claim
from knowledge.models import (
    AuditFinding,
    Citation,
    ClaimLine,
    CodeRules,
    DocumentRules,
    ExampleClaim,
)
from knowledge.rule_merge import merge_rules

__all__ = ["audit_materials"]


def _numbered(citations: list[Citation]) -> list[Citation]:
    seen: set[tuple[str, int, int]] = set()
    out: list[Citation] = []
    for c in citations:
        key = (c.chunk_id, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c.model_copy(update={"n": len(out) + 1}))
    return out


def _audit_example(example: ExampleClaim, rules: list[CodeRules]) -> list[AuditFinding]:
    lines = [ClaimLine(code=code, modifiers=example.modifiers.get(code, []))
             for code in example.codes]
    status, params = explain_claim(lines, rules, apart=example.apart)
    cite = Citation(
        n=1,
        source=example.source,
        chunk_id=example.chunk_id,
        quote=example.quote,
        start=example.start,
        end=example.end,
    )
    findings: list[AuditFinding] = []
    for p in params:
        if status == "not_allowed" and p.key == "excluded":
            findings.append(
                AuditFinding(
                    kind="example_excluded_pair",
                    codes=sorted({p.code, p.partner}),
                    message=(
                        f"an example in {example.source} reports {p.code} with {p.partner}, "
                        f"which the materials list as not to be reported with {p.code}"
                    ),
                    citations=_numbered([cite, *p.citations]),
                )
            )
        elif status == "missing_primary" and p.key in ("missing_primary", "alone"):
            others = ", ".join(c for c in example.codes if c != p.code) or "no other code"
            findings.append(
                AuditFinding(
                    kind="example_missing_primary",
                    codes=list(example.codes),
                    message=(
                        f"an example in {example.source} reports add-on code {p.code} without "
                        f"any of its listed primary codes (it reports {others})"
                    ),
                    citations=_numbered([cite, *p.citations]),
                )
            )
    return findings


def audit_materials(docs: list[DocumentRules]) -> list[AuditFinding]:
    """Every contradiction in ``docs``: examples against the merged rules, then conflicts.

    Deterministic and independent of the order of ``docs``; sorted by kind, codes, message.
    """
    merged, conflicts = merge_rules(docs)
    findings: list[AuditFinding] = []
    for doc in sorted(docs, key=lambda d: (d.source, d.doc_id)):
        for example in doc.examples:
            findings.extend(_audit_example(example, merged))
    findings.extend(conflicts)
    unique: dict[tuple[str, tuple[str, ...], str], AuditFinding] = {}
    for f in findings:
        unique.setdefault((f.kind, tuple(f.codes), f.message), f)
    return [unique[k] for k in sorted(unique)]
