"""Claim parsing (table-driven) and the claim checker, with hypothesis properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from knowledge.audit import audit_materials
from knowledge.claims import check_claim, explain_claim, finding_message, parse_claim
from knowledge.errors import ClaimError
from knowledge.models import ClaimLine, CodeRules, DocumentRules, Provenance, Verdict
from knowledge.rule_merge import merge_rules
from tests.support.rules import RULES_DIR, build_rules

CASES = json.loads((RULES_DIR / "claim_cases.json").read_text())


def claim(*tokens: str) -> list[ClaimLine]:
    return parse_claim(list(tokens))


@pytest.fixture
def seed_docs(seed_text: str) -> list[DocumentRules]:
    return [build_rules(seed_text, "seed.txt")]


@pytest.fixture
def seed_rules(seed_docs: list[DocumentRules]) -> list[CodeRules]:
    return merge_rules(seed_docs)[0]


def assert_citations_verbatim(verdict: Verdict, docs_text: dict[str, str]) -> None:
    for f in verdict.findings:
        assert [c.n for c in f.citations] == list(range(1, len(f.citations) + 1))
        for c in f.citations:
            assert c.quote in docs_text[c.source] and c.end - c.start == len(c.quote)


# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda c: " ".join(c["tokens"]) or "blank")
def test_parse_valid(case: dict) -> None:
    got = [(line.code, line.modifiers, line.units) for line in parse_claim(case["tokens"])]
    assert got == [tuple(x) for x in case["lines"]]


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda c: " ".join(c["tokens"]) or "blank")
def test_parse_invalid(case: dict) -> None:
    with pytest.raises(ClaimError) as info:
        parse_claim(case["tokens"])
    message = str(info.value)
    assert case["error"] in message and "\n" not in message


# --- the seed page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "status"),
    [
        (["50706", "52341"], "not_allowed"),
        (["50706", "50385", "52341"], "not_allowed"),  # exclusion wins over a primary
        (["50706", "50210"], "missing_primary"),
        (["50706"], "missing_primary"),
        (["50706", "50385"], "allowed"),
        (["52000", "50385", "50706-59"], "allowed"),
        (["50706-50x2", "51610"], "allowed"),
        (["52000", "50385"], "unknown"),
        (["99999"], "unknown"),
    ],
)
def test_seed_statuses(
    seed_rules: list[CodeRules], seed_text: str, tokens: list[str], status: str
) -> None:
    verdict = check_claim(claim(*tokens), seed_rules)
    assert verdict.status == status
    assert verdict.codes == sorted({t.split("-")[0].split("x")[0] for t in tokens})
    assert_citations_verbatim(verdict, {"seed.txt": seed_text})


def test_seed_excluded_finding(seed_rules: list[CodeRules]) -> None:
    verdict = check_claim(claim("52341", "50706"), seed_rules)
    errors = [f for f in verdict.findings if f.rule == "excluded"]
    assert len(errors) == 1
    f = errors[0]
    assert (f.severity, f.code) == ("error", "50706")
    assert f.message == "52341 is listed as not to be reported with 50706"
    assert len(f.citations) == 1 and "52341" in f.citations[0].quote


def test_seed_primary_and_modifier_info(seed_rules: list[CodeRules]) -> None:
    verdict = check_claim(claim("50706-50", "50385"), seed_rules)
    infos = {(f.rule, f.code): f for f in verdict.findings if f.severity == "info"}
    assert "50385" in infos[("primary", "50706")].message
    modifier = infos[("modifier", "50706")]
    assert "bilateral procedure" in modifier.message
    assert "-50 (bilateral procedure)" in modifier.citations[0].quote
    # A modifier the materials never mention gives no finding.
    plain = check_claim(claim("50706-XS", "50385"), seed_rules)
    assert not [f for f in plain.findings if f.rule == "modifier"]


def test_seed_audit_warnings(seed_docs: list[DocumentRules], seed_rules: list[CodeRules]) -> None:
    audit = audit_materials(seed_docs)
    verdict = check_claim(claim("50706", "52341"), seed_rules, audit)
    warnings = [f for f in verdict.findings if f.severity == "warning"]
    assert {f.rule for f in warnings} == {"audit"}
    assert len(warnings) == 2  # both audit findings name 50706
    assert check_claim(claim("52000"), seed_rules, audit).findings == []


def test_explain_matches_check(seed_docs: list[DocumentRules], seed_rules: list[CodeRules]) -> None:
    lines = claim("50706-50", "52341", "50385")
    audit = audit_materials(seed_docs)
    status, params = explain_claim(lines, seed_rules, audit)
    verdict = check_claim(lines, seed_rules, audit)
    assert status == verdict.status
    assert [finding_message(p.key, p.code, p.partner, p.detail) for p in params] == [
        f.message for f in verdict.findings
    ]
    assert [p.rule for p in params] == [f.rule for f in verdict.findings]
    excluded = [p for p in params if p.key == "excluded"]
    assert [(p.code, p.partner) for p in excluded] == [("50706", "52341")]


# --- small hand-made rule sets --------------------------------------------------------


def test_add_on_without_primary_list() -> None:
    rules = [CodeRules(code="99990", add_on=True)]
    assert check_claim(claim("99990"), rules).status == "missing_primary"
    verdict = check_claim(claim("99990", "99991"), rules)
    assert verdict.status == "unknown"
    assert [f.severity for f in verdict.findings if f.rule == "add_on"] == ["warning", "info"]


def test_exclusion_of_a_stand_alone_code_counts() -> None:
    rules = [CodeRules(code="99960", excluded_codes=["99961"])]
    assert check_claim(claim("99961", "99960"), rules).status == "not_allowed"
    assert check_claim(claim("99960"), rules).status == "unknown"


def _prov(rule: str, quote: str) -> Provenance:
    return Provenance(rule=rule, source="page.md", chunk_id="c1", quote=quote, end=len(quote))


def test_stated_outright_decides_a_claim_without_add_on() -> None:
    beside = "A bedside scan may be reported separately with 99965."
    alone = "99960 is a stand-alone code."
    rules = [
        CodeRules(code="99960", separate_codes=["99965"],
                  provenance=[_prov("separate", beside), _prov("stand_alone", alone)]),
    ]
    verdict = check_claim(claim("99965", "99960"), rules)
    assert verdict.status == "allowed"
    [found] = [f for f in verdict.findings if f.rule == "separate"]
    assert found.message == "99965 may be reported separately with 99960"
    assert [c.quote for c in found.citations] == [beside]
    lone = check_claim(claim("99960"), rules)
    assert lone.status == "allowed"
    assert [c.quote for f in lone.findings for c in f.citations] == [alone]
    # Neither statement covers another partner, nor a stand-alone code beside an unknown one.
    assert check_claim(claim("99960", "99968"), rules).status == "unknown"
    # A code with no such statement alone stays undecided.
    assert check_claim(claim("99965"), rules).status == "unknown"


def test_exclusion_wins_over_a_separately_reported_partner() -> None:
    rules = [
        CodeRules(code="99960", separate_codes=["99965"]),
        CodeRules(code="99965", excluded_codes=["99960"]),
    ]
    assert check_claim(claim("99960", "99965"), rules).status == "not_allowed"
    merged, conflicts = merge_rules([
        DocumentRules(doc_id="a", source="a.md", rules=[
            CodeRules(code="99960", separate_codes=["99965"],
                      provenance=[_prov("separate", "99965 may be reported separately.")])]),
        DocumentRules(doc_id="b", source="b.md", rules=[
            CodeRules(code="99960", excluded_codes=["99965"],
                      provenance=[_prov("excluded", "Do not report 99960 with 99965.")])]),
    ])
    assert merged[0].separate_codes == [] and merged[0].excluded_codes == ["99965"]
    assert [c.codes for c in conflicts] == [["99960", "99965"]]
    assert "reported separately with 99960" in conflicts[0].message


def test_a_bundling_sentence_excludes_the_pair() -> None:
    text = (
        "# 99970 Drain flush\n\nDo not report 99972 for flushing done through the drain, "
        "because that work is part of 99970.\n\nA bedside scan in the same visit may be "
        "reported separately with 99965.\n"
    )
    rules = merge_rules([build_rules(text, "flush.md")])[0]
    assert check_claim(claim("99972", "99970"), rules).status == "not_allowed"
    verdict = check_claim(claim("99970", "99965"), rules)
    assert verdict.status == "allowed"
    assert_citations_verbatim(verdict, {"flush.md": text})


def test_duplicate_rule_entries_are_merged() -> None:
    rules = [
        CodeRules(code="99980", add_on=True, primary_codes=["99981", "99982"]),
        CodeRules(code="99980", excluded_codes=["99982"]),
    ]
    assert check_claim(claim("99980", "99982"), rules).status == "not_allowed"
    assert check_claim(claim("99980", "99981"), rules).status == "allowed"


def test_finding_message_wording() -> None:
    assert (
        finding_message("excluded", "99912", "99920")
        == "99920 is listed as not to be reported with 99912"
    )
    assert finding_message("modifier", "99912", "RT", "right side").endswith("(right side)")
    with pytest.raises(KeyError):
        finding_message("nonsense", "99912")


# --- properties ----------------------------------------------------------------------

POOL = [f"999{n:02d}" for n in range(10, 22)]
MODS = ["50", "59", "LT"]


@st.composite
def rule_sets(draw: st.DrawFn) -> list[CodeRules]:
    codes = draw(st.lists(st.sampled_from(POOL), unique=True, min_size=1, max_size=5))
    rules = []
    for code in codes:
        others = st.sampled_from([c for c in POOL if c != code])
        rules.append(
            CodeRules(
                code=code,
                add_on=draw(st.booleans()),
                primary_codes=sorted(draw(st.lists(others, unique=True, max_size=4))),
                excluded_codes=sorted(draw(st.lists(others, unique=True, max_size=3))),
                separate_codes=sorted(draw(st.lists(others, unique=True, max_size=2))),
                modifiers=sorted(draw(st.lists(st.sampled_from(MODS), unique=True, max_size=2))),
            )
        )
    return rules


claims = st.lists(
    st.builds(
        ClaimLine,
        code=st.sampled_from(POOL),
        modifiers=st.lists(st.sampled_from(MODS), max_size=2),
        units=st.integers(1, 3),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(rules=rule_sets(), lines=claims, data=st.data())
def test_order_never_matters(
    rules: list[CodeRules], lines: list[ClaimLine], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(lines))
    assert check_claim(shuffled, rules) == check_claim(lines, rules)
    assert check_claim(lines, list(reversed(rules))) == check_claim(lines, rules)


@settings(max_examples=150, deadline=None)
@given(rules=rule_sets(), lines=claims)
def test_units_and_modifiers_never_change_the_status(
    rules: list[CodeRules], lines: list[ClaimLine]
) -> None:
    bare = [ClaimLine(code=line.code) for line in lines]
    assert check_claim(bare, rules).status == check_claim(lines, rules).status


@settings(max_examples=150, deadline=None)
@given(rules=rule_sets(), lines=claims, data=st.data())
def test_adding_an_excluded_code_never_allows(
    rules: list[CodeRules], lines: list[ClaimLine], data: st.DataObject
) -> None:
    owners = [r for r in rules if r.add_on and r.excluded_codes]
    assume(owners)
    owner = data.draw(st.sampled_from(owners))
    excluded = data.draw(st.sampled_from(owner.excluded_codes))
    claimed = [*lines, ClaimLine(code=owner.code), ClaimLine(code=excluded)]
    assert check_claim(claimed, rules).status == "not_allowed"


@settings(max_examples=150, deadline=None)
@given(rules=rule_sets(), lines=claims, data=st.data())
def test_removing_every_primary_never_allows(
    rules: list[CodeRules], lines: list[ClaimLine], data: st.DataObject
) -> None:
    add_ons = [r for r in rules if r.add_on and r.primary_codes]
    assume(add_ons)
    add_on = data.draw(st.sampled_from(add_ons))
    kept = [line for line in lines if line.code not in add_on.primary_codes]
    claimed = [*kept, ClaimLine(code=add_on.code)]
    assert check_claim(claimed, rules).status in ("missing_primary", "not_allowed")


def test_a_code_stated_to_be_reported_with_another_is_allowed_beside_it() -> None:
    text = (
        "# Widget chapter\n\n99950 may be reported with 99951 at the same session when a second "
        "widget is separately indicated.\n\nDo not report 99950 with 99953.\n"
    )
    rules = merge_rules([build_rules(text, "chapter.md")])[0]
    verdict = check_claim(claim("99950", "99951"), rules)
    assert verdict.status == "allowed"
    [found] = [f for f in verdict.findings if f.rule == "primary"]
    assert found.message == "the materials say 99950 is reported with 99951"
    assert [c.quote for c in found.citations] == [
        ("99950 may be reported with 99951 at the same session when a second widget is "
         "separately indicated.")]
    # Another partner is not covered by the statement; an exclusion still decides.
    assert check_claim(claim("99950", "99952"), rules).status == "unknown"
    assert check_claim(claim("99950", "99953"), rules).status == "not_allowed"


SITE_TEXT = (
    "# Joint injections\n\n+99976 each additional joint (List separately in addition to code "
    "for primary procedure)\n\n(Use 99976 in conjunction with 99975)\n\n"
    "(Do not report 99975 in conjunction with 99976 for the same joint)\n\n"
    "Do not report 99977 with 99975 on the same day.\n"
)


@pytest.mark.parametrize(
    ("lines", "apart", "status"),
    [
        (["99975", "99976"], False, "not_allowed"),
        (["99975-RT", "99976-LT"], False, "allowed"),
        (["99975-RT", "99976-RT"], False, "not_allowed"),
        (["99975", "99976-XS"], False, "allowed"),
        (["99975", "99976"], True, "allowed"),
        # an exclusion for the same day is no site: sides apart change nothing
        (["99975-RT", "99977-LT"], True, "not_allowed"),
    ],
)
def test_an_exclusion_for_the_same_site_does_not_apply_to_sites_apart(
    lines: list[str], apart: bool, status: str
) -> None:
    rules = merge_rules([build_rules(SITE_TEXT, "joints.md")])[0]
    got, found = explain_claim(parse_claim(lines), rules, apart=apart)
    assert got == status, found
    waived = [f for f in found if f.key == "other_site"]
    assert bool(waived) == (status == "allowed")
    for f in waived:
        assert [c.quote for c in f.citations] == [
            "(Do not report 99975 in conjunction with 99976 for the same joint)"]


UNLESS_TEXT = (
    "# Wire chapter\n\n+99952 each additional vessel (List separately in addition to code for "
    "primary procedure)\n\n(Use 99952 in conjunction with 99951, 99953)\n\n"
    "Code 99952 is not reported with 99950 unless 99951 is also reported on the same date.\n"
)


@pytest.mark.parametrize(
    ("lines", "status", "key"),
    [
        (["99952", "99950"], "missing_primary", "missing_primary"),  # no primary: that is why
        (["99952", "99950", "99951"], "allowed", "unless"),  # the code lifting it is there
        (["99952", "99950", "99953"], "not_allowed", "excluded"),  # a primary, not the lifting one
    ],
)
def test_an_exclusion_lifted_by_another_code(lines: list[str], status: str, key: str) -> None:
    rules = merge_rules([build_rules(UNLESS_TEXT, "wire.md")])[0]
    got, found = explain_claim(parse_claim(lines), rules)
    assert got == status, found
    assert key in {f.key for f in found}
    assert ("excluded" in {f.key for f in found}) is (status == "not_allowed")
