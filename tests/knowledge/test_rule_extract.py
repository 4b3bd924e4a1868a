"""Rule extraction: the seed page, fixture pages in our own words, and a phrasing table."""

from __future__ import annotations

import json

import pytest

from knowledge.models import Chunk, CodeRules, DocumentRules
from knowledge.rule_extract import read_sentence, section_marks
from knowledge.sentences import split_sentences
from tests.support.rules import RULES_DIR, build_rules, paragraph_chunks

PHRASINGS = json.loads((RULES_DIR / "phrasings.json").read_text())

SEED_PRIMARY = [
    "50382",
    "50384",
    "50385",
    "50386",
    "50387",
    "50389",
    "50430",
    "50431",
    "50432",
    "50433",
    "50434",
    "50435",
    "50684",
    "50688",
    "50690",
    "50693",
    "50694",
    "50695",
    "51610",
]
SEED_EXCLUDED = ["50553", "50572", "50953", "50972", "52341", "52344", "52345", "74485"]
SEED_SEE_ALSO = ["50385", "50387", "50432", "50433", "50434", "50435", "50693", "50694", "50695"]


def sentence_chunks(text: str, source: str, size: int) -> list[Chunk]:
    """Chunks packed from whole sentences up to ``size`` characters (cuts paragraphs)."""
    chunks: list[Chunk] = []

    def close(start: int, end: int) -> None:
        n = len(chunks)
        chunks.append(Chunk(chunk_id=f"{source}@{n}", doc_id=source, source=source, position=n,
                            text=text[start:end], start=start, end=end))

    start = end = None
    for s, e in split_sentences(text):
        if start is not None and e - start > size:
            close(start, end)
            start = None
        start = s if start is None else start
        end = e
    if start is not None:
        close(start, end)
    return chunks


def rules_for(doc: DocumentRules, code: str) -> CodeRules:
    found = [r for r in doc.rules if r.code == code]
    assert len(found) == 1, f"no single rule set for {code}: {[r.code for r in doc.rules]}"
    return found[0]


def assert_provenance_verbatim(doc: DocumentRules, chunks: list[Chunk]) -> None:
    by_id = {c.chunk_id: c for c in chunks}
    for rules in doc.rules:
        for p in rules.provenance:
            assert by_id[p.chunk_id].text[p.start : p.end] == p.quote, p
    for ex in doc.examples:
        assert by_id[ex.chunk_id].text[ex.start : ex.end] == ex.quote, ex


# --- the seed page -------------------------------------------------------------------


def test_seed_rules(seed_text: str) -> None:
    chunks = paragraph_chunks(seed_text, "seed.txt")
    doc = build_rules(seed_text, "seed.txt", chunks)
    assert [r.code for r in doc.rules] == ["50706"]
    rules = rules_for(doc, "50706")
    assert rules.add_on is True
    assert rules.primary_codes == SEED_PRIMARY
    assert rules.excluded_codes == SEED_EXCLUDED
    assert len(rules.see_also) == 1
    assert rules.see_also[0].codes == SEED_SEE_ALSO
    assert "percutaneous nephrostomy" in rules.see_also[0].when
    assert rules.modifiers == ["50", "59"]
    assert rules.modifier_meanings == {
        "50": "bilateral procedure",
        "59": "distinct procedural service",
    }
    assert {p.rule for p in rules.provenance} == {
        "add_on",
        "primary",
        "excluded",
        "see_also",
        "modifier",
        "included",
    }
    # What the code's work includes, and what is reported separately: the sentences, cited.
    included = [p.quote for p in rules.provenance if p.rule == "included"]
    assert any("encompasses the dilation process itself" in q for q in included)
    assert any("separately billable" in q for q in included)
    assert not any("should include understanding" in q for q in included)  # advice, not scope
    assert_provenance_verbatim(doc, chunks)


def test_seed_glued_sentences_are_quoted_whole(seed_text: str) -> None:
    rules = rules_for(build_rules(seed_text, "seed.txt"), "50706")
    quotes = {p.rule: p.quote for p in rules.provenance}
    assert quotes["primary"].endswith("51610.")
    assert quotes["excluded"].startswith("It should not") and quotes["excluded"].endswith("74485.")
    assert quotes["see_also"].startswith("For percutaneous")


def test_seed_examples_are_split(seed_text: str) -> None:
    doc = build_rules(seed_text, "seed.txt")
    assert sorted(ex.codes for ex in doc.examples) == [
        ["50210", "50706"],
        ["50385", "50706", "52000"],
        ["50706", "52341"],
    ]
    assert not any(" , " in ex.quote for ex in doc.examples)


