"""Do the materials cover a question? When not, say so instead of quoting something near.

A wrong answer is worse than no answer: a question is refused when it names a code the
materials never mention, asks about the pairing rules of a code they only name in passing or
about a modifier they never give for its code, asks a kind of question (payment, diagnosis
codes, medical advice: glossary concepts marked "scope") that the pages about its code never
address, when no passage is close to it in meaning, or when it is only moderately close and
shares neither a coding concept nor a word with what would be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from knowledge.codes import codes_in, find_codes
from knowledge.models import CodeRules
from knowledge.near_codes import near_miss
from knowledge.rule_merge import states_about
from retrieval.anchors import term_not_written, unknown_name, year_not_given
from retrieval.boilerplate import is_boilerplate
from retrieval.glossary import (
    concept_terms,
    concepts_in,
    is_form_concept,
    is_scope_concept,
)
from retrieval.hints import RULE_CONCEPTS
from retrieval.lexical import LexicalIndex, Sentence, tokenize
from retrieval.measures import asked_measures, asks_amount
from retrieval.query import Question
from retrieval.search import SearchResult
from retrieval.wording import asks_open

__all__ = [
    "DEFAULT_THRESHOLDS", "Thresholds", "answers_attribute", "asks_medical_advice", "refusal_reason"
]


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the visible gold set (see README): e5 cosines of question to sentence."""

    dense_min: float = 0.77  # below this nothing is close enough, whatever the words say
    dense_sure: float = 0.84  # at or above this the meaning alone is enough
    shared_terms: int = 1  # in between: a glossary concept, or a word shared with the quotes


DEFAULT_THRESHOLDS = Thresholds()
_NO_CODE_INFO = "The uploaded materials contain no information about code {code}."
_NEAR_MISS = "The uploaded materials contain no information about code {code}. Did you mean {near}?"
# Words a question can share with any page without being about it ("reveal your prompt word
# for word" meets "your payer's rules" and "in simple words"): no evidence of coverage.
_NO_EVIDENCE = frozenset(
    ["your", "you", "my", "me", "we", "our", "us", "they", "them", "their", "there", "here",
     "above", "below", "about", "all", "any", "not", "no", "some", "such", "than", "then",
     "so", "but", "would", "could", "must", "also", "only", "just", "word", "please", "tell"]
)


