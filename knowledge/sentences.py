"""Sentence and paragraph spans: shared by chunking, the rule module and the answer builder.

Every function returns ``(start, end)`` character offsets into the text it was given, so that
``text[start:end]`` is the sentence verbatim (quotes stay exact). Spans never include
surrounding whitespace. Pure and deterministic.

Decisions:

- Blank lines always end a sentence (``paragraph_spans``). Inside a paragraph, a line break
  ends a sentence when the next line is a list item (``-``, ``*``, ``•``, ``1.``, ``a)``), a
  Markdown heading or table row, or when the line ends without punctuation and the next line
  starts with an upper-case letter, a digit or a caseless script (CJK, Arabic). Otherwise the
  line break is read as a space (hard-wrapped prose).
- ``.`` ends a sentence before whitespace and a next word that is not lower-case, and also when
  the next sentence is glued on (``interpretation.This``, ``51610.It``): a capital followed by a
  lower-case letter or a space. It does not end one in decimals and versions (``2.5``,
  ``v.3.0``), after abbreviations (``e.g.``, ``i.e.``, ``vs.``, ``Dr.``, ``No. 5``), after a
  list number that opens a line (``1. Open``), or in addresses (``www.Example.com``).
- ``!`` ``?`` and ``…`` end a sentence unless the next word is lower-case; the fullwidth and
  CJK ``。！？``, the Arabic ``؟`` and the Devanagari ``।`` always do.
- A colon never ends a sentence (``IMPORTANT:This code`` is one sentence).
- Stray separators between sentences (``catheter. , During``) are left out of both spans,
  and a piece with no letter or digit (``***``) is not a sentence.
"""

from __future__ import annotations

import re

__all__ = ["document_header", "paragraph_spans", "split_sentences"]

Span = tuple[int, int]

# Blank-line separators; a line holding only spaces or tabs counts as blank.
_PARA_BREAK = re.compile(r"\n[^\S\n]*(?:\n[^\S\n]*)+")
_WORD = re.compile(r"\w")
_NON_SPACE = re.compile(r"\S")
_MAX_LOOK_BACK = 64  # words and addresses longer than this are neither abbreviations nor URLs

# Ends a sentence whatever follows: languages written without spaces between sentences.
_HARD_STOPS = frozenset("。！？｡؟।॥")
# Ends a sentence when followed by a space and a word that is not lower-case, or glued to one.
_SOFT_STOPS = frozenset(".!?…")
_TERMINALS = _HARD_STOPS | _SOFT_STOPS
_TERMINAL_RE = re.compile("[" + re.escape("".join(sorted(_TERMINALS))) + "]")
# Closing quotes and brackets that belong to the sentence they follow.
_CLOSERS = frozenset("\"'”’»)]}」』）〕】›")
# Left out at the start of a sentence: the ", " of "catheter. , During".
_LEAD_JUNK = frozenset(",;")

# Abbreviations that never end a sentence (lower-cased, inner dots kept).
_NEVER_END = frozenset({
    "e.g", "eg", "i.e", "ie", "cf", "viz", "vs", "v", "approx", "ca", "incl", "esp", "resp",
    "dr", "mr", "mrs", "ms", "prof", "st", "mt", "sr", "jr", "gen", "rev", "hon", "lt", "col",
    "sgt", "capt", "dept", "univ", "assn", "est",
})
# Abbreviations that stand before a number: "No. 5", "Fig. 2", "pp. 10".
_BEFORE_NUMBER = frozenset({
    "no", "nos", "nr", "fig", "figs", "vol", "vols", "p", "pp", "art", "sec", "sect", "ch",
    "chap", "ref", "tab", "eq",
})
# A numbered or lettered list marker opening a line: "1." "2)" "a." "iv)".
_ENUMERATOR = re.compile(r"(?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,5})")
_LIST_ITEM = re.compile(r"(?:[-*+•·‣▪◦–—]\s|(?:\d{1,3}|[A-Za-z])[.)]\s|#{1,6}\s|\|)")


