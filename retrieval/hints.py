"""Turn what the rule module knows into search hints for a question.

A page about one code talks about it in every sentence, so the code alone says little about
which sentence answers. The rules say more: a question about exclusions of 50706 is answered
by the sentence the exclusion list was extracted from, whatever the question's language.
"""

from __future__ import annotations

import re

from knowledge.library import LibraryView
from knowledge.rule_merge import states_about
from retrieval.glossary import concepts_in
from retrieval.lexical import LexicalIndex, tokenize
from retrieval.query import Question
from retrieval.search import SearchHints
from retrieval.wording import steering_words

__all__ = ["RULE_CONCEPTS", "about_rules_only", "names_other_work", "negated", "search_hints"]

#: Glossary concept -> the kind of rule a question naming it asks about.
RULE_CONCEPTS: dict[str, str] = {
    "exclusion": "excluded",
    "primary_procedure": "primary",
    "report_with": "primary",
    "add_on_code": "add_on",
    "see_also": "see_also",
    "modifier": "modifier",
    "bilateral": "modifier",
    "distinct_service": "modifier",
    "included": "included",
    "separately_billable": "included",
    "code_descriptor": "descriptor",
}
# Kinds asked together with other words of the question ("is imaging included in 50706?",
# "the official description of 50706"); other rules only by questions about them alone.
_CONTENT_KINDS = frozenset({"included", "descriptor"})
_OTHER_WORK = frozenset({
    "access_route", "diagnostic_imaging", "imaging_studies",
    "imaging_guidance", "supervision_interpretation", "documentation", "operative_note",
    "anesthesia", "catheter", "guidewire", "pre_post_imaging", "unit_limit",
})
# A capitalised word of 4+ letters, or an identifier like CE-0417.
# A Korean or Japanese particle may be glued to a name ("Northfield에서"): only Latin
# letters and digits around it make it part of a longer word.
# An acronym ("WXPA") names a document too, when it is the only one that writes it.
_NAME = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][a-z]{3,}[A-Za-z]*|[A-Z]{1,4}-\d{2,}|[A-Z]{3,6})(?![A-Za-z0-9])")
# Capitalised words that name no document: sentence starts and coding words.
_NOT_NAMES = frozenset(["what", "which", "when", "where", "does", "code", "codes", "example"])
#: Concepts that say nothing about the subject of a question (its form, the code's words).
_NEUTRAL = frozenset({"description"})
def negated(question: Question) -> bool:
    """True when the question is phrased with a negation ("which codes can NOT ...")."""
    text = f" {question.text.lower()} "
    for lang in {question.language, "en"}:
        for word in steering_words("negation").get(lang, ()):
            if word.isascii() or lang in ("es", "fr", "de", "tl", "vi", "ru"):
                if re.search(rf"(?<!\w){re.escape(word.strip())}", text):
                    return True
            elif word in text:
                return True
    return False


def about_rules_only(question: Question) -> bool:
    """False when the question is also about something else (documentation, access, imaging):
    then it is not a question about the coding rule it happens to mention ("what documents
    justify the add-on?", "is the access coded on its own or rolled into 50706?").
    """
    return all(c in RULE_CONCEPTS or c in _NEUTRAL for c in question.concepts)


def names_other_work(question: Question) -> bool:
    """True when the question names work that could itself be coded or "reported on its own"
    (access, imaging, anesthesia, documentation, ...): "alone" may then be about that work.
    """
    return any(c in _OTHER_WORK for c in question.concepts)


def _kinds(question: Question) -> list[str]:
    rules_only = about_rules_only(question)
    # Next to "add-on", "reported separately" means reported alone ("单独报"), not unbundled.
    alone = "add_on_code" in question.concepts and "included" not in question.concepts
    kinds: list[str] = []
    for concept in question.concepts:
        kind = RULE_CONCEPTS.get(concept)
        if kind == "included" and alone:
            continue
        if kind and kind not in kinds and (rules_only or kind in _CONTENT_KINDS):
            kinds.append(kind)
    if "primary" in kinds and negated(question):
        kinds = ["excluded" if k == "primary" else k for k in kinds]
    if "excluded" in kinds and "primary" in kinds:
        kinds.remove("primary")
    return kinds


