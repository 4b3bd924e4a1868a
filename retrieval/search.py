"""Hybrid search: dense (e5 sentences and chunks), BM25 and exact code matches, fused by RRF."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from knowledge.library import Library, LibraryView
from knowledge.models import SECTION_SEPARATOR, Hit
from knowledge.rule_phrases import points_to_code
from knowledge.sentences import split_sentences
from retrieval.anchors import is_year
from retrieval.lexical import LexicalIndex, Sentence, tokenize
from retrieval.passages import is_item
from retrieval.query import Question
from retrieval.source_view import heading_path

__all__ = ["MODES", "Evidence", "HybridSearcher", "SearchHints", "SearchResult"]

MODES = ("hybrid", "dense", "bm25")
_RRF_K = 30
_POOL = 40  # candidates per list
_CHUNKS = 20  # ranked chunks returned (answers list the top 5)
_DENSE_WEIGHT = 1.5
_NAMED_POOL = 10  # sentences of a document the question names, searched on their own
_NAMED_WEIGHT = 0.5
_BM25_WEIGHT = 0.75
_CODE_WEIGHT = 1.0
_DEFINED_WEIGHT = 1.0  # the unit defining a term the question uses
_RULE_WEIGHT = 1.0  # the rule module located the sentence that states what is asked
_HEADING_POOL = 5  # the best units read for headings whose section lends its list items rank
_UNDER_WEIGHT = 0.5
_REDIRECT_WEIGHT = 0.4  # a "which code?" question: the units sending the reader to a code
_REDIRECT_POOL = 10  # ... among this many nearest
_OFF_FOCUS = 0.5  # a sentence from a page about another code
_MENTION_ONLY = 0.75  # a sentence from a page that names the code but states no rule for it


@dataclass
class Evidence:
    """A candidate sentence with its fused score and the signals behind it."""

    sentence: Sentence
    score: float = 0.0
    dense: float | None = None  # cosine of the question to the sentence
    bm25: float = 0.0
    code_match: bool = False


@dataclass(frozen=True)
class SearchHints:
    """What the rule module and the question add to plain search.

    ``subject_codes``: codes the materials have rules for; every sentence of a page about a
    code is about it, so these do not pull sentences that merely print them.
    ``focus_docs``: documents naming those codes (other documents' sentences are demoted).
    ``subject_docs``: those of them that state rules for the codes: the pages about them (a
    page that only mentions a code, "see 99945 instead", is demoted less than others).
    ``rule_sentences``: sentences stating the rules the question asks about, as
    (chunk_id, start, end), best first.
    ``asked_rules``: when the question asks about several rules of a code, the first sentence
    stating each (an answer quotes them all).
    ``topic_terms``: query words naming the page's topic; BM25 leaves them out when other
    words remain, since every sentence of the page is about them.
    ``names``: the question's words that name one document ("Northfield", "CE-0417").
    ``codes_off_named``: the question's codes that the one document it names never mentions
    ("what does Northfield pay for 99945?" when Northfield's page has no 99945).
    """

    subject_codes: frozenset[str] = frozenset()
    focus_docs: frozenset[str] = frozenset()
    subject_docs: frozenset[str] = frozenset()
    rule_sentences: tuple[tuple[str, int, int], ...] = ()
    asked_rules: tuple[tuple[str, int, int], ...] = ()
    topic_terms: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    codes_off_named: frozenset[str] = frozenset()


@dataclass
class SearchResult:
    """Ranked evidence sentences and ranked chunks, best first."""

    sentences: list[Evidence] = field(default_factory=list)
    chunks: list[Hit] = field(default_factory=list)
    best_dense: float = 0.0


class HybridSearcher:
    """Fuses dense, lexical and code evidence. ``mode`` picks a part alone for baselines.

    Thread-safe; the lexical index is rebuilt when the library's generation changes.
    """

    def __init__(self, library: Library, mode: str = "hybrid") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose from {', '.join(MODES)}")
        self.library, self.mode = library, mode
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()

    def lexical(self, view: LibraryView) -> LexicalIndex:
        """The BM25 index of ``view`` (cached per generation)."""
        with self._lock:
            if self._lexical is None or self._lexical.generation != view.generation:
                self._lexical = LexicalIndex(view)
            return self._lexical

    def search(
        self,
        question: Question,
        vector: np.ndarray | None,
        view: LibraryView,
        hints: SearchHints = SearchHints(),
    ) -> SearchResult:
        """Rank the view's sentences and chunks for ``question`` (``vector``: its embedding)."""
        if view.empty:
            return SearchResult()
        lex = self.lexical(view)
        by_key: dict[tuple[str, int, int], Evidence] = {}
        sentence_lists: list[tuple[float, list[tuple[str, int, int]]]] = []
        chunk_lists: list[list[str]] = []

        def ev(s: Sentence) -> Evidence:
            return by_key.setdefault(s.key, Evidence(s))

        best_dense = 0.0
        if self.mode in ("hybrid", "dense") and vector is not None:
            # Both vectors of a sentence: as a passage and as a query; their cosines add up.
            pools = [
                self.library.sentence_search(vector, _POOL, view, kind)
                for kind in ("sentence", "sentence_q")
            ]
            floor = [min((h.score for h in pool), default=0.0) for pool in pools]
            cosines: dict[tuple[str, int, int], list[float]] = {}
            for i, pool in enumerate(pools):
                for h in pool:
                    s = Sentence(h.chunk, h.start, h.end)
                    cosines.setdefault(s.key, list(floor))[i] = h.score
                    ev(s)
            for key, pair in cosines.items():
                by_key[key].dense = pair[0]  # the passage cosine: what refusals are calibrated on
            ranked = sorted(cosines, key=lambda k: (-sum(cosines[k]), k))
            sentence_lists.append((_DENSE_WEIGHT, ranked))
            if "asks_for_code" in question.signals:
                # "Which code for a burn?": of the nearest units, those naming a code for
                # some work ("(For debridement of burns, see ...)").
                sentence_lists.append((_REDIRECT_WEIGHT, [
                    k for k in ranked[:_REDIRECT_POOL] if points_to_code(by_key[k].sentence.text)]))
            best_dense = max((by_key[k].dense or 0.0 for k in ranked), default=0.0)
            if hints.names and hints.focus_docs:
                # "Per Cobaltline's schedule, ...": the named document's own nearest sentences,
                # however far the library's others rank.
                own = []
                for h in self.library.sentence_search(
                    vector, _NAMED_POOL, view, "sentence", doc_ids=sorted(hints.focus_docs)
                ):
                    e = ev(Sentence(h.chunk, h.start, h.end))
                    e.dense = h.score if e.dense is None else e.dense
                    own.append(e.sentence.key)
                sentence_lists.append((_NAMED_WEIGHT, own))
            chunk_lists.append([h.chunk.chunk_id for h in self.library.dense_search(vector, 10, view)])
        if self.mode in ("hybrid", "bm25"):
            terms = question.terms if self.mode == "hybrid" else _plain_terms(question)
            terms = [t for t in terms if t.upper() not in hints.subject_codes]
            if question.codes:
                # "The fee of 99931 in 2025": the year pins the answer (``retrieval.anchors``
                # checks the materials give it); as a search word it finds any 2025 date.
                terms = [t for t in terms if not is_year(t)]
            focused = [t for t in terms if t not in hints.topic_terms]
            terms = focused or terms
            if self.mode == "hybrid":
                # "uretrocistografía" finds "urethrocystography", "апиксабан" "apixaban".
                terms = [*terms, *(w for w in lex.cognates(terms) if w not in terms)]
            ranked = []
            for s, score in lex.search_sentences(terms, _POOL):
                e = ev(s)
                e.bm25 = score
                ranked.append(s.key)
            sentence_lists.append((_BM25_WEIGHT, ranked))
            chunk_lists.append([c.chunk_id for c, _ in lex.search_chunks(terms, 10)])
        wanted = set(question.codes) - hints.subject_codes
        if wanted and self.mode == "hybrid":
            # A code in the question must pull the sentences that name it: those naming the
            # most of its codes first; of very many, those the other lists found first.
            named = lex.naming(sorted(wanted))
            picks = [lex.sentence(i) for i in named[:_POOL]]
            if len(named) > _POOL:
                found = [e.sentence for e in by_key.values()
                         if any(c in e.sentence.text for c in wanted)]
                found.sort(key=lambda s: -sum(c in s.text for c in wanted))
                keys = {s.key for s in found}
                picks = (found + [s for s in picks if s.key not in keys])[:_POOL]
            ranked = []
            for s in picks:
                e = ev(s)
                e.code_match = True
                ranked.append(s.key)
            # A nudge, not a verdict: a page names its own code in many sentences.
            sentence_lists.append((_CODE_WEIGHT, ranked))

        if self.mode == "hybrid" and (defined := lex.defining(question.text)):
            # "What counts as 'significant relief'?": the unit defining the term.
            sentence_lists.append(
                (_DEFINED_WEIGHT, [ev(lex.sentence(i)).sentence.key for i in defined[:_POOL]]))

        if hints.rule_sentences and self.mode == "hybrid":
            ranked = []
            for cid, start, end in hints.rule_sentences:
                chunk = view.chunks.get(cid)
                if chunk is not None:
                    ranked.append(ev(Sentence(chunk, start, end)).sentence.key)
            sentence_lists.append((_RULE_WEIGHT, ranked))

        fused = _rrf(sentence_lists)
        if self.mode == "hybrid":
            # "Typical indications" ranks high, the items listed under it lower: a heading
            # among the best lends its rank to the list items of its section and of the
            # sections inside it.
            top = sorted(fused, key=lambda k: (-fused[k], k))[:_HEADING_POOL]
            under = [ev(s).sentence.key for s in _under_headings([by_key[k].sentence for k in top],
                                                                  view)]
            if under:
                sentence_lists.append((_UNDER_WEIGHT, under))
                fused = _rrf(sentence_lists)
        for key, score in fused.items():
            e = by_key[key]
            e.score = score * _focus_weight(e.sentence.chunk.doc_id, hints)
        sentences = sorted(
            (by_key[k] for k in fused), key=lambda e: (-e.score, e.sentence.key)
        )
        # Chunks: their own rankings plus the rank of their best sentence.
        best_sentence_chunks: list[str] = []
        for e in sentences:
            cid = e.sentence.chunk.chunk_id
            if cid not in best_sentence_chunks:
                best_sentence_chunks.append(cid)
        chunk_scores = _rrf([(1.0, ranked) for ranked in [*chunk_lists, best_sentence_chunks]])
        for cid in chunk_scores:  # a chunk of a page about another code is demoted as its units
            chunk_scores[cid] *= _focus_weight(view.chunks[cid].doc_id, hints)
        chunks = sorted(chunk_scores, key=lambda cid: (-chunk_scores[cid], cid))[:_CHUNKS]
        hits = [Hit(chunk=view.chunks[cid], score=chunk_scores[cid]) for cid in chunks]
        return SearchResult(sentences=sentences, chunks=hits, best_dense=best_dense)


def _focus_weight(doc_id: str, hints: SearchHints) -> float:
    if not hints.focus_docs:
        return 1.0
    if doc_id not in hints.focus_docs:
        return _OFF_FOCUS
    if hints.subject_docs and doc_id not in hints.subject_docs:
        return _MENTION_ONLY
    return 1.0


def _under_headings(ranked: Sequence[Sentence], view: LibraryView) -> list[Sentence]:
    """The list items under the headings among ``ranked`` (a unit that is its chunk's
    heading), heading by heading: those of its chunk, then those of its subsections."""
    out: list[Sentence] = []
    for s in ranked:
        path = heading_path(s.chunk)
        if not path or s.text.strip() != path[-1]:
            continue
        prefix = f"{s.chunk.meta.get('section', '')}{SECTION_SEPARATOR}"
        inside = sorted((c for c in view.by_doc.get(s.chunk.doc_id, ())
                         if str(c.meta.get("section", "")).startswith(prefix)),
                        key=lambda c: c.position)
        for chunk in [s.chunk, *inside]:
            out.extend(Sentence(chunk, a, b) for a, b in split_sentences(chunk.text)
                       if (chunk is not s.chunk or a >= s.end) and is_item(chunk.text[a:b]))
            if len(out) >= _POOL:
                return out[:_POOL]
    return out


def _rrf(lists: Sequence[tuple[float, Sequence[object]]]) -> dict:
    """Weighted reciprocal rank fusion: sum of w / (k + rank) over the lists holding an item."""
    scores: dict = {}
    for weight, ranked in lists:
        for rank, key in enumerate(ranked):
            scores[key] = scores.get(key, 0.0) + weight / (_RRF_K + rank + 1)
    return scores


def _plain_terms(question: Question) -> list[str]:
    return tokenize(question.text)

