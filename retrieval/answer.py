"""Extractive answers: the best evidence sentences, quoted verbatim and numbered."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from knowledge.codes import codes_in, find_codes
from knowledge.library import LibraryView
from retrieval.boilerplate import is_boilerplate
from retrieval.citing import CitationList, quote_block
from retrieval.glossary import concept_terms
from retrieval.lexical import Sentence
from retrieval.measures import asked_direction, asked_measures, holds_measure, on_other_side
from retrieval.messages import message
from retrieval.passages import (
    answer_to,
    example_continuation,
    example_label,
    in_example,
    is_asked,
    list_block,
    paragraph_of,
    title_block,
)
from retrieval.search import Evidence, SearchResult
from retrieval.source_view import heading_path

__all__ = ["fact_answer", "select_evidence", "supporting_quote"]

_MAX_SENTENCES = 3
_MIN_CHARS = 12
# A further sentence is quoted only when it scores close to the best one.
_KEEP_RATIO = 0.7
_HEADING_MAX = 100
_HEADING_MAX_WORDS = 8
_SUPPORT_POOL = 10
_SUPPORT_TOP_ONE = 3  # a one-code claim's support must be among the best sentences
_PREFER_POOL = 5
_CODE_RATIO = 0.8  # a sentence naming the question's code leads when it scores this close
_MEASURE_RATIO = 0.6  # a sentence holding the kind of number asked for, when this close
_MEASURE_POOL = 10  # ... among this many
_SHORT = 45  # characters: a sentence this short after a quoted one is quoted with it
# A line giving a value: a list item, or a label followed by a number.
_GIVES_VALUE = re.compile(r"^(?:[-*\u2022]|\d{1,2}[.)]|[a-z][.)])\s|:\s*[$\u20ac\u00a3]?\d")
_SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", "؟")


def select_evidence(
    result: SearchResult,
    focus_docs: frozenset[str] = frozenset(),
    limit: int = _MAX_SENTENCES,
    prefer: Callable[[Sentence], bool] | None = None,
    prefer_pool: int = _PREFER_POOL,
    required: tuple[tuple[str, int, int], ...] = (),
    notices: bool = False,
    codes: frozenset[str] = frozenset(),
    measures: frozenset[str] = frozenset(),
    side: str | None = None,
) -> list[Evidence]:
    """The sentences worth quoting: the best, and those scoring close to it.

    ``codes``: the codes the question names; ``measures``: the kinds of number it asks for
    and ``side`` the side of an event it asks about, "before" or "after"
    (``retrieval.measures``). Of the best few sentences scoring close to the best, one that
    holds such a number and names such a code goes first, else one that holds the number,
    else one that names the code: a fee-schedule row about 99932 answers a question about
    99932 better than its neighbour about 99931, and "within 30 days of ..." answers "how
    many days" better than the policy's effective date.

    ``notices``: disclaimers and pointers elsewhere (``retrieval.boilerplate``) may be
    quoted; otherwise they never are: they answer nothing.

    ``prefer``: the best is the first of the top ``prefer_pool`` sentences it accepts, when
    there is one.
    ``required``: sentence keys quoted in any case (each rule a question asks about), in
    place of the weakest others.

    A question naming a code is answered only from the pages that name that code
    (``focus_docs``): another code's page is not evidence about it. A heading the loader
    found ("What 99931 includes") names a topic and answers nothing: it is never quoted.
    """
    usable = [
        e
        for e in result.sentences
        if len(e.sentence.text.strip()) >= _MIN_CHARS
        and not _is_heading(e.sentence.text)
        and e.sentence.text.strip() not in heading_path(e.sentence.chunk)
        and (not focus_docs or e.sentence.chunk.doc_id in focus_docs)
        and (notices or not is_boilerplate(e.sentence.text))
    ]
    if not usable:
        return []
    if codes:
        # A sentence naming only other codes, under no heading naming the question's code, is
        # about those codes ("Code 99973 has a 090 global period" for 99982's): after the rest.
        usable = sorted(usable, key=lambda e: _other_codes_only(e.sentence, codes))  # stable
    best = usable[0]
    if prefer is not None:
        best = next((e for e in usable[:prefer_pool] if prefer(e.sentence)), best)
        usable = [best] + [e for e in usable if e is not best]
    elif codes or measures:
        best = _lead(usable, codes, measures, side)
        usable = [best] + [e for e in usable if e is not best]
    chosen = [best]
    seen = {best.sentence.text.strip().lower()}
    # A number question: the next unit holding a number of the kind asked (not only other
    # codes'), close enough to the best, is quoted second ("how many hours ...": a leaflet's
    # "18 hours" beside another page's "24 hours").
    second = next((e for e in usable[1:_MEASURE_POOL] if measures
                   and e.score >= _MEASURE_RATIO * best.score
                   and holds_measure(e.sentence.text, measures)
                   and not (codes and _other_codes_only(e.sentence, codes))), None)
    if second is not None:
        usable = [best, second, *(e for e in usable[1:] if e is not second)]
    for e in usable[1:]:
        if len(chosen) >= limit:
            break
        text = e.sentence.text.strip().lower()
        if text in seen:
            continue
        if e.score >= _KEEP_RATIO * best.score or e is second:
            chosen.append(e)
            seen.add(text)
    if required:
        by_key = {e.sentence.key: e for e in usable}
        must = [by_key[k] for k in required if k in by_key]
        rest = [e for e in chosen if e not in must]
        chosen = (must + rest)[: max(limit, len(must))]
        chosen.sort(key=lambda e: -e.score)
    return chosen


def _other_codes_only(sentence: Sentence, codes: frozenset[str]) -> bool:
    """The sentence (or, naming none, its passage) names codes, none of them ``codes``, and
    no heading above it names one of ``codes``."""
    written = set(codes_in(sentence.text)) or set(codes_in(sentence.chunk.text))
    if not written or written & codes:
        return False
    return not set(codes_in(" ".join(heading_path(sentence.chunk)))) & codes


def _lead(
    usable: list[Evidence], codes: frozenset[str], measures: frozenset[str],
    side: str | None = None,
) -> Evidence:
    """The sentence to quote first (see ``select_evidence``): ``usable[0]`` unless one of the
    next few, scoring close to it, fits the question's code and kind of number better."""
    best = usable[0]

    def fit(e: Evidence) -> tuple[bool, bool, bool, bool, bool]:
        # The number asked, on the side asked ("... after the procedure", not "36 hours
        # before"); then a unit keyed by the code (its row or entry, "Code: 99931 | ..."),
        # and of those one naming no other code (the code's own row, not an example
        # reporting it with another); then one naming it (perhaps as one of a list of twenty).
        text = e.sentence.text
        number = bool(measures) and holds_measure(text, measures)
        sided = number and not (side and on_other_side(text, side))
        first = find_codes(text)[:1]
        keyed = bool(first) and first[0][0] in codes
        named = set(codes_in(text))
        code = bool(codes) and bool(codes & named)
        return number, sided, keyed, keyed and named <= codes, code

    def close(e: Evidence) -> bool:
        ratio = _MEASURE_RATIO if measures and holds_measure(e.sentence.text, measures) else (
            _CODE_RATIO)
        return e.score >= ratio * best.score

    depth = _MEASURE_POOL
    pool = [e for e in usable[:depth] if e is best or close(e)]
    return max(pool, key=lambda e: (fit(e), e is best))


