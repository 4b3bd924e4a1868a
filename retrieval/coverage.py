"""Do the materials cover a question? When not, say so instead of quoting something near.

A wrong answer is worse than no answer: a question is refused when it names a code the
materials never mention, asks a kind of question (payment, diagnosis codes, medical advice:
glossary concepts marked "scope") that the pages about its code never address, when no passage is close to it in meaning, or when it is only moderately close
and shares neither a coding concept nor a word with what would be quoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.glossary import concept_terms, is_scope_concept
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
) -> tuple[str, dict[str, str]] | None:
    """A refusal message key and its parameters, or None when the materials cover it."""
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
