"""Passages around a quoted sentence: the rest of its worked example, or its whole list.

A question about an example ("in the example with recurrent stones, which guidance was used?")
names the scenario, which its first sentence states; what it asks is told by the next ones
("... treated with balloon dilation under fluoroscopic guidance"). So the answer quotes the
example on from the sentence that matched, as far as the item goes: up to a paragraph break,
a list separator (" , "), a heading, or the start of the next example. An example split over
two chunks continues into the next chunk of the same document. Likewise an item of a list
("- a stone burden of 3 cm or more") is quoted with its lead-in and the other items.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from knowledge.codes import codes_in
from knowledge.library import LibraryView
from knowledge.sentences import paragraph_spans, split_sentences
from retrieval.glossary import concept_terms
from retrieval.lexical import Sentence

__all__ = [
    "answer_to",
    "example_continuation",
    "example_label",
    "in_example",
    "is_asked",
    "list_block",
    "paragraph_of",
    "title_block",
]

_MAX_CHARS = 600  # a continuation longer than this is not one example any more
_TITLE_LINES = 4  # a title block has at most this many lines
_HEADING_MAX = 100
# "Example A:", "Case 2 -": the word, then the label.
_LABEL = re.compile(r"[^\W\d_]+\s+([A-Z]|\d{1,2})\b")
# A label in a question: a lone capital A-H or digit 1-9 (Korean and Chinese glue particles
# to it: "예시 1에서", "例1中").
# A lone capital A-H or digit 1-9, but no measure ("a 4 cm stone", "8 Fr", "4 см").
_QUESTION_LABEL = re.compile(
    r"(?<![0-9A-Za-z.,/-])([A-H]|[1-9])(?![0-9A-Za-z/%-]|[.,]\d)"
    r"(?!\s?(?i:cm|mm|ml|mg|kg|cc|fr)(?![A-Za-z]))(?!\s?(?:см|мм|厘米|毫米|公分|센티|밀리))"
)
_ORDINALS_PATH = Path(__file__).resolve().parent / "data" / "ordinals.json"
_SQUEEZED_LANGS = ("zh", "ko")  # no spaces between words: ordinals are found inside the text
_BULLET = re.compile(r"\s*(?:[-*•▪◦]|\d{1,2}[.)]|[a-zA-Z][.)]|[ivx]{2,4}[.)])\s")
_ENDS = (".", "!", "?", ":", ";")
# Between two sentences of one item there is only white space inside one paragraph.
_ITEM_GAP = re.compile(r"[ \t]*\n?[ \t]*")


def example_continuation(view: LibraryView, first: Sentence, limit: int = 2) -> list[Sentence]:
    """Up to ``limit`` sentences that continue the example ``first`` is part of."""
    chunks = sorted(view.by_doc.get(first.chunk.doc_id, ()), key=lambda c: c.position)
    doc_end = first.chunk.start + first.end  # document offset reached so far
    out: list[Sentence] = []
    size = first.end - first.start
    for chunk in chunks:
        if chunk.end <= doc_end or chunk.position < first.chunk.position:
            continue
        text = chunk.text
        for start, end in split_sentences(text):
            if chunk.start + start < doc_end:
                continue  # before the quoted sentence, or in the overlap already read
            gap = _gap(view, chunk.doc_id, doc_end, chunk.start + start)
            if gap is None or _starts_item(text[start:end]):
                return out
            size += end - start
            if len(out) >= limit or size > _MAX_CHARS:
                return out
            out.append(Sentence(chunk, start, end))
            doc_end = chunk.start + end
    return out


# "Q: ...?", "Reader question: "... 99931?"": a question the materials ask and then answer.
_ASKED = re.compile(r"\?[\s\"'”’»)\]]*$")
_ASK_LABEL = re.compile(r"^\W*(?:q\s*[:.]|q&a\b|(?:reader\s+)?question\b)", re.IGNORECASE)
_ANSWER_SENTENCES = 3


def is_asked(text: str) -> bool:
    """True when a sentence of the materials is a question they ask (FAQ, reader mail)."""
    return bool(_ASKED.search(text.strip()) or _ASK_LABEL.match(text))


def answer_to(view: LibraryView, question: Sentence) -> list[Sentence]:
    """The rest of a question of the materials and the sentences that answer it, [] when
    nothing does. The question goes on to the last sentence of its paragraph that asks
    ('Reader question: "We did X. Is that 61240?"'); the answer is what follows, in the same
    paragraph ("Can 99931 ...? No. Removal of ...") or after a break ("Q: ...?" / "A: ..."),
    up to the next question, heading or list item: at most three sentences and
    ``_MAX_CHARS`` characters."""
    chunks = sorted(view.by_doc.get(question.chunk.doc_id, ()), key=lambda c: c.position)
    reached = question.chunk.start + question.end
    after: list[tuple[Sentence, bool]] = []  # the next sentences; True: in its paragraph
    same = True
    for chunk in chunks:
        if chunk.end <= reached or chunk.position < question.chunk.position:
            continue
        for start, end in split_sentences(chunk.text):
            if chunk.start + start < reached:
                continue
            same = same and _gap(view, chunk.doc_id, reached, chunk.start + start) is not None
            after.append((Sentence(chunk, start, end), same))
            reached = chunk.start + end
            if len(after) > 4 * _ANSWER_SENTENCES:
                break
        if len(after) > 4 * _ANSWER_SENTENCES:
            break
    asks = [i for i, (s, same) in enumerate(after) if same and is_asked(s.text)]
    rest = [s for s, _ in after[: asks[-1] + 1]] if asks else []
    out: list[Sentence] = []
    size = 0
    for s, _ in after[len(rest):]:
        text = s.text
        if is_asked(text) or _is_heading(text) or (out and _starts_item(text)):
            break
        size += len(text)
        if len(out) >= _ANSWER_SENTENCES or (out and size > _MAX_CHARS):
            break
        out.append(s)
    return rest + out if out else []


def in_example(view: LibraryView, sentence: Sentence, label: str | None = None) -> bool:
    """True when the nearest label before ``sentence`` (itself included) in its document is an
    example's ("Example 1: ...", "## Examples"), not another heading; with ``label`` ("A",
    "1", "3"), only when the example holding it is at that place in the document ("Example A"
    is the first; an unlabelled third example after "Example 1: ... , ... , ..." the third)."""
    heading, place = _example_place(view, sentence)
    if heading is None:
        return False
    return label is None or place == _place(label)


def _place(label: str) -> int:
    """An example's place from its label: "A" and "1" are both the first."""
    return int(label) if label.isdigit() else ord(label.upper()) - ord("A") + 1


