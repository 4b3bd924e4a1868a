"""Claim edits read from the materials: PTP rows and unit limits (MUE), and how the claim
checker applies them (indicators 0/1/9, modifiers, dates of service, units)."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.loaders import load_file
from knowledge.claims import check_claim, parse_claim
from knowledge.models import CodeRules
from knowledge.rule_edits import iso_date, read_edits
from knowledge.rule_merge import merge_rules
from knowledge.table_rows import table_row
from tests.support.rules import RULES_DIR, build_rules

ON = date(2025, 3, 1)


def limits(text: str, context: str | None = None) -> dict[str, int]:
    return {r.subjects[0]: int(r.values[0]) for r in read_edits(text, context) if r.kind == "unit_limit"}


# --- reading -------------------------------------------------------------------------


def test_a_ptp_row_reads_with_its_indicator_and_dates() -> None:
    row = (
        "Column 1: 99950 | Column 2: 99961 | Effective date: 01/01/2019 | "
        "Deletion date: * | Modifier indicator: 0 | Rationale: Mutually exclusive"
    )
    [rule] = read_edits(row, None)
    assert (rule.kind, rule.subjects, rule.codes, rule.values) == (
        "pair_edit", ("99950",), ("99961",), ("0", "2019-01-01", ""),
    )


@pytest.mark.parametrize(
    "row",
    [
        "Column 1: 99950 | Column 2: 99961 | Modifier indicator: 5",  # no such indicator
        "Column 1: 99950 | Column 2: 99961 | Rationale: no indicator column",
        "Column 1: 99950 | Column 2: text | Modifier indicator: 0",  # no column-2 code
        "Code: 99950 | Work RVU: 4.10 | Global: 090",  # no pair at all
    ],
)
def test_rows_without_a_whole_edit_give_none(row: str) -> None:
    assert [r for r in read_edits(row, None) if r.kind == "pair_edit"] == []


def test_an_aligned_plain_text_header_word_modifier_is_the_indicator() -> None:
    [rule] = read_edits("Column 1: 99950 | Column 2: 99962 | Modifier: 1 | Note: a: b", None)
    assert rule.values[0] == "1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Code: 99950 | MUE: 2 | Global: 090", {"99950": 2}),
        ("CPT: 99951 | MUE value: 13 | MUE adjudication indicator: 3 (clinical)", {"99951": 13}),
        ("Code: 99950 | MUE adjudication indicator: 2 | Note: none", {}),
        ("Code: 99950 | MUE: n/a", {}),
        ("Component: MUE (practitioner, per date of service) | Value: 1", {"99990": 1}),
        ("The MUE for 99950 is 2 units.", {"99950": 2}),
        (("The medically unlikely edit for 99950 is 1 unit per date of service, and the "
         "medically unlikely edit for 99951 is 2 units per date of service."),
         {"99950": 1, "99951": 2}),
        ("- MUE: 99950: 1 per date of service; 99951: 4 per date of service", {"99950": 1, "99951": 4}),
        ("Billing more than 2 units of 99950 on one date triggers a denial.", {"99950": 2}),
        ("It has an MUE of 3.", {"99990": 3}),
        ("MUEs for these codes are one unit per side per date of service.", {}),
        ("Units of 99950 above the MUE are denied per line.", {}),
        ("An MUE of 2 applies to 99950 and 99951.", {}),  # which code? none is read
    ],
)
def test_unit_limits_in_rows_and_prose(text: str, expected: dict[str, int]) -> None:
    assert limits(text, "99990") == expected


def test_table_rows_and_dates() -> None:
    assert table_row("Code: 99950 | MUE: 2") == [("Code", "99950"), ("MUE", "2")]
    assert table_row("A sentence: with a colon.") is None
    assert [iso_date(t) for t in ("07/01/2020", "20220401", "2019-01-01", "*", "13/45/2020")] == [
        "2020-07-01", "2022-04-01", "2019-01-01", "", "",
    ]


# --- extraction and the claim checker ------------------------------------------------


@pytest.fixture(scope="module")
def rules() -> list[CodeRules]:
    """The fixture page as the loader stores it (table rows with their headers)."""
    loaded = load_file(RULES_DIR / "edit_tables.md", max_bytes=10**6, max_chars=10**6)
    return merge_rules([build_rules(loaded.text, "edit_tables.md")])[0]


def check(rules: list[CodeRules], *tokens: str, on: date = ON):
    return check_claim(parse_claim(list(tokens)), rules, on=on)


def test_extraction_keeps_the_rows_with_provenance(rules: list[CodeRules]) -> None:
    by = {r.code: r for r in rules}
    assert by["99950"].unit_limit == 1 and by["99951"].unit_limit == 3
    assert [(e.column2, e.indicator) for e in by["99950"].pair_edits] == [
        ("99961", "0"), ("99962", "1"), ("99963", "9"), ("99964", "0"), ("99965", "0"),
    ]
    quotes = [p.quote for p in by["99950"].provenance if p.rule == "pair_edit"]
    assert any("Column 2: 99961" in q for q in quotes)


def test_indicator_0_is_never_together_and_cites_the_row(rules: list[CodeRules]) -> None:
    verdict = check(rules, "99950", "99961-59")
    assert verdict.status == "not_allowed"
    [finding] = [f for f in verdict.findings if f.rule == "pair_edit"]
    assert finding.severity == "error" and "indicator 0" in finding.message
    assert "Column 2: 99961" in finding.citations[0].quote


def test_indicator_1_needs_a_distinct_service_modifier_on_column_2(rules: list[CodeRules]) -> None:
    bare = check(rules, "99950", "99962")
    assert bare.status == "not_allowed"
    assert any("59, XE, XP, XS, XU" in f.message for f in bare.findings)
    on_column_1 = check(rules, "99950-59", "99962")
    assert on_column_1.status == "not_allowed"
    for mod in ("59", "XS", "XU"):
        verdict = check(rules, "99950", f"99962-{mod}")
        assert verdict.status == "allowed", mod
        assert any(mod in f.message and f.rule == "pair_edit" for f in verdict.findings)


def test_indicator_9_and_dates_outside_the_edit_decide_nothing(rules: list[CodeRules]) -> None:
    assert check(rules, "99950", "99963").status == "unknown"
    assert check(rules, "99950", "99964", on=date(2024, 6, 29)).status == "not_allowed"
    assert check(rules, "99950", "99964", on=date(2024, 6, 30)).status == "unknown"
    assert check(rules, "99950", "99965").status == "unknown"
    assert check(rules, "99950", "99965", on=date(2030, 7, 1)).status == "not_allowed"
    assert check(rules, "99950", "99962", on=date(2019, 12, 31)).status == "unknown"


def test_units_over_the_limit_are_not_allowed(rules: list[CodeRules]) -> None:
    assert check(rules, "99950", "99951x3").status == "allowed"
    over = check(rules, "99950", "99951x4")
    assert over.status == "not_allowed"
    [finding] = [f for f in over.findings if f.rule == "unit_limit"]
    assert "4 units" in finding.message and "MUE) of 3" in finding.message
    assert "99951" in finding.citations[0].quote and "MUE: 3" in finding.citations[0].quote
    # two lines of one code add up
    assert check(rules, "99950", "99951x2", "99951-XS x2".replace(" ", "")).status == "not_allowed"


def test_the_smaller_limit_holds_and_a_disagreement_is_audited() -> None:
    a = build_rules("Code: 99950 | MUE: 2", "a.md")
    b = build_rules("Code: 99950 | MUE: 4", "b.md")
    merged, conflicts = merge_rules([a, b])
    assert merged[0].unit_limit == 2
    [conflict] = conflicts
    assert "2 in a.md but 4 in b.md" in conflict.message
    assert {c.source for c in conflict.citations} == {"a.md", "b.md"}


def test_a_ptp_pair_never_paid_against_a_listed_primary_is_a_conflict() -> None:
    table = build_rules(
        "Column 1: 99950 | Column 2: 99951 | Modifier indicator: 0", "table.md"
    )
    prose = build_rules("Code 99951 is an add-on code. Use 99951 in conjunction with 99950.", "p.txt")
    _, conflicts = merge_rules([table, prose])
    assert len(conflicts) == 1 and "modifier indicator 0" in conflicts[0].message
    assert {c.source for c in conflicts[0].citations} == {"table.md", "p.txt"}
    agree = build_rules("Column 1: 99950 | Column 2: 99951 | Modifier indicator: 1", "t2.md")
    assert merge_rules([agree, prose])[1] == []


# --- pairs the prose lets stand together with a distinct-service modifier -----------

PROSE = """Scope procedures

