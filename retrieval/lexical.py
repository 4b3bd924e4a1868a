"""BM25 (bm25s) over the library's sentences and chunks, rebuilt when the library changes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from knowledge.code_entries import entry_of
from knowledge.codes import codes_in as find_code_strings
from knowledge.library import LibraryView
from knowledge.models import Chunk
from knowledge.sentences import document_header, split_sentences
from retrieval.cognates import CognateIndex

__all__ = ["LexicalIndex", "Sentence", "tokenize"]

_TITLE_WINDOW = 2000  # characters of a page searched for its title
# A unit defining a term: "Significant relief: a reduction of at least 80 percent ...",
# "- Session: all interventions on one date", '"Level" means one facet joint'.
_DEFINES = re.compile(
    r"^\s*(?:[-*\u2022]\s*)?[\"\u201c']?(?P<term>[^\W\d_][^:|\n\"\u201d]{1,48}?)[\"\u201d']?"
    r"(?:\s*:\s+\S|\s+(?:means|is\s+defined\s+as|refers\s+to)\b)"
)
_DEFINED_WORDS = 5  # the longest term read as one
# Quoted words of a question: "what counts as 'significant relief'".
_QUOTED = re.compile(r"[\"'\u201c\u2018\u00ab\u300c]([^\"'\u201d\u2019\u00bb\u300d]{2,60})[\"'\u201d\u2019\u00bb\u300d]")
_TITLE_MAX = 160
# A word: a run of letters and digits of one kind, spaced scripts (Latin, Cyrillic, Arabic ...)
# apart from those written without spaces (Chinese, Japanese, Korean): "在Northfield的61235"
# and "Northfield에서" hold the words "northfield" and "61235".
_UNSPACED = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_UNSPACED}]+|(?:(?![{_UNSPACED}])[^\W_])+", re.UNICODE)
# Function words carry no evidence; kept short on purpose (materials are English).
_STOP = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "can", "code", "codes", "do", "does", "for", "from", "has", "have", "how", "i", "if", "in", "is", "it", "its", "may", "of", "on", "or", "should", "that", "the", "this", "to", "was", "what", "when", "where", "which", "who", "why", "will", "with"]
)


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.lower())
    word = "".join(ch for ch in word if not unicodedata.combining(ch))
    # A light plural fold so "modifiers" meets "modifier" and "studies" meets "study".
    if len(word) > 4 and not word.isdigit():
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith("ss"):
            return word[:-1]
    return word


def phrase_words(text: str) -> list[str]:
    """Every word token, folded like ``tokenize``'s, stop words kept: for phrase matching."""
    return [t for t in (_fold(w) for w in _TOKEN.findall(text)) if t]


def tokenize(text: str) -> list[str]:
    """Lower-cased, accent-folded word tokens without stop words; codes kept whole."""
    return [t for t in phrase_words(text) if t not in _STOP]


@dataclass(frozen=True, eq=False)
class Sentence:
    """A sentence of a chunk: ``chunk.text[start:end]``; equal to another of the same span of
    the same chunk (compared by ``key``, not by the chunk's whole text)."""

    chunk: Chunk
    start: int
    end: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sentence) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def text(self) -> str:
        """The sentence, verbatim."""
        return self.chunk.text[self.start : self.end]

    @property
    def key(self) -> tuple[str, int, int]:
        """A stable identity."""
        return (self.chunk.chunk_id, self.start, self.end)