def _example_place(view: LibraryView, sentence: Sentence) -> tuple[str | None, int]:
    """The example label ``sentence`` is under, if any, and the place of its example.

    Examples are counted in document order. A label that is a sentence ("Example 1: A patient
    ...") opens an example that ends at a paragraph break or a list separator, where the next
    (unlabelled) one starts; a labelled heading ("## Example A") makes its section one
    example; under an unlabelled heading ("## Examples") each paragraph is one.
    """
    doc_text = _document_text(view, sentence.chunk.doc_id)
    at = sentence.chunk.start + sentence.start
    label, place, splits, open_item, prev_end = None, 0, False, False, 0
    for start, end in split_sentences(doc_text):
        if start > at:
            break
        text = doc_text[start:end]
        if _starts_item(text) or _is_heading(text):
            label, open_item = text, False
            if _names_example(text):
                sentence_label = text.rstrip().endswith(_ENDS)
                labelled = sentence_label or _LABEL.match(text.lstrip("#-*• |").strip())
                splits = sentence_label or not labelled
                if labelled:
                    place, open_item = place + 1, True
        elif (
            label is not None
            and _names_example(label)
            and (not open_item or (splits and not _ITEM_GAP.fullmatch(doc_text[prev_end:start])))
        ):
            place, open_item = place + 1, True  # a new example starts here
        prev_end = end
    return (label, place) if label is not None and _names_example(label) else (None, 0)


def example_label(question: str, lang: str | None = None) -> str | None:
    """The one example label a question names ("Example A", "例 1", "Beispiel 2"), if any: a
    lone capital letter A-H or digit 1-9, or else an ordinal word of ``lang`` ("the first
    example", "в первом примере": "1")."""
    labels = set(_QUESTION_LABEL.findall(question))
    if not labels and lang is not None:
        labels = {str(n) for n in _ordinals_in(question, lang)}
    return labels.pop() if len(labels) == 1 else None


def _ordinals_in(question: str, lang: str) -> set[int]:
    text = question.casefold()
    if lang in _SQUEEZED_LANGS:
        squeezed = "".join(text.split())
        return {n for word, n in _ordinals(lang) if word in squeezed}
    return {n for word, n in _ordinals(lang)
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)}


@cache
def _ordinals(lang: str) -> tuple[tuple[str, int], ...]:
    with _ORDINALS_PATH.open(encoding="utf-8") as fh:
        words = json.load(fh).get(lang, {})
    return tuple(("".join(w.casefold().split()) if lang in _SQUEEZED_LANGS else w.casefold(), n)
                 for w, n in words.items())