def test_seed_with_chunks_that_cut_paragraphs(seed_text: str) -> None:
    chunks = sentence_chunks(seed_text, "seed.txt", 300)
    doc = build_rules(seed_text, "seed.txt", chunks)
    rules = rules_for(doc, "50706")
    assert rules.primary_codes == SEED_PRIMARY
    assert rules.excluded_codes == SEED_EXCLUDED
    # An example cut by a chunk boundary keeps all its codes; its quote stays in one chunk.
    assert sorted(ex.codes for ex in doc.examples) == [
        ["50210", "50706"],
        ["50385", "50706", "52000"],
        ["50706", "52341"],
    ]
    assert_provenance_verbatim(doc, chunks)


def test_seed_title_names_the_code(seed_text: str) -> None:
    # Without the heading line the code comes from the document title.
    text = seed_text.replace("2025 CPT code 50706", "Procedure page")
    assert [r.code for r in build_rules(text, "seed.txt").rules] == []
    doc = build_rules(text, "seed.txt", title="2025 CPT code 50706")
    assert rules_for(doc, "50706").primary_codes == SEED_PRIMARY


# --- fixture pages in our own words -----------------------------------------------------


def test_manual_style_page_with_sections_and_ranges() -> None:
    text = (RULES_DIR / "manual_style.txt").read_text()
    chunks = paragraph_chunks(text, "manual_style.txt")
    doc = build_rules(text, "manual_style.txt", chunks)
    assert [r.code for r in doc.rules] == ["99930", "99960"]
    alignment = rules_for(doc, "99930")
    assert alignment.add_on
    assert alignment.primary_codes == ["99921", "99922", "99923", "99924", "99927"]
    assert alignment.excluded_codes == ["99940", "99945", "99946"]
    assert [(s.when, s.codes) for s in alignment.see_also] == [
        ("widget removal without alignment", ["99950", "99951"])
    ]
    flush = rules_for(doc, "99960")
    assert not flush.add_on and flush.excluded_codes == ["99961"]
    assert doc.examples == []
    assert_provenance_verbatim(doc, chunks)


def test_second_code_page_ignores_example_narratives() -> None:
    text = (RULES_DIR / "second_code.md").read_text()
    chunks = paragraph_chunks(text, "second_code.md")
    doc = build_rules(text, "second_code.md", chunks)
    assert [r.code for r in doc.rules] == ["99912"]
    rules = rules_for(doc, "99912")
    assert rules.add_on
    assert rules.primary_codes == ["99901", "99903", "99904", "99905"]  # not 99977 (example)
    assert rules.excluded_codes == ["99920", "99921"]
    assert [(s.when, s.codes) for s in rules.see_also] == [
        ("a channel that is fully blocked", ["99915"])
    ]
    assert rules.modifier_meanings == {"LT": "left side", "RT": "right side"}
    assert [ex.codes for ex in doc.examples] == [["99901", "99912"], ["99912", "99920", "99977"]]
    assert_provenance_verbatim(doc, chunks)


def test_stand_alone_statement_is_kept_as_provenance() -> None:
    text = (RULES_DIR / "conflict_b.txt").read_text()
    rules = rules_for(build_rules(text, "conflict_b.txt"), "99980")
    assert not rules.add_on
    assert [p.rule for p in rules.provenance if p.rule != "descriptor"] == [
        "stand_alone", "excluded"]


def test_extraction_is_deterministic_and_pure() -> None:
    text = (RULES_DIR / "second_code.md").read_text()
    chunks = paragraph_chunks(text, "second_code.md")
    first = build_rules(text, "second_code.md", chunks)
    assert build_rules(text, "second_code.md", list(reversed(chunks))) == first


def test_no_rules_from_an_empty_or_ruleless_page() -> None:
    assert build_rules("", "empty.txt", []).rules == []
    text = "Widget care\n\nA widget should be cleaned with 99970 solution every day."
    assert build_rules(text, "care.txt").rules == []


def test_section_marks() -> None:
    text = "Intro line\n\n# 99930 Widget\n\nText.\n\n(Use 99930 with 99921)\n\nCPT code 99960\n"
    assert section_marks(text) == [
        (text.index("# 99930"), "99930"),
        (text.index("CPT code 99960"), "99960"),
    ]


# --- one sentence at a time ------------------------------------------------------------


@pytest.mark.parametrize("case", PHRASINGS, ids=lambda c: c["sentence"][:40])
def test_phrasing(case: dict) -> None:
    got = [
        {
            "kind": r.kind,
            "subjects": list(r.subjects),
            **({"codes": list(r.codes)} if r.codes else {}),
            **({"when": r.when} if r.when else {}),
            **({"modifiers": dict(r.modifiers)} if r.modifiers else {}),
        }
        for r in read_sentence(case["sentence"], case["context"])
    ]
    assert got == case["rules"]


