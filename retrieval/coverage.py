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
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.models import CodeRules
from retrieval.glossary import concept_terms, is_scope_concept
from retrieval.hints import RULE_CONCEPTS
from retrieval.lexical import LexicalIndex, tokenize
from retrieval.query import Question
from retrieval.search import SearchResult

__all__ = ["DEFAULT_THRESHOLDS", "Thresholds", "refusal_reason"]


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the visible gold set (see README): e5 cosines of question to sentence."""

    dense_min: float = 0.77  # below this nothing is close enough, whatever the words say
    dense_sure: float = 0.84  # at or above this the meaning alone is enough
    shared_terms: int = 1  # in between: a glossary concept, or a word shared with the quotes


DEFAULT_THRESHOLDS = Thresholds()
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
    focus_docs: frozenset[str] = frozenset(),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    rules: Sequence[CodeRules] = (),
) -> tuple[str, dict[str, str]] | None:
    """A refusal message key and its parameters, or None when the materials cover it.

    ``rules`` (the library's merged rules) let two rule questions be refused: one about the
    pairing rules of a code the materials only name in passing ("is 99940 an add-on code?"
    when 99940 appears only in a see-also note), and one about a modifier the materials never
    give for the code ("is -80 accepted on 99945?").
    """
    if not lexical.chunks:
        return "No materials have been uploaded yet.", {}
    unknown = [c for c in question.codes if c not in known_codes]
    if unknown and not is_claim:
        return "The uploaded materials contain no information about code {code}.", {
            "code": unknown[0]
        }
    if question.near_codes and not question.codes:
        return "The uploaded materials contain no information about code {code}.", {
            "code": question.near_codes[0]
        }
    if is_claim:
        return None
    if rules and (_rules_of_unruled_code(question, rules) or _unknown_modifier(question, rules)):
        return "The uploaded materials do not cover this question.", {}
    # A question about a code is covered only by what the pages about that code say.
    docs = focus_docs or None
    for concept in question.concepts:
        if not is_scope_concept(concept):
            continue
        terms = concept_terms(concept)
        if terms and not any(lexical.mentions(t, docs) for t in terms):
            return "The uploaded materials do not cover this question.", {}
    if not result.sentences:
        return "The uploaded materials do not cover this question.", {}
    dense = result.best_dense
    if dense and dense < thresholds.dense_min:
        return "The uploaded materials do not cover this question.", {}
    if dense >= thresholds.dense_sure:
        return None
    # Between the two: the question must name a glossary concept (all of them are present
    # in the pages in question, checked above) or share one of its own words with the quotes.
    if question.concepts:
        return None
    top_words = {t for e in result.sentences[:3] for t in tokenize(e.sentence.text)}
    shared = (set(tokenize(question.text)) & top_words) - _NO_EVIDENCE
    if len(shared) >= thresholds.shared_terms:
        return None
    return "The uploaded materials do not cover this question.", {}


_PAIRING_KINDS = frozenset({"add_on", "primary", "excluded"})
# "-80", "- 80", "modifier 80", "modificador 80": a two-character modifier named in a question.
_QUESTION_MODIFIER = re.compile(r"(?<![\w-])-\s?([0-9]{2}|[A-Z]{2})(?![0-9A-Za-z])")


def _rules_of_unruled_code(question: Question, rules: Sequence[CodeRules]) -> bool:
    """A question on the pairing rules of codes that no rule names as a code or a partner."""
    if not question.codes or not any(RULE_CONCEPTS.get(c) in _PAIRING_KINDS
                                     for c in question.concepts):
        return False
    named = {r.code for r in rules} | {
        c for r in rules for c in (*r.primary_codes, *r.excluded_codes, *r.separate_codes)
    }
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