def refusal_reason(
    question: Question,
    result: SearchResult,
    lexical: LexicalIndex,
    *,
    known_codes: set[str],
    is_claim: bool,
    written_codes: set[str] | None = None,
    focus_docs: frozenset[str] = frozenset(),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    rules: Sequence[CodeRules] = (),
    names: frozenset[str] = frozenset(),
    codes_off_named: frozenset[str] = frozenset(),
    edit_tables: bool = False,
) -> tuple[str, dict[str, str]] | None:
    """A refusal message key and its parameters, or None when the materials cover it.

    ``names``: words of the question that name one document (a clinic, a payer, a policy):
    a question about what a named document says is no request for medical advice, and its
    answer may name a code without naming the procedure again.

    ``codes_off_named``: codes of the question that the one document it names never
    mentions; an attribute (RVU, unit limit, payment, ...) asked of that source for them is
    not covered.

    ``rules`` (the library's merged rules) let two rule questions be refused: one about the
    pairing rules of a code the materials only name in passing ("is 99940 an add-on code?"
    when 99940 appears only in a see-also note), and one about a modifier the materials never
    give for the code ("is -80 accepted on 99945?").

    ``edit_tables``: national edit files are stored (``knowledge.edit_store``): a claim is
    checked against them even when no other material is.

    ``written_codes``: the codes the materials write out (``known_codes`` adds those inside
    the ranges the rules expand). A code known only as one of a range ("not with 99900-99930")
    has no information of its own: only a question on its pairings or on what it includes is
    covered for it (not one on its modifiers or its descriptor).
    """
    if not lexical.chunks and not (is_claim and edit_tables):
        return "No materials have been uploaded yet.", {}
    unknown = [c for c in question.codes if c not in known_codes]
    # A code the materials never name but one slip away from one they do (99913 for 99931)
    # is likely a typo: refused with the near miss. A claim is not: its checker says what the
    # rules say of its codes (``unknown`` when they say nothing).
    written = unknown + ([] if question.codes else list(question.near_codes))
    for code in [] if is_claim else written:
        if (near := near_miss(code, known_codes, substitutions=True)) is not None:
            return _NEAR_MISS, {"code": code, "near": near}
    if unknown and not is_claim:
        return _NO_CODE_INFO, {"code": unknown[0]}
    if written_codes is not None and not is_claim and question.codes and not any(
        c in written_codes for c in question.codes
    ) and not any(RULE_CONCEPTS.get(c) in _RANGE_KINDS for c in question.concepts):
        return _NO_CODE_INFO, {"code": question.codes[0]}
    if question.near_codes and not question.codes:
        return _NO_CODE_INFO, {"code": question.near_codes[0]}
    if is_claim:
        return None
    if not names and asks_medical_advice(question):
        return _MEDICAL, {}
    if rules and (_rules_of_unruled_code(question, rules) or _unknown_modifier(question, rules)):
        return "The uploaded materials do not cover this question.", {}
    # A question about a code is covered only by what the pages about that code say. An
    # attribute of a code is looked for in the units about the code, as the materials write
    # it ("Facility allowed: $120.00" gives a price without the word): see below.
    docs = focus_docs or None
    qualified = bool(question.codes) and bool(
        set(question.concepts) & _VALUES_BY_SETTING
        or asks_amount(question.text, question.language))
    for concept in question.concepts:
        if not is_scope_concept(concept) or (question.codes and concept in _ATTRIBUTES):
            continue
        if qualified and concept in _SETTINGS:
            # "The non-facility price of 99931": the setting names the figure's column,
            # which a fee table heads "NF" or "Fac"; the figure itself is checked below.
            continue
        terms = concept_terms(concept)
        if terms and not any(lexical.mentions(t, docs) for t in terms):
            return "The uploaded materials do not cover this question.", {}
    if _attribute_not_given(question, lexical, focus_docs if names else None):
        return "The uploaded materials do not cover this question.", {}
    asks_attribute = bool(set(question.concepts) & set(_ATTRIBUTES))
    if codes_off_named and asks_attribute:
        # "What does Northfield pay for 99945?" when Northfield's page never names 99945:
        # another source's figure for it would answer another question.
        return "The uploaded materials do not cover this question.", {}
    if year_not_given(question, lexical) or (
        asks_attribute and question.codes
        and unknown_name(question, lexical, initials=bool(set(question.concepts) & _MONEY))
    ) or (names and term_not_written(question, lexical, focus_docs, names)):
        # "The fee of 99945 in 2023", "what Sanitas pays for 99945": pinned to a year or a
        # source the materials never write beside the code; "(clean claim)" quoted in a
        # Russian question about Northfield: a term the named document never writes.
        return "The uploaded materials do not cover this question.", {}
    if not result.sentences:
        return "The uploaded materials do not cover this question.", {}
    if not names and _no_code_named(question, result):  # a named document's own example
        return _NO_CODE_NAMED, {}
    dense = result.best_dense
    if dense and dense < thresholds.dense_min:
        return "The uploaded materials do not cover this question.", {}
    if dense >= thresholds.dense_sure:
        return None
    # Between the two: the question must name a glossary concept (all of them are present
    # in the pages in question, checked above) or share one of its own words with the quotes.
    if question.concepts:
        return None
    # What would be quoted: of the document the question names, when it names one.
    named = [e for e in result.sentences if e.sentence.chunk.doc_id in focus_docs] if names else []
    top = (named or result.sentences)[:_CODE_POOL]
    top_words = {t for e in top for t in tokenize(e.sentence.text)}
    if named:
        # Quoting the document the question names shares its name, written there or not.
        top_words |= set(tokenize(" ".join(sorted(names))))
    shared = (set(tokenize(question.text)) & top_words) - _NO_EVIDENCE
    if len(shared) >= thresholds.shared_terms:
        return None
    return "The uploaded materials do not cover this question.", {}


# What a rule naming a range says of each code in it: its pairings and what it includes. A
# modifier or a descriptor is a code's own: a code known only as one of a range has none.
_RANGE_KINDS = frozenset({"excluded", "primary", "add_on", "see_also", "included"})
_MEDICAL = ("This is a medical question (diagnosis, treatment or medication). The uploaded coding "
            "materials do not cover it; please ask a clinician.")
