"""The audit: examples that break the page's own rules, and documents that disagree."""

from __future__ import annotations

import itertools

from knowledge.audit import audit_materials
from knowledge.models import AuditFinding
from knowledge.rule_merge import merge_rules
from tests.support.rules import RULES_DIR, build_rules, fixture_rules


def assert_cited_verbatim(findings: list[AuditFinding], texts: dict[str, str]) -> None:
    for f in findings:
        assert len(f.citations) >= 2, f
        assert [c.n for c in f.citations] == list(range(1, len(f.citations) + 1))
        for c in f.citations:
            assert c.quote in texts[c.source] and c.end - c.start == len(c.quote)


def test_seed_has_exactly_two_self_contradictions(seed_text: str) -> None:
    findings = audit_materials([build_rules(seed_text, "seed.txt")])
    assert [(f.kind, f.codes) for f in findings] == [
        ("example_excluded_pair", ["50706", "52341"]),
        ("example_missing_primary", ["50210", "50706"]),
    ]
    excluded, missing = findings
    # The example sentence first, then the rule sentence.
    assert "(52341)" in excluded.citations[0].quote
    assert excluded.citations[1].quote.startswith("It should not be used")
    assert "(50210)" in missing.citations[0].quote
    assert "should be used with codes" in missing.citations[1].quote
    assert "52341" in excluded.message and "50210" in missing.message
    assert_cited_verbatim(findings, {"seed.txt": seed_text})


def test_consistent_example_is_not_flagged(seed_text: str) -> None:
    findings = audit_materials([build_rules(seed_text, "seed.txt")])
    assert not any("52000" in f.codes for f in findings)


def test_conflicting_documents() -> None:
    docs = [fixture_rules("conflict_a.txt"), fixture_rules("conflict_b.txt")]
    merged, conflicts = merge_rules(docs)
    [rules] = merged
    assert rules.add_on is True
    assert rules.primary_codes == ["99981"]  # the exclusion elsewhere wins
    assert rules.excluded_codes == ["99982"]
    assert sorted((f.kind, tuple(f.codes)) for f in conflicts) == [
        ("conflict", ("99980",)),
        ("conflict", ("99980", "99982")),
    ]
    pair = next(f for f in conflicts if f.codes == ["99980", "99982"])
    assert [c.source for c in pair.citations] == ["conflict_a.txt", "conflict_b.txt"]
    assert audit_materials(docs) == sorted(conflicts, key=lambda f: (f.kind, f.codes, f.message))
    texts = {name: (RULES_DIR / name).read_text() for name in ("conflict_a.txt", "conflict_b.txt")}
    assert_cited_verbatim(conflicts, texts)


def test_audit_of_the_fixture_pages() -> None:
    docs = [fixture_rules(n) for n in ("manual_style.txt", "second_code.md")]
    findings = audit_materials(docs)
    assert [(f.kind, f.codes) for f in findings] == [("example_excluded_pair", ["99912", "99920"])]


def test_audit_does_not_depend_on_document_order(seed_text: str) -> None:
    docs = [
        build_rules(seed_text, "seed.txt"),
        fixture_rules("conflict_a.txt"),
        fixture_rules("conflict_b.txt"),
        fixture_rules("second_code.md"),
    ]
    expected = audit_materials(docs)
    assert len(expected) == 5
    for order in itertools.permutations(docs):
        assert audit_materials(list(order)) == expected
        assert merge_rules(list(order)) == merge_rules(docs)


def test_empty_materials() -> None:
    assert audit_materials([]) == []
    assert merge_rules([]) == ([], [])


# A payer guide with rules and worked examples, invented codes: each example below either keeps
# the rules (a code ruled out by the example itself, one named only for its price, lines at
# different sites or with a distinct-service modifier) or breaks them (the last one).
GUIDE = """# Harbor Mutual widget billing guide

(Do not report 99940 in conjunction with 99941, 99942 for the same session)

(Do not report 99941 in conjunction with 99942 for the same lesion)

(Do not report 99943 in conjunction with 99944 for the same kidney)

(Do not report 99945 in conjunction with 99946)

Case 1: Widget refit on a returning patient | Bill: 99947 + 99945 | Remark: Do not add 99946.

Example: 99942 with 99941-XS on separate lesions. Harbor Mutual pays $20.00 for 99941 ($95.00 less the 99940 allowance of $75.00).

Example: 99943 on the right and 99944 on the left on the same date are both paid.

Example: The coder reported 99945 with 99946 on one claim for the same visit.
"""


def test_examples_that_keep_the_rules_are_not_flagged() -> None:
    findings = audit_materials([build_rules(GUIDE, "guide.md")])
    # Only the last example reports a pair the guide excludes.
    assert [(f.kind, f.codes) for f in findings] == [("example_excluded_pair", ["99945", "99946"])]
    assert "reported 99945 with 99946" in findings[0].citations[0].quote
    assert_cited_verbatim(findings, {"guide.md": GUIDE})


def test_an_example_reports_its_lines_with_their_modifiers() -> None:
    examples = build_rules(GUIDE, "guide.md").examples
    assert len(examples) == 4
    ruled_out = next(e for e in examples if "Do not add" in e.quote)
    assert ruled_out.codes == ["99945", "99947"]  # 99946 is ruled out, not reported
    priced = next(e for e in examples if "allowance" in e.quote)
    assert priced.codes == ["99941", "99942"] and priced.modifiers == {"99941": ["XS"]}
    assert priced.apart
    sides = next(e for e in examples if "on the right" in e.quote)
    assert sides.modifiers == {"99943": ["RT"], "99944": ["LT"]} and not sides.apart