class LexicalIndex:
    """BM25 indexes of one library view: one over sentences, one over chunks."""

    def __init__(self, view: LibraryView) -> None:
        self.generation = view.generation
        self.chunks: list[Chunk] = list(view.chunks.values())
        self.sentences: list[Sentence] = []
        # A parenthetical note under a code's descriptor is read with it (``entry_of``).
        self._entry: dict[int, int] = {}
        for c in self.chunks:
            spans = split_sentences(c.text)
            first = len(self.sentences)
            self._entry.update({first + i: first + h for i, h in entry_of(c.text, spans).items()})
            self.sentences.extend(Sentence(c, s, e) for s, e in spans)
        # The units naming a code, and the units about it: those naming it, those under a
        # heading naming it, and those of a document whose title names it ("Code 99931" page,
        # its "MUE | 2" row). A chunk's heading path and title are read once.
        titles = {d.doc_id: d.title for d in view.documents}
        context_codes: dict[str, set[str]] = {}
        self._naming: dict[str, list[int]] = {}
        self._about: dict[str, set[int]] = {}
        for i, s in enumerate(self.sentences):
            named = dict.fromkeys(find_code_strings(s.text))
            if i in self._entry:
                named.update(dict.fromkeys(find_code_strings(self.sentences[self._entry[i]].text)))
            for code in named:
                self._naming.setdefault(code, []).append(i)
            cid = s.chunk.chunk_id
            if cid not in context_codes:
                heading = f"{s.chunk.meta.get('section', '')} {titles.get(s.chunk.doc_id, '')}"
                context_codes[cid] = set(find_code_strings(heading))
            for code in context_codes[cid].union(named):
                self._about.setdefault(code, set()).add(i)
        # Units defining a term, by the term's words (a table row is no definition).
        self._defined: dict[tuple[str, ...], list[int]] = {}
        for i, s in enumerate(self.sentences):
            m = _DEFINES.match(s.text)
            if m is not None and " | " not in s.text:
                term = tuple(phrase_words(m.group("term")))
                if 0 < len(term) <= _DEFINED_WORDS:
                    self._defined.setdefault(term, []).append(i)
        # A unit is found by its section too: "Preparation" finds the items under it.
        self._sent = _bm25([
            f"{s.text} {self.sentences[self._entry[i]].text if i in self._entry else ''} "
            f"{s.chunk.meta.get('section', '')}" for i, s in enumerate(self.sentences)
        ])
        self._chunk = _bm25([c.text for c in self.chunks])
        # Each document's words in order (stop words kept, folded alike), to find phrases in.
        words: dict[str, list[str]] = {}
        for s in self.sentences:
            words.setdefault(s.chunk.doc_id, []).extend(phrase_words(s.text) + ["|"])
        self._doc_words = {d: f" {' '.join(w)} " for d, w in words.items()}
        self.header_words = {
            d.doc_id: frozenset(tokenize(f"{document_header(d.text[:1000], 200)} {_title(d.text)}"))
            for d in view.documents
        }
        self._word_docs: dict[str, set[str]] = {}
        self._cognates: CognateIndex | None = None  # built at first use
        for d, ws in words.items():
            for w in ws:
                self._word_docs.setdefault(w, set()).add(d)
        # A document is also named by its title (a site's name is often only there) and by
        # the name of its file ("...-examplepayer.html"): a question may name either.
        for doc in view.documents:
            for w in phrase_words(f"{doc.title} {doc.source.replace('-', ' ').replace('_', ' ')}"):
                self._word_docs.setdefault(w, set()).add(doc.doc_id)

    def cognates(self, words: Iterable[str]) -> list[str]:
        """The materials' words that ``words`` (folded like ``tokenize``'s) the materials never
        write are spellings of in another language or script (``retrieval.cognates``)."""
        if self._cognates is None:
            self._cognates = CognateIndex(self._word_docs)
        found: dict[str, None] = {}
        for word in words:
            found.update(dict.fromkeys(self._cognates.matches(word)))
        return list(found)

    def documents_with(self, word: str) -> set[str]:
        """The documents in which ``word`` occurs (folded like ``tokenize``; an identifier such
        as "CE-0417" as its words in a row)."""
        folded = phrase_words(word)
        if len(folded) == 1:
            return set(self._word_docs.get(folded[0], ()))
        return {d for d in self._doc_words if self.mentions(word, [d])}

    @property
    def document_count(self) -> int:
        """How many documents the index holds."""
        return len(self._doc_words)

    def mentions(self, phrase: str, doc_ids: Iterable[str] | None = None) -> bool:
        """True when the words of ``phrase`` occur in this order (whole words, case, accents and
        plurals folded) in one sentence of the documents ``doc_ids`` (default: all)."""
        words = phrase_words(phrase)
        if not words:
            return False
        # Only documents holding every word are read through (a dictionary look-up each).
        holders = set.intersection(*(self._word_docs.get(w, set()) for w in words))
        if doc_ids is not None:
            holders &= set(doc_ids)
        wanted = f" {' '.join(words)} "
        return any(wanted in self._doc_words[d] for d in holders)

    def said_of_code(
        self, pattern: re.Pattern[str], code: str, doc_ids: Iterable[str] | None = None
    ) -> bool:
        """True when a unit about ``code`` (naming it, or under a heading or in a document
        whose title names it) matches ``pattern``, in the documents ``doc_ids`` (default all)."""
        return any(pattern.search(s.text) for s in self.about_code(code, doc_ids))

    def about_code(self, code: str, doc_ids: Iterable[str] | None = None) -> list[Sentence]:
        """The units about ``code`` (see ``said_of_code``), in library order."""
        docs = set(doc_ids) if doc_ids is not None else None
        return [
            self.sentences[i] for i in sorted(self._about.get(code, ()))
            if docs is None or self.sentences[i].chunk.doc_id in docs
        ]

    def naming(self, codes: Sequence[str]) -> list[int]:
        """Indexes of the sentences naming any of ``codes``: those naming more of them first,
        then in library order (``sentence`` gives the sentence)."""
        if len(codes) == 1:
            return list(self._naming.get(codes[0], []))
        counts: dict[int, int] = {}
        for code in codes:
            for i in self._naming.get(code, []):
                counts[i] = counts.get(i, 0) + 1
        return sorted(counts, key=lambda i: (-counts[i], i))

    def defining(self, question: str) -> list[int]:
        """Indexes of the units defining a term the question uses: a term of two or more
        words written in it ("significant relief"), or a one-word term it quotes."""
        words = phrase_words(question)
        quoted = {w for q in _QUOTED.findall(question) for w in phrase_words(q)}
        found: list[int] = []
        for n in range(1, _DEFINED_WORDS + 1):
            for i in range(len(words) - n + 1):
                term = tuple(words[i : i + n])
                if term in self._defined and (n > 1 or term[0] in quoted):
                    found.extend(j for j in self._defined[term] if j not in found)
        return found

    def sentence(self, index: int) -> Sentence:
        """The sentence at ``index`` (as ``naming`` gives it)."""
        return self.sentences[index]

    def search_sentences(self, terms: Sequence[str], k: int) -> list[tuple[Sentence, float]]:
        """Top ``k`` sentences for the query tokens (positive scores only), best first."""
        return [(self.sentences[i], s) for i, s in _top(self._sent, terms, k)]

    def search_chunks(self, terms: Sequence[str], k: int) -> list[tuple[Chunk, float]]:
        """Top ``k`` chunks for the query tokens (positive scores only), best first."""
        return [(self.chunks[i], s) for i, s in _top(self._chunk, terms, k)]


def _title(text: str) -> str:
    """The page's title: its first short line that names a code and ends no sentence ("Code
    99931 (fictional): endoscopic laser lithotripsy ..."), after any banner; or ""."""
    for start, end in split_sentences(text[:_TITLE_WINDOW]):
        line = text[start:end].strip()
        if len(line) < _TITLE_MAX and not line.endswith((".", "!", "?", ":", ";")) and (
            find_code_strings(line)
        ):
            return line
    return ""


def _bm25(texts: list[str]) -> bm25s.BM25 | None:
    tokens = [tokenize(t) or ["\u2400"] for t in texts]
    if not tokens:
        return None
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    return index


def _top(index: bm25s.BM25 | None, terms: Sequence[str], k: int) -> list[tuple[int, float]]:
    if index is None or not terms:
        return []
    scores = np.asarray(index.get_scores(list(terms)), dtype=np.float64)
    hits = np.flatnonzero(scores > 0)
    if len(hits) > k:  # keep the k best (ties at the edge resolved by the sort below)
        hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
    order = sorted(hits.tolist(), key=lambda i: (-scores[i], i))
    return [(i, float(scores[i])) for i in order[:k]]