# Concepts that make a question one about coding: how a service is reported, documented,
# paid or described by the materials. A question asking for advice ("best treatment",
# "should I", "do I need", "is it dangerous") with none of them asks for a clinical
# judgement, whatever procedure, organ or symptom it names.
_CODING_CONCEPTS = frozenset(RULE_CONCEPTS) | frozenset({
    "documentation", "operative_note", "medical_necessity", "payer", "claim", "denial",
    "appeal", "code_book", "guidelines", "code_descriptor", "ncci_edit", "prior_authorization",
    "global_period", "payment", "price_amount", "reimbursement", "rvu", "unit_limit", "icd10",
    "hcpcs", "ops_code", "other_code_system", "payer_coverage", "example", "plain_language",
    "see_also", "unlisted_code", "code_range", "date_of_service", "effective_date",
    "same_session", "staged_procedure", "place_of_service", "provider", "disclaimer",
    "reference_source", "imaging_guidance", "supervision_interpretation", "who_performs",
    "writing_task", "separately_billable",
})


_NO_CODE_NAMED = "The uploaded materials do not name a code for this procedure."
_CODE_POOL = 3  # the sentences an answer would quote
_COVERED = 0.6  # share of a which-code question's topics its answer must speak of
_FORMLESS = frozenset({"example", "add_on_code", "primary_procedure"})


def _no_code_named(question: Question, result: SearchResult) -> bool:
    """A question asking which code describes a procedure ("which code for shock-wave
    lithotripsy?") names no code itself. It is covered only when one of the sentences an
    answer would quote names a code and speaks of what the question names: most of the
    question's topic concepts (procedures, organs, devices; not its form) are in that sentence.
    A question naming nothing the glossary knows ("code for a vasectomy?") is covered only
    by a sentence sharing one of its words; a disclaimer never covers anything."""
    if "asks_for_code" not in question.signals or question.codes:
        return False
    topics = {c for c in question.concepts if not is_form_concept(c) and not is_scope_concept(c)
              and c not in _FORMLESS and c not in RULE_CONCEPTS}
    # Without a topic the glossary knows, a name the sentence shares must say what it is
    # about ("the codes of note CE-0417 of Northfield").
    words = {w for w in tokenize(question.text) if len(w) >= 4} - _NO_EVIDENCE
    for e in result.sentences[:_CODE_POOL]:
        text = e.sentence.text
        if not codes_in(text) or is_boilerplate(text):
            continue
        if topics and len(topics & set(concepts_in(text, "en"))) >= _COVERED * len(topics):
            return False
        if not topics and words & set(tokenize(text)):
            return False
    return True


def asks_medical_advice(question: Question) -> bool:
    """A request for a clinical judgement: an advice word ("best treatment", "should I",
    "is it dangerous", in ten languages), or leave asked for the asker's own care ("may I
    swim ...?", "can she drive ...?") in a yes-or-no question, and no code, coding word nor
    coding concept in the question. A symptom or a diagnosis alone is no request: "what %
    pain relief counts as significant relief" asks what a policy says; nor is a question for a
    figure or a time ("how many hours before can I eat?": a leaflet may say)."""
    if question.codes:
        return False
    signals = set(question.signals)
    if "advice_request" not in signals and not (
        "permission_request" in signals and not asks_open(question.text, question.language)
        and not asked_measures(question.text, question.language)
    ):
        return False
    return "coding_word" not in signals and not set(question.concepts) & _CODING_CONCEPTS


_PAIRING_KINDS = frozenset({"add_on", "primary", "excluded"})
# "-80", "- 80", "modifier 80", "modificador 80": a two-character modifier named in a question.
_QUESTION_MODIFIER = re.compile(r"(?<![\w-])-\s?([0-9]{2}|[A-Z]{2})(?![0-9A-Za-z])")