When a biopsy of one lesion and a snare removal of another lesion are both performed, report 99971 and 99972 with modifier -59 or -XS appended to 99971.

(Do not report 99973 in conjunction with 99974 for the same side)

For the other side, report 99973 and 99974 with modifier XS.

Do not report 99975 and 99976 with modifier 59 to get around the edit.

# 99977 Guidelines

- If a biopsy (99978) is done the same day because no prior pathology exists, report 99978 with modifier -59 or -XS.
"""


@pytest.fixture(scope="module")
def prose_rules() -> list[CodeRules]:
    return merge_rules([build_rules(PROSE, "scope.txt")])[0]


def test_a_pair_reported_with_a_distinct_service_modifier(prose_rules: list[CodeRules]) -> None:
    by = {r.code: r for r in prose_rules}
    assert by["99971"].separate_with_modifier == ["99972"]
    assert "99976" not in by.get("99975", CodeRules(code="99975")).separate_with_modifier
    marked = check(prose_rules, "99971-XS", "99972")
    assert marked.status == "allowed"
    [finding] = [f for f in marked.findings if f.rule == "separate_modifier"]
    assert "XS" in finding.message and "appended to 99971" in finding.citations[0].quote
    assert check(prose_rules, "99971", "99972").status == "unknown"


def test_the_modifier_statement_wins_over_a_same_side_exclusion(
    prose_rules: list[CodeRules],
) -> None:
    assert check(prose_rules, "99973", "99974").status == "not_allowed"
    assert check(prose_rules, "99973", "99974-XS").status == "allowed"
    assert check(prose_rules, "99975", "99976-59").status == "unknown"
    # one code named, in the section of another: the pair is the two
    assert check(prose_rules, "99977", "99978-XS").status == "allowed"