_TITLE_MAX_WORDS = 6
_TITLE_POOL = 3  # a named document's title counts among this many best sentences


def _is_heading(text: str) -> bool:
    """A title or heading line: it names a topic, it does not say anything about it."""
    text = text.strip()
    if text.startswith("#"):
        return True
    if len(text) >= _HEADING_MAX or text.endswith(_SENTENCE_ENDS):
        return False
    if _GIVES_VALUE.search(text) and not text.endswith(":"):
        return False  # "- Work RVU: 1.94", "MUE: 2": a list item or a label with its value
    # A longer line says something ("Effective for dates of service on or after 1 March 2025").
    return len(text.split()) <= _HEADING_MAX_WORDS and not codes_in(text)


def _is_title(text: str) -> bool:
    """A short line without a full stop, code or not ("2025 CPT code 50706")."""
    text = text.strip()
    return not text.endswith(_SENTENCE_ENDS) and len(text.split()) <= _TITLE_MAX_WORDS


def fact_answer(
    lang: str,
    result: SearchResult,
    cites: CitationList,
    focus_docs: frozenset[str] = frozenset(),
    *,
    question: str = "",
    example: bool = False,
    plain: bool = False,
    required: tuple[tuple[str, int, int], ...] = (),
    names: frozenset[str] = frozenset(),
    notices: bool = False,
) -> str | None:
    """Markdown quoting the selected evidence with [n] markers, or None if nothing cites.

    ``example``: ``question`` asks about a worked example; the best sentence in one (in the
    one it names by label, if any) is quoted first, with the rest of its example.
    ``plain``: the question asks for the plain-language explanation; a passage the page
    labels so ("In simple words: ...") is quoted first, with the rest of its paragraph.
    ``required``: sentences quoted in any case (see ``select_evidence``).
    ``names``: words of the question naming one document; when the best match is a title
    line of a title block holding one ("Northfield ... / Claims Edit Note CE-0417: ..."), the
    block is quoted first: it says what the document is, who issued it and when it applies.
    """
    view = cites.view
    lines: list[str] = []
    prefer, pool = None, _PREFER_POOL
    if plain:
        # Any sentence of the passage the page labels plain ("In simple words: ... This is an
        # additional charge ..."): the passage is quoted from its label.
        prefer = _in_plain_passage
    if example:
        prefer = partial(in_example, view)
        label = example_label(question, lang)
        labelled = partial(in_example, view, label=label)
        if label and any(labelled(e.sentence) for e in result.sentences):
            # "Example A", "the first example": its best sentence, wherever it ranks.
            prefer, pool = labelled, len(result.sentences)
    chosen = select_evidence(result, focus_docs, prefer=prefer, prefer_pool=pool, required=required,
                             notices=notices, codes=frozenset(codes_in(question)),
                             measures=asked_measures(question, lang),
                             side=asked_direction(question, lang))
    passages: list[list[Sentence]] = []
    if title := _named_title(result, names):
        passages.append(title)
        chosen = chosen[: _MAX_SENTENCES - 1]
    for i, e in enumerate(chosen):
        spans = [e.sentence]
        if i == 0 and plain and (label := _plain_passage_label(e.sentence)) is not None:
            spans = [label, *example_continuation(view, label)]
        elif i == 0 and example and in_example(view, e.sentence):
            spans += example_continuation(view, e.sentence)
        elif is_asked(e.sentence.text) and (reply := answer_to(view, e.sentence)):
            spans += reply  # a question of the materials (an FAQ item too) with its answer
        elif (i == 0 or e.sentence.text.rstrip().endswith(":")) and (
            block := list_block(e.sentence)
        ):
            # The best unit's list; any lead-in ("... when all of the following apply:") with
            # the items it leads to: it says nothing without them.
            spans = block
        else:
            spans = [*_antecedent(e.sentence), *spans, *_short_follower(view, e.sentence)]
        passages.append(spans)
    for spans in passages:
        for chunk_id, start, end in _merge(spans):
            if _quoted_already(cites, chunk_id, start, end):
                continue  # an item of a list quoted whole, a line of a title block
            if (line := _quote(cites, chunk_id, start, end)) is not None:
                lines.append(line)
    if not lines:
        return None
    return "\n\n".join([message(lang, "According to the uploaded materials:"), *lines])