def list_block(sentence: Sentence) -> list[Sentence]:
    """The whole list ``sentence`` opens ("Typical reasons ...:") or is an item of ("- a stone
    burden of 3 cm or more"): its lead-in and items, in its chunk; [] when it is in no list.
    An item that opens a list of its own ("2. Primary prevention, when all of the following
    apply:") gives that list: itself and the items after it."""
    chunk = sentence.chunk
    spans = split_sentences(chunk.text)
    at = next((i for i, (s, e) in enumerate(spans) if (s, e) == (sentence.start, sentence.end)), None)
    if at is None:
        return []
    first = at
    opens = chunk.text[slice(*spans[at])].rstrip().endswith(":")
    if is_item(chunk.text[slice(*spans[at])]) and not opens:
        while first > 0 and is_item(chunk.text[slice(*spans[first - 1])]):
            first -= 1
        if first > 0 and chunk.text[slice(*spans[first - 1])].rstrip().endswith(":"):
            first -= 1
    elif not opens:
        return []
    last = first
    while last + 1 < len(spans) and is_item(chunk.text[slice(*spans[last + 1])]):
        last += 1
    if last == first and not is_item(chunk.text[slice(*spans[first])]):
        return []  # a lead-in with no items after it
    return _trimmed([Sentence(chunk, s, e) for s, e in spans[first : last + 1]], at - first)


def _trimmed(block: list[Sentence], keep: int) -> list[Sentence]:
    """``block`` cut to ``_MAX_CHARS``: the items farthest after ``block[keep]`` go first, then
    those before it (the lead-in, ending ":", stays while an item before it can go); the
    sentence asked about is never cut."""
    lead = 1 if block[0].text.rstrip().endswith(":") and keep > 0 else 0
    while sum(len(b.text) for b in block) > _MAX_CHARS and len(block) > 1:
        if keep < len(block) - 1:
            block.pop()
        else:  # the kept item is last: one before it goes, the lead-in last of all
            block.pop(lead if keep > lead else 0)
            keep -= 1
    return block


def title_block(sentence: Sentence) -> list[Sentence]:
    """The block of title lines ``sentence`` is one of ("Northfield Community Health Plan /
    Claims Edit Note CE-0417: ... / Effective for dates of service on or after ..."): the
    lines of its paragraph, when every one is short and none ends a sentence; else []."""
    block = paragraph_of(sentence)
    lines = [s.text for s in block]
    if len(lines) > _TITLE_LINES or not all(_is_heading(t) or _is_title(t) for t in lines):
        return []
    return block


def paragraph_of(sentence: Sentence) -> list[Sentence]:
    """The sentences of the paragraph (blank-line separated, in its chunk) ``sentence`` is in,
    in order; [] when it is in none."""
    chunk = sentence.chunk
    for p_start, p_end in paragraph_spans(chunk.text):
        if p_start <= sentence.start < p_end:
            return [Sentence(chunk, s, e) for s, e in split_sentences(chunk.text)
                    if p_start <= s < p_end]
    return []


def _is_title(text: str) -> bool:
    """A title line may name codes and dates ("Effective for dates of service on or after
    1 March 2025"): short, and no sentence ending."""
    return len(text.strip()) < _HEADING_MAX and not text.rstrip().endswith(_ENDS)


def is_item(text: str) -> bool:
    """A list item: a line opening with a bullet, a number, a letter or a roman numeral."""
    return bool(_BULLET.match(text))


def _gap(view: LibraryView, doc_id: str, start: int, end: int) -> str | None:
    """The document text between two sentences, or None when it ends the item."""
    gap = _document_text(view, doc_id)[start:end]
    return gap if _ITEM_GAP.fullmatch(gap) else None


def _document_text(view: LibraryView, doc_id: str) -> str:
    return next((d.text for d in view.documents if d.doc_id == doc_id), "")


def _starts_item(sentence: str) -> bool:
    """A heading-like or labelled start: "Example 2: ...", "# Notes", "- item"."""
    head = sentence.lstrip()
    if head.startswith(("#", "- ", "* ", "• ", "|")):
        return True
    lowered = head.lower()
    return any(lowered.startswith(term.lower()) for term in concept_terms("example"))


def _is_heading(text: str) -> bool:
    text = text.strip()
    return len(text) < _HEADING_MAX and not text.endswith(_ENDS) and not codes_in(text)


def _names_example(label: str) -> bool:
    lowered = label.lstrip("#-*• |").strip().lower()
    return any(lowered.startswith(term.lower()) for term in concept_terms("example"))