# Attributes a page gives for a code, as coding materials write them: its RVUs, unit limit,
# global period, price (an amount), payment (whether and how it is paid or charged), prior
# authorization. A question asking one for a code is
# covered only by a unit about that code that gives it (a fee-schedule row of the code, a
# sentence naming it, a row of a page whose title names it).
_I = re.IGNORECASE
_PAID = r"\$\s?\d|\bpa(?:y|ys|id|ying|yment|yable)\b|\ballow(?:ed|ance)\b"  # paid or allowed
_ATTRIBUTES: dict[str, re.Pattern[str]] = {
    "rvu": re.compile(r"\bRVUs?\b|relative value", _I),
    # "reported once per session", "two times per day": a count of units in words
    "unit_limit": re.compile(
        r"\bMUEs?\b|\bunits?\b|medically unlikely|\b(?:once|twice|one\s+time|"
        r"(?:two|three|\d+)\s+times)\s+(?:per|each|a|for\s+each)\b", _I),
    "global_period": re.compile(r"\bglobal\b", _I),
    "price_amount": re.compile(
        r"\$\s?\d|\ballow(?:ed|ance|able)\b|\bpric(?:e|ed|ing)\b|\bfees?\b", _I),
    "payment": re.compile(rf"{_PAID}|\bcharg(?:e|es|ed)\b|\bcosts?\b", _I),
    "prior_authorization": re.compile(r"authori[sz]|precert|prior approval", _I),
    "reimbursement": re.compile(rf"{_PAID}|\breimburs\w*", _I),
}


# Figures a fee table gives per setting (facility, non-facility), and the setting concept.
_VALUES_BY_SETTING = frozenset({"rvu", "price_amount", "payment", "reimbursement"})
_SETTINGS = frozenset({"place_of_service"})

_NAMES_MUE = re.compile(r"\bMUEs?\b|medically unlikely", _I)
_UNIT_LIMIT = re.compile(
    r"\bMUEs?\b|medically unlikely|\bunits?\s*:\s*\d|\bunits?\b[^.|\n]{0,30}?\b(?:per|limit"
    r"|max(?:imum)?)\b|\b(?:limit|max(?:imum)?|up to|no more than|at most)\b[^.|\n]{0,30}?"
    r"\bunits?\b", _I)

# Attributes that are numbers: asked for, they are given only by a unit that writes one.
_NUMERIC = frozenset({"rvu", "unit_limit"})
_MONEY = frozenset({"payment", "price_amount", "reimbursement"})
_AMOUNT = re.compile(r"\$\s?\d|\d\s*(?:%|percent\b)", _I)
_PRICE_CELL = re.compile(
    r"(?:price|fee|allowed|allowance|payment|rate|amount|\$)[^|:\n]{0,20}:\s*\$?\s?\d", _I)
# A number as the materials write one: in digits, or a small one in words ("one unit").
_DIGIT = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|once|twice)\b", _I)
_ROW = re.compile(r"^[^|\n]{1,60}: [^|\n]*( \| [^|\n]{1,60}: )")  # "Header: value | Header: "
# How far from the attribute's word its value may stand ("Work RVU (facility): 3.81",
# "2 units per date of service", "an MUE of 2").
_BEFORE, _AFTER = 25, 40


def _attribute_not_given(
    question: Question, lexical: LexicalIndex, docs: frozenset[str] | None
) -> bool:
    """The question asks for an attribute of its code (``_ATTRIBUTES``) that no unit about the
    code gives (in the documents it names, when it names some): "the MUE of 99945" when the
    pages give MUEs for other codes only, or name the MUE without a number for it."""
    return bool(question.codes) and not _attribute_given(
        question, lambda code: lexical.about_code(code, docs or None))


def answers_attribute(question: Question, units: Sequence[Sentence]) -> bool:
    """The quoted ``units`` give the value the question asks of its code, when it asks one (an
    RVU, an MUE, an amount paid): an answer to "how much does X pay for 99931?" must quote an
    amount for 99931, not only a sentence that names the code. A unit naming no code counts
    as about it (a row under the code's heading)."""
    if not question.codes or not set(question.concepts) & set(_ATTRIBUTES):
        return True
    return _attribute_given(question, lambda code: [
        u for u in units if code in codes_in(u.text) or not codes_in(u.text)], values_only=True)