def _quoted_already(cites: CitationList, chunk_id: str, start: int, end: int) -> bool:
    chunk = cites.view.chunks.get(chunk_id)
    text = chunk.text[start:end].strip() if chunk is not None else ""
    return bool(text) and any(
        text in c.quote and (c.chunk_id, c.start, c.end) != (chunk_id, start, end)
        for c in cites.items
    )


def _plain_label(sentence: Sentence) -> bool:
    """The sentence opens a plain-language passage ("In simple words: ...")."""
    text = sentence.text.lstrip(" *#-").lower()
    return any(text.startswith(term.lower()) for term in concept_terms("plain_language"))


def _in_plain_passage(sentence: Sentence) -> bool:
    return _plain_passage_label(sentence) is not None


def _plain_passage_label(sentence: Sentence) -> Sentence | None:
    """The sentence opening the plain-language passage (one paragraph) that ``sentence`` is
    part of, itself included; None when its paragraph opens with no such label."""
    label = next(iter(paragraph_of(sentence)), None)
    return label if label is not None and _plain_label(label) else None


def _named_title(result: SearchResult, names: frozenset[str]) -> list[Sentence]:
    """The title block of the named document when its title is among the best few sentences."""
    for e in result.sentences[:_TITLE_POOL] if names else []:
        if not _is_heading(e.sentence.text):
            continue
        block = title_block(e.sentence)
        said = " ".join(s.text for s in block).lower()
        if any(n.lower() in said for n in names):
            return block
    return []