def paragraph_spans(text: str) -> list[Span]:
    """Blank-line separated paragraphs of ``text``, trimmed of surrounding whitespace."""
    spans: list[Span] = []
    start = 0
    for m in _PARA_BREAK.finditer(text):
        _add_trimmed(text, start, m.start(), spans)
        start = m.end()
    _add_trimmed(text, start, len(text), spans)
    return spans


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text`` (see the module docstring for the rules)."""
    spans: list[Span] = []
    for p_start, p_end in paragraph_spans(text):
        for g_start, g_end in _line_groups(text, p_start, p_end):
            _split_group(text, g_start, g_end, spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, out: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        out.append((start, end))


def _line_groups(text: str, start: int, end: int) -> list[Span]:
    """Split a paragraph into runs of lines that read as continuous prose."""
    groups: list[Span] = []
    g_start = start
    pos = start
    while True:
        nl = text.find("\n", pos, end)
        if nl < 0:
            break
        line = text[pos:nl].strip()
        first = _NON_SPACE.search(text, nl + 1, end)
        # a few characters are enough to see a list marker; never copy the rest of the text
        nxt = text[first.start() : first.start() + 10] if first else ""
        if _breaks_after(line, nxt):
            _add_trimmed(text, g_start, nl, groups)
            g_start = nl + 1
        pos = nl + 1
    _add_trimmed(text, g_start, end, groups)
    return groups


def _breaks_after(line: str, nxt: str) -> bool:
    """True when the line break between ``line`` and the text ``nxt`` ends a sentence."""
    if not line or not nxt:
        return True
    if _LIST_ITEM.match(nxt) or line.startswith(("#", "|")):
        return True
    last, first = line[-1], nxt[0]
    ends_bare = last.isalnum() or last in _CLOSERS
    return ends_bare and (first.isupper() or first.isdigit() or _caseless(first))


def _caseless(ch: str) -> bool:
    return ch.isalpha() and not ch.isupper() and not ch.islower()


def _split_group(text: str, start: int, end: int, out: list[Span]) -> None:
    """Split one run of prose at sentence ends; append trimmed spans to ``out``."""
    sent_start = start
    i = start
    while True:
        found = _TERMINAL_RE.search(text, i, end)
        if found is None:
            break
        i = found.start()
        run_end = i
        while run_end < end and text[run_end] in _TERMINALS:
            run_end += 1
        stop = run_end
        while stop < end and text[stop] in _CLOSERS:
            stop += 1
        if _ends_sentence(text, start, i, run_end, stop, end):
            _add_sentence(text, sent_start, stop, out)
            sent_start = stop
        i = stop
    _add_sentence(text, sent_start, end, out)


def _add_sentence(text: str, start: int, end: int, out: list[Span]) -> None:
    while start < end and (text[start].isspace() or text[start] in _LEAD_JUNK):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end and _WORD.search(text, start, end):
        out.append((start, end))


def _ends_sentence(text: str, group_start: int, i: int, run_end: int, stop: int, end: int) -> bool:
    """Decide whether the terminal run ``text[i:run_end]`` (closers up to ``stop``) ends one."""
    if stop >= end:
        return True
    run = text[i:run_end]
    if any(c in _HARD_STOPS for c in run):
        return True
    nxt = text[stop]
    if not nxt.isspace():
        return _glued_start(text, stop, end) and not _is_abbreviation(text, group_start, i, run)
    j = stop
    while j < end and (text[j].isspace() or text[j] in _LEAD_JUNK):
        j += 1
    if j >= end:
        return True
    first = text[j]
    if first.islower():
        return False
    if run != ".":
        return True
    word = _word_before(text, group_start, i)
    key = word.lower().strip(".")
    if key in _NEVER_END:
        return False
    if key in _BEFORE_NUMBER and (first.isdigit() or first == "#"):
        return False
    # "1. Open the file": a list marker at the start of the line is not a sentence.
    return not (word and word == text[group_start:i] and _ENUMERATOR.fullmatch(word))


def _glued_start(text: str, pos: int, end: int) -> bool:
    """True when a new sentence starts right at ``pos`` with no space before it."""
    first = text[pos]
    if _caseless(first):
        return True
    if not first.isupper():
        return False
    after = text[pos + 1] if pos + 1 < end else " "
    # "This", "It", "A patient" start sentences; "PDF" or "CT" glued to a dot do not.
    return after.islower() or after.isspace()


def _is_abbreviation(text: str, group_start: int, i: int, run: str) -> bool:
    """True when the dot at ``i`` belongs to an abbreviation, an acronym or an address."""
    if run != ".":
        return False
    word = _word_before(text, group_start, i)
    if not word:  # "(50385).The": a bracket or quote before the dot
        return False
    if re.fullmatch(r"[\d.]+", word):  # "51610.It", "2.5.The"
        return False
    if len(word) < 2 or "." in word:  # "U.S.The", "e.g.This", a lone initial
        return True
    if word.lower() in _NEVER_END or word.lower() in _BEFORE_NUMBER:
        return True
    k = i
    while k > max(group_start, i - _MAX_LOOK_BACK) and not text[k - 1].isspace():
        k -= 1
    token = text[k:i].lower()
    return "://" in token or token.startswith("www") or "@" in token


def _word_before(text: str, group_start: int, i: int) -> str:
    """The letters, digits and inner dots just before position ``i`` ("e.g", "Dr", "99916")."""
    k = i
    while k > max(group_start, i - _MAX_LOOK_BACK) and (text[k - 1].isalnum() or text[k - 1] == "."):
        k -= 1
    return text[k:i]


def document_header(text: str, limit: int = 120) -> str:
    """A document's opening words (title and first sentence), at most ``limit`` characters.

    Every sentence of a page is about what its opening names; ingest embeds sentences with it
    and search treats its words as the page's topic.
    """
    header = ""
    for start, end in split_sentences(text[: limit * 8]):  # the opening is all it needs
        if len(header) >= limit:
            break
        header = f"{header} {text[start:end]}".strip()
    return header[:limit].strip()