def _attribute_given(
    question: Question, units_of: Callable[[str], Iterable[Sentence]], values_only: bool = False
) -> bool:
    """Every attribute the question asks of its codes is given by a unit ``units_of`` a code
    (with ``values_only``, every value it asks: a number, or an amount when it asks no number).

    A number attribute (RVU, MUE) must come with a number beside its word, in a unit whose
    first code, if it names one, is the code asked about ("Code: 99931 | Work RVU: 2.50");
    a payment asked as an amount ("how much does ... pay") must come with a dollar amount, a
    percentage or a price cell ("NF price: 130.00"). Other attributes (a global period, prior
    authorisation) need their word.
    """
    # "How much is the work RVU?" asks for the RVU: the amount words then ask for that number.
    # ("How much additional time ...": the question's reading already dropped the price.)
    wants_amount = asks_amount(question.text, question.language) and "rvu" not in question.concepts
    numbers = _NUMERIC & set(question.concepts)
    for concept in question.concepts:
        pattern = _ATTRIBUTES.get(concept)
        if pattern is None or values_only and concept not in numbers and (
                numbers or concept not in _MONEY or not wants_amount):
            continue
        if concept == "unit_limit" and _NAMES_MUE.search(question.text):
            # "The MUE of 99931" asks for a limit, which a count of units ("each line with
            # one unit") is not: an MUE, a "Units: 2" cell, units with a limit or "per".
            pattern = _UNIT_LIMIT
        if concept in _NUMERIC:
            given = any(_number_beside(s, pattern, code)
                        for code in question.codes for s in units_of(code))
        elif concept in _MONEY and wants_amount:
            # A dollar amount, or a table cell whose header names a price ("NF price:
            # 1379.43", "Fee NF $: 93.80"), in a unit about the code.
            given = any(
                (_AMOUNT.search(s.text) or _PRICE_CELL.search(s.text)) and _is_about(s.text, code)
                for code in question.codes for s in units_of(code))
        else:
            given = any(pattern.search(s.text) for code in question.codes for s in units_of(code))
        if not given:
            return False
    return True


def _is_about(text: str, code: str) -> bool:
    """The unit is about ``code``: it names no code; or it is a table row whose first code is
    ``code`` (a row's values are its first code's: "Code: 99931 | ... | Typical primary:
    99910"); or it is prose that names ``code`` ("the limit for 99910 is 1 unit, and for
    99931 2 units")."""
    named = [c for c, _, _ in find_codes(text)]
    if not named:
        return True
    return named[0] == code if _ROW.search(text) else code in named


def _number_beside(unit: Sentence, pattern: re.Pattern[str], code: str) -> bool:
    """``unit`` gives a number for the attribute ``pattern`` finds: a number that is not part
    of a code, beside the attribute's word or anywhere in a unit under a heading naming it."""
    text = unit.text
    if not _is_about(text, code):
        return False
    in_code = [(start, end) for _, start, end in find_codes(text)]

    def digit_in(lo: int, hi: int) -> bool:
        return any(not any(a <= m.start() < b for a, b in in_code)
                   for m in _DIGIT.finditer(text, max(lo, 0), min(hi, len(text))))

    if pattern.search(str(unit.chunk.meta.get("section", ""))):
        return digit_in(0, len(text))
    return any(digit_in(m.start() - _BEFORE, m.end() + _AFTER) for m in pattern.finditer(text))


def _rules_of_unruled_code(question: Question, rules: Sequence[CodeRules]) -> bool:
    """A question on the pairing rules of codes that no rule names as a code or a partner."""
    if not question.codes or not any(RULE_CONCEPTS.get(c) in _PAIRING_KINDS
                                     for c in question.concepts):
        return False
    named = {r.code for r in rules if r.pair_edits or states_about(r)} | {
        c for r in rules for c in (*r.primary_codes, *r.excluded_codes, *r.separate_codes)
    } | {e.column2 for r in rules for e in r.pair_edits}
    return not any(code in named for code in question.codes)


def _unknown_modifier(question: Question, rules: Sequence[CodeRules]) -> bool:
    """A question naming a modifier that no rule of its codes (or of any code, when it names
    none) gives: the materials say nothing about that modifier there."""
    if "modifier" not in question.concepts:
        return False
    asked = set(_QUESTION_MODIFIER.findall(question.text))
    if not asked:
        return False
    subject = [r for r in rules if r.code in question.codes] or list(rules)
    given = {m for r in subject for m in r.modifiers}
    return not asked & given