def search_hints(question: Question, view: LibraryView, lexical: LexicalIndex) -> SearchHints:
    """Subject codes, the documents about them and the rule sentences the question asks for.

    ``lexical`` is the view's index: a name the question shares with one document only (a
    payer, a policy number) also makes that document the focus.
    """
    rules = {r.code: r for r in view.rules if states_about(r)}
    subject = [c for c in question.codes if c in rules]
    focus = frozenset(d for c in subject for d in lexical.documents_with(c))
    sentences: list[tuple[str, int, int]] = []
    first_of_kind: dict[str, tuple[str, int, int]] = {}
    kinds = _kinds(question)
    for code in subject or sorted(rules):
        for kind in kinds:
            for p in rules[code].provenance:
                key = (p.chunk_id, p.start, p.end)
                if p.rule == kind and p.end > p.start and key not in sentences:
                    sentences.append(key)
                    if subject:
                        first_of_kind.setdefault(kind, key)
    about = frozenset(
        d.doc_id for d in view.document_rules
        if any(r.code in subject and states_about(r) for r in d.rules)
    ) & focus
    named, names, off_named = _named_documents(question, lexical)
    if named and (not focus or focus & named):
        # "Does Northfield accept 99931 ...": of the pages about the code, the one that names
        # Northfield is what is asked. A name and a code no page shares narrow nothing.
        about = (about & named) or named
        focus = focus & named if focus else named
    return SearchHints(
        subject_codes=frozenset(subject),
        focus_docs=focus,
        subject_docs=about,
        rule_sentences=tuple(sentences),
        # "Is 99931 an add-on code, and which primary codes does it need?": both are quoted.
        asked_rules=tuple(first_of_kind.values()) if len(first_of_kind) > 1 else (),
        # The name of the document asked about is on every line of it, as its topic is.
        topic_terms=_topic_terms(question, view, focus, lexical) | _name_terms(names),
        names=names,
        codes_off_named=off_named,
    )


def _named_documents(
    question: Question, lexical: LexicalIndex
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The document named by capitalised words or identifiers ("Northfield", "CE-0417") of
    the question that occur in exactly one document, when there are several; those words;
    and the question's codes that this document never mentions (then no document is named:
    the question asks that source about something it does not address)."""
    found: set[str] = set()
    names: set[str] = set()
    for word in _NAME.findall(question.text):
        if word.isupper() and concepts_in(word, "en"):
            continue  # "MUE", "NCCI", "CPT": coding vocabulary, whichever page writes it
        docs = lexical.documents_with(word)
        if len(docs) == 1 and word.lower() not in _NOT_NAMES:
            found |= docs
            names.add(word)
    none = frozenset[str]()
    if len(found) != 1 or lexical.document_count < 2:
        return none, none, none
    # A code the question names must be on that page too.
    off = frozenset(c for c in question.codes if not lexical.documents_with(c) & found)
    if off:
        return none, none, off
    return frozenset(found), frozenset(names), none


def _name_terms(names: frozenset[str]) -> frozenset[str]:
    """The query words of the names of a document ("Northfield", "CE-0417")."""
    return frozenset(tokenize(" ".join(sorted(names))))


def _topic_terms(
    question: Question, view: LibraryView, focus: frozenset[str], lexical: LexicalIndex
) -> frozenset[str]:
    """Words of the question that name the page's topic (they are in its opening words).

    The page about a procedure repeats its name everywhere; what else the question says is
    what picks the sentence. Pages in focus give the topic; else the page whose opening
    shares the most words (at least two) with the question.
    """
    terms = set(question.terms)
    best: tuple[int, frozenset[str]] = (1, frozenset())
    for doc in view.documents:
        head = lexical.header_words.get(doc.doc_id, frozenset()) & terms
        if doc.doc_id in focus:
            return head
        if len(head) > best[0]:
            best = (len(head), head)
    return best[1]