# "It is not an add-on code ...": a pronoun standing for what the sentence before named.
_PRONOUN_LED = re.compile(
    r"^\W*(?:it|they|this|these|that|those)\s+(?:is|are|was|were|has|have|had|may|must|can|"
    r"cannot|should|does|do|will|includes?|requires?|covers?)\b", re.IGNORECASE)


def _antecedent(sentence: Sentence) -> list[Sentence]:
    """The sentence before ``sentence`` in its paragraph when ``sentence`` opens with a pronoun
    as its subject: the quote then says what "it" is ("99945 is a stand-alone primary code.
    It is not an add-on code ...")."""
    if not _PRONOUN_LED.match(sentence.text):
        return []
    return [s for s in paragraph_of(sentence) if s.end <= sentence.start][-1:]


def _short_follower(view: LibraryView, sentence: Sentence) -> list[Sentence]:
    """The next sentence of the same item when it is short: it finishes the thought ("The plan
    pays one unit per date of service. Extra units are denied.")."""
    nxt = example_continuation(view, sentence, limit=1)
    if nxt and nxt[0].chunk.chunk_id == sentence.chunk.chunk_id and len(nxt[0].text) <= _SHORT:
        return nxt
    return []


def _merge(sentences: list[Sentence]) -> list[tuple[str, int, int]]:
    """One span per chunk for consecutive sentences of it (a quote reads as one passage)."""
    spans: list[tuple[str, int, int]] = []
    for s in sentences:
        if spans and spans[-1][0] == s.chunk.chunk_id and spans[-1][2] <= s.start:
            spans[-1] = (s.chunk.chunk_id, spans[-1][1], s.end)
        else:
            spans.append((s.chunk.chunk_id, s.start, s.end))
    return spans


def supporting_quote(
    lang: str,
    result: SearchResult,
    cites: CitationList,
    codes: set[str],
    about: frozenset[str] = frozenset(),
    prefer: Callable[[Sentence], bool] | None = None,
) -> str | None:
    """After a verdict: the best-ranked sentence not yet quoted that names two of the claim's
    codes (often the reason, "99920 already includes ..."), or None. A one-code claim ("is
    99931 alone OK?") takes one of the best few sentences that names the code or is on a page
    ``about`` it and names no other code ("It is never reported by itself ..."); ``prefer``:
    of those, one it accepts comes first, wherever it ranks in the pool. Titles ("2025 CPT
    code 50706") give no reason and are skipped.
    """
    shown = {(c.chunk_id, c.start, c.end) for c in cites.items}
    pool = [(rank, e.sentence) for rank, e in enumerate(result.sentences[:_SUPPORT_POOL])]
    liked = [s for _, s in pool if prefer is not None and prefer(s) and _supports(s, codes, about, 0)]
    for s in liked + [s for rank, s in pool if _supports(s, codes, about, rank)]:
        if s.key in shown or _is_heading(s.text) or _is_title(s.text):
            continue
        if in_example(cites.view, s):
            continue  # a worked example is a case, not the rule or its reason
        if (line := _quote(cites, s.chunk.chunk_id, s.start, s.end)) is not None:
            return f"{message(lang, 'According to the uploaded materials:')}\n\n{line}"
    return None


def _quote(cites: CitationList, chunk_id: str, start: int, end: int) -> str | None:
    """The span cited and quoted as a Markdown block ending in its [n], or None."""
    n = cites.add(chunk_id, start, end)
    if n is None:
        return None
    return quote_block(cites.quote(n), n)


def _supports(s: Sentence, codes: set[str], about: frozenset[str], rank: int) -> bool:
    written = set(codes_in(s.text))
    named = codes & written
    if len(codes) >= 2:
        return len(named) >= 2
    # A sentence of a page about the code counts unless it is about other codes only.
    return rank < _SUPPORT_TOP_ONE and bool(named or (s.chunk.doc_id in about and not written))
