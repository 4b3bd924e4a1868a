"""What a question pins its answer to, beyond its code: a year, a payer or a region by name.

"What was the fee of 99931 in 2023?" asks for 2023's figure; a schedule of another year
answers another question. "What does Sanitas pay for 99931?" asks one payer's figure; another
payer's row answers another question. When the materials never write the anchor where they
speak of the code, the question is not covered, however close the rest of it is.
"""

from __future__ import annotations

import re

from retrieval.glossary import concept_terms, concepts_in
from retrieval.lexical import LexicalIndex, phrase_words
from retrieval.query import Question
from retrieval.source_view import heading_path

__all__ = ["is_year", "term_not_written", "unknown_name", "year_not_given"]

# A calendar year standing alone ("in 2023", "2025年"), not part of a version ("2025.1"),
# an amount or a longer number.
_YEAR = re.compile(r"(?<![\d.,$])(?:19|20)\d{2}(?![\d.,]\d|\d)")
# A proper name as questions write one: a capital, lower-case letters after it, perhaps an
# inner capital ("Sanitas", "PhilHealth", "Medicaid"). Upper-case abbreviations ("TPN",
# "DOS", "OK") are left out: questions use them for common words.
_NAME = re.compile(r"(?<![A-Za-z0-9_-])[A-Z][a-z]+(?:[A-Z][a-z]+)*(?![A-Za-z0-9_-])")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
# What may stand before the first word of a sentence (a capital there names nothing).
_SENTENCE_START = tuple(".?!:;¿¡\"'«“(")
# German writes every noun with a capital: there only an inner capital marks a name.
_ALL_NOUNS_CAPITAL = frozenset({"de"})


def is_year(word: str) -> bool:
    """``word`` is a calendar year ("2025")."""
    return _YEAR.fullmatch(word) is not None


def year_not_given(question: Question, lexical: LexicalIndex) -> bool:
    """The question names a year and a code, and no document naming the code names the year."""
    if not question.codes:
        return False
    years = set(_YEAR.findall(question.text))
    if not years:
        return False
    docs: set[str] = set()
    for code in question.codes:
        docs |= lexical.documents_with(code)
    return any(not lexical.documents_with(year) & docs for year in years)


# A payer or programme named by its initials ("AOK", "BCBS"): three to six capitals.
_INITIALS = re.compile(r"(?<![A-Za-z0-9_-])[A-Z]{3,6}(?![A-Za-z0-9_-])")


def unknown_name(question: Question, lexical: LexicalIndex, initials: bool = False) -> str | None:
    """A proper name of the question that no document contains, if any ("Sanitas").

    ``initials``: a name written in capitals ("AOK") counts too, unless the glossary knows
    the word as coding vocabulary ("RVU", "HCPCS") or the question is written in capitals.
    """
    text = question.text
    if initials and not _shouted(text):
        for m in _INITIALS.finditer(text):
            word = m.group()
            if not concepts_in(word, "en") and not lexical.documents_with(word):
                return word
    for m in _NAME.finditer(text):
        word = m.group()
        if len(word) < 4:
            continue
        before = text[: m.start()].rstrip()
        if not before or before.endswith(_SENTENCE_START):
            continue
        if question.language in _ALL_NOUNS_CAPITAL and not _INNER_CAPITAL.search(word):
            continue
        if not lexical.documents_with(word):
            return word
    return None


def _shouted(text: str) -> bool:
    """Half or more of the Latin letters of ``text`` are capitals (or it has none)."""
    letters = [c for c in text if "A" <= c <= "Z" or "a" <= c <= "z"]
    return sum(c.isupper() for c in letters) * 2 >= len(letters)


# Languages whose own words are not in Latin letters: a Latin-script run in a question of one
# of them is a term quoted from the materials' language (a Russian question saying "(clean
# claim)").
_OWN_SCRIPT = frozenset({"ru", "zh", "ar", "ko"})
_LATIN_TERM = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z-]{2,}(?:\s+[A-Za-z][A-Za-z-]{2,})*(?![\w-])")


def term_not_written(
    question: Question, lexical: LexicalIndex, docs: frozenset[str], names: frozenset[str]
) -> str | None:
    """An English term a question in another script quotes ("clean claim") that the
    documents ``docs`` it names (by ``names``) never write, if any: what they say answers
    another question. A question naming codes needs the term where the documents speak of
    one of them ("61235 ... (facility)" is not answered by 61235's office row)."""
    if question.language not in _OWN_SCRIPT or not docs:
        return None
    folded = {n.casefold() for n in names}
    beside: list[str] | None = None  # the words of the units about the codes, read once
    for m in _LATIN_TERM.finditer(question.text):
        term = m.group()
        if term.isupper() or any(n in term.casefold() for n in folded) or any(
                term.casefold() in n for n in folded):
            continue  # an abbreviation ("CPT", "E/M") is used loosely, a name is the source's
        known = concepts_in(term, "en")
        if known:
            # A term the glossary knows ("prior auth", "payer") names its concept, which the
            # document may write in any of its spellings, anywhere ("prior authorization").
            if not any(lexical.mentions(t, docs) for c in known for t in concept_terms(c)):
                return term
            continue
        if not lexical.mentions(term, docs):
            return term
        if question.codes:
            if beside is None:
                beside = [_words(f"{u.text} | {' '.join(heading_path(u.chunk))}")
                          for code in question.codes for u in lexical.about_code(code, docs)]
            if not any(_words(term) in words for words in beside):
                return term
    return None


def _words(text: str) -> str:
    """``text``'s folded words, spaced and padded for whole-phrase search."""
    return f" {' '.join(phrase_words(text))} "