def test_examples_section_and_letter_labels() -> None:
    text = (
        "# 99912 Widget flush\n\nThis is an add-on code. Use 99912 with 99901.\n\nExamples\n\n"
        "Case A: The physician places a widget (99901) and flushes it (99912).\n\n"
        "A surgeon reports 99912 with 99920 during a gadget repair.\n\n"
        "Billing tips\n\nReport 99912 with 99902 as well.\n"
    )
    doc = build_rules(text, "tips.md")
    assert [ex.codes for ex in doc.examples] == [["99901", "99912"], ["99912", "99920"]]
    # Sentences in the examples section state no rules; the next section does again.
    assert rules_for(doc, "99912").primary_codes == ["99901", "99902"]


def test_a_note_under_a_code_book_entry_is_about_the_entry() -> None:
    text = (
        "## 99940 Widget placement\n\nCode 99940 is reported once per widget.\n\n"
        "+99931 Laser fragmentation of a widget stone, including imaging guidance and the "
        "supervision and interpretation\n\n"
        "(List separately in addition to code for primary procedure)\n\n"
        "(Use 99931 in conjunction with 99940)\n"
    )
    doc = build_rules(text, "manual.md")
    assert rules_for(doc, "99931").add_on
    assert not rules_for(doc, "99940").add_on  # the section's code is not the note's subject


def test_a_list_is_read_item_by_item_for_examples() -> None:
    text = (
        "# 99982 Guidelines\n\n"
        "- (Do not report 99982 in conjunction with 99980, 99981 for the same lesion)\n"
        "- If a biopsy (99986) is done the same day, the surgeon reports 99986 with 99982.\n"
        "- Report 99982 once per lesion.\n"
    )
    doc = build_rules(text, "guide.md")
    # the narrating item is an example; the rule item beside it still gives its rule
    assert [ex.codes for ex in doc.examples] == [["99982", "99986"]]
    assert rules_for(doc, "99982").excluded_codes == ["99980", "99981"]


def test_the_seed_descriptor_follows_its_bare_title(seed_text: str) -> None:
    from ingest.cleaning import clean_text

    # As ingest reads it: cleaned, so the language bar and the version badge are gone.
    rules = rules_for(build_rules(clean_text(seed_text), "seed.txt"), "50706")
    descriptor = [p.quote for p in rules.provenance if p.rule == "descriptor"]
    assert len(descriptor) == 1 and descriptor[0].startswith("Balloon dilation of a ureteral")


@pytest.mark.parametrize(
    ("text", "descriptor"),
    [
        # a title that describes the procedure is the descriptor itself
        (("Banner text here.\n\nCode 99977 (fictional): stent exchange through a nephrostomy\n\n"
          "Code 99977 is an add-on code."),
         "Code 99977 (fictional): stent exchange through a nephrostomy"),
        # a bare title: the sentence after it
        (("2025 CPT code 99977\nExchange of a ureteral stent, with imaging guidance.\n"
          "This is an add-on code."),
         "Exchange of a ureteral stent, with imaging guidance."),
        # a page whose first heading names no code is not about one code
        ("Payer Note PN-1: stents\n\nAdd-on code 99977\nThe plan accepts 99977 with 99910.", None),
    ],
)
def test_the_code_descriptor_is_read_from_the_title(text: str, descriptor: str | None) -> None:
    doc = build_rules(text, "page.txt")
    quotes = [p.quote for r in doc.rules for p in r.provenance if p.rule == "descriptor"]
    assert quotes == ([descriptor] if descriptor else [])


FAQ_PAGE = """# Widget scope questions

(Do not report 99978 with 99970 or 99971 at one widget visit)

Q: Can 99978 be billed with 99971 if the look-around took a long time?

No: 99978 is never reported with 99971 for one widget.

## Add-on 99980

Add-on code: +99980 | Primary codes listed: 99970, 99971 | Frequent coding error: Billed with 99978 for the same widget
"""


def test_a_question_or_an_error_cell_states_no_rule() -> None:
    rules = {r.code: r for r in build_rules(FAQ_PAGE, "faq.md").rules}
    # The question's pair is not read as "99971 is a primary code of 99978".
    assert rules["99978"].primary_codes == []
    assert rules["99978"].excluded_codes == ["99970", "99971"]
    assert not any(p.quote.startswith("Q:") for p in rules["99978"].provenance)
    # The audit-error cell of a table row (as the loaders write rows) pairs no code with 99978.
    assert not any("99978" in r.primary_codes for r in rules.values())
    assert rules["99980"].add_on
    assert read_sentence("Is 99931 billed with 99910?", None) == []
    assert read_sentence("Use 99931 in conjunction with 99910.", None) != []
