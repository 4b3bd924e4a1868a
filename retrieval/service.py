"""The read path's entry point: ``Assistant.ask`` turns a question into a grounded Answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from knowledge.codes import find_codes
from knowledge.embedder import Embedder
from knowledge.library import Library, LibraryView, embedding_id
from knowledge.models import Answer, Citation, RetrievedChunk, Verdict
from knowledge.settings import Settings
from retrieval.answer import fact_answer, supporting_quote
from retrieval.citing import CitationList
from retrieval.coverage import (
    DEFAULT_THRESHOLDS,
    Thresholds,
    answers_attribute,
    refusal_reason,
)
from retrieval.edit_rows import edit_rows_answer
from retrieval.hints import search_hints
from retrieval.language import load_identifier
from retrieval.lexical import Sentence, tokenize
from retrieval.measures import asked_measures
from retrieval.messages import message
from retrieval.query import Question, analyze_question
from retrieval.search import HybridSearcher, SearchHints, SearchResult
from retrieval.verdicts import (
    asks_beyond_verdict,
    check,
    claim_lines_of,
    states_alone,
    verdict_answer,
)

__all__ = ["Assistant", "assistant_from_settings"]

# Questions about a page's disclaimer or where to look things up may be answered by it.
_NOTICE_CONCEPTS = frozenset({"disclaimer", "reference_source", "code_book"})


class Assistant:
    """Answers questions from the library, citing verbatim; checks claims with the rules.

    Thread-safe: one instance can serve every session of the app.

    Args:
        library: the opened library (registry + vectors).
        embedder: embeds questions (must be the model the store was built with).
        mode: "hybrid" (default), or "dense" / "bm25" alone (baselines).
        top_k: chunks listed in ``Answer.retrieved``.
        model_cache: where derived copies of models are kept (the language identifier's,
            unpacked: read at warm-up or the first question in about 0.1 s, not unpacked).

    Example::

        assistant = assistant_from_settings(Settings())
        answer = assistant.ask("¿Se puede facturar 50706 con 52341?")
    """

    def __init__(
        self,
        library: Library,
        embedder: Embedder,
        *,
        mode: str = "hybrid",
        top_k: int = 5,
        max_question_chars: int = 2000,
        default_language: str = "en",
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        model_cache: Path | None = None,
    ) -> None:
        if top_k <= 0:
            raise ValueError(f"top_k must be > 0, got {top_k}")
        self.library, self.embedder, self.mode = library, embedder, mode
        self.top_k, self.max_question_chars = top_k, max_question_chars
        self.default_language, self.thresholds = default_language, thresholds
        self.model_cache = model_cache
        self.searcher = HybridSearcher(library, mode)
        self._codes: tuple[int, set[str], set[str]] | None = None
        self._lock = threading.Lock()

    def view(self) -> LibraryView:
        """The library's current snapshot (documents, chunks, rules, audit)."""
        return self.library.view()

    def warm_up(self) -> None:
        """Load the model, language identifier, catalogs and indexes now, not on a question.

        The model loads in a second thread while this one builds the keyword index and reads
        the language identifier: the model's runtime works outside Python's lock, so the two
        overlap on two cores.
        """
        failed: list[BaseException] = []

        def load_model() -> None:
            try:
                self.embedder.embed_query("warm-up")
            except BaseException as exc:  # noqa: BLE001 - raised again below, in this thread
                failed.append(exc)

        loader = threading.Thread(target=load_model, name="cptcite-model-load", daemon=True)
        loader.start()
        try:
            view = self.view()
            if not view.empty:
                self.searcher.lexical(view)
                self.library.warm(view)
            load_identifier(self.model_cache)
            analyze_question("Which codes are reported with this add-on code?",
                             fallback=self.default_language, max_chars=self.max_question_chars)
        finally:
            loader.join()
        if failed:
            raise failed[0]
        self.ask("Which codes are reported with this add-on code?")

    def check(self, claim: str | list[str]) -> Verdict:
        """The rule module's verdict on a claim such as "50706-50 50385x2" (ClaimError if bad)."""
        lines = claim.replace(",", " ").split() if isinstance(claim, str) else list(claim)
        return check(lines, self.view())

    def ask(self, question: str, lang: str | None = None, fallback: str | None = None) -> Answer:
        """Answer ``question`` from the materials (``lang`` forces the answer language).

        Raises QuestionError for an empty or over-long question.
        """
        t0 = time.perf_counter()
        load_identifier(self.model_cache)  # once per process; from the model cache if given
        q = analyze_question(
            question, lang=lang, fallback=fallback or self.default_language,
            max_chars=self.max_question_chars,
        )
        view = self.view()
        lexical = self.searcher.lexical(view)
        timings: dict[str, float] = {}
        vector = None
        if self.mode != "bm25" and not view.empty:
            self.library.check_model(embedding_id(self.embedder))
            t = time.perf_counter()
            vector = self.embedder.embed_query(q.dense_with(lexical.cognates(tokenize(q.text))))
            timings["embed"] = _ms(t)
        t = time.perf_counter()
        hints = search_hints(q, view, lexical)
        result = self.searcher.search(q, vector, view, hints)
        timings["search"] = _ms(t)
        answer = self._compose(q, result, view, hints)
        timings["total"] = _ms(t0)
        return answer.model_copy(update={"timings_ms": timings})

    def _compose(
        self,
        q: Question,
        result: SearchResult,
        view: LibraryView,
        hints: SearchHints,
    ) -> Answer:
        focus, about = hints.focus_docs, hints.subject_docs
        cites = CitationList(view)
        lines = claim_lines_of(q, view)
        if lines is None and (text := edit_rows_answer(q, view, cites)) is not None:
            # "How many units of 99951 per day?" with CMS's MUE file stored: its row.
            return Answer(question=q.text, language=q.language, refused=False, answer=text,
                          citations=cites.items,
                          retrieved=_retrieved(result, view, self.top_k, cites.items))
        reason = refusal_reason(
            q, result, self.searcher.lexical(view), known_codes=self._known_codes(view),
            written_codes=self._written_codes(view),
            is_claim=lines is not None, thresholds=self.thresholds, focus_docs=focus,
            rules=view.rules, names=hints.names, codes_off_named=hints.codes_off_named,
            edit_tables=lines is not None and view.edit_store is not None
            and bool(view.edit_store.files()),
        )
        if reason is None and lines is not None:
            made = verdict_answer(q, lines, view, cites)
            if made is not None:
                verdict, text = made
                # "Can 99931 be billed alone?": the materials' own words on it, if any. A code
                # allowed alone was allowed by those words: the verdict quotes them already.
                one = len(set(q.codes)) == 1
                alone = (lambda s: states_alone(s.text)) if one else None
                if verdict.status == "unknown" or asked_measures(q.text, q.language) or (
                        asks_beyond_verdict(q)):
                    # No rule decides, or the question asks a figure or a fact of the claim
                    # ("in the example with 99931 and 99932-XS, what is paid in total?"): what
                    # the materials say on the question follows the verdict.
                    extra = fact_answer(
                        q.language, result, cites, focus, question=q.text,
                        example="example" in q.concepts,
                        required=hints.asked_rules, names=hints.names,
                    )
                else:
                    extra = None if one and verdict.status == "allowed" else supporting_quote(
                        q.language, result, cites, set(q.codes), about, alone)
                text = f"{text}\n\n{extra}" if extra else text
                return Answer(question=q.text, language=q.language, refused=False, answer=text,
                              verdict=verdict, citations=cites.items,
                              retrieved=_retrieved(result, view, self.top_k, cites.items))
        if reason is None:
            text = fact_answer(
                q.language, result, cites, focus, question=q.text,
                example="example" in q.concepts, plain="plain_language" in q.concepts,
                required=hints.asked_rules, names=hints.names,
                notices=bool(_NOTICE_CONCEPTS & set(q.concepts)),
            )
            if text is not None and answers_attribute(q, [
                Sentence(view.chunks[c.chunk_id], c.start, c.end) for c in cites.items
            ]):
                return Answer(question=q.text, language=q.language, refused=False, answer=text,
                              citations=cites.items,
                              retrieved=_retrieved(result, view, self.top_k, cites.items))
            # Nothing to quote, or quotes that do not give the attribute asked ("how much does
            # X pay for 99931?" answered by a sentence that only names 99931).
            reason = ("The uploaded materials do not cover this question.", {})
        key, params = reason
        return Answer(question=q.text, language=q.language, refused=True,
                      answer=message(q.language, key, **params),
                      retrieved=_retrieved(result, view, self.top_k, ()))

    def _known_codes(self, view: LibraryView) -> set[str]:
        """Every code the materials write out, plus the ranges the extracted rules expand.

        A range in prose ("invented codes in the range 99901-99999") says nothing about the
        codes inside it; the rule module expands the ranges that are lists of codes.
        """
        return self._codes_of(view)[1]

    def _written_codes(self, view: LibraryView) -> set[str]:
        """The codes the materials write out (a range's ends, not the codes inside it)."""
        return self._codes_of(view)[0]

    def _codes_of(self, view: LibraryView) -> tuple[set[str], set[str]]:
        with self._lock:
            if self._codes is None or self._codes[0] != view.generation:
                written = {c for chunk in view.chunks.values() for c, _, _ in find_codes(chunk.text)}
                codes = set(written)
                for r in view.rules:
                    codes.add(r.code)
                    codes.update(r.primary_codes, r.excluded_codes)
                    codes.update(c for s in r.see_also for c in s.codes)
                self._codes = (view.generation, written, codes)
            return self._codes[1], self._codes[2]


def assistant_from_settings(settings: Settings, store: Path | None = None, **kwargs: object) -> Assistant:
    """An Assistant over the store named by ``settings`` (``store`` overrides it)."""
    from knowledge.wiring import embedder_from_settings, library_from_settings

    library = library_from_settings(settings, store)
    return Assistant(
        library,
        embedder_from_settings(settings, built_with=library.built_with()),
        top_k=settings.top_k,
        max_question_chars=settings.max_question_chars,
        default_language=settings.default_language,
        model_cache=Path(settings.model_cache),
        **kwargs,  # type: ignore[arg-type]
    )


def _retrieved(
    result: SearchResult, view: LibraryView, top_k: int, citations: Sequence[Citation]
) -> list[RetrievedChunk]:
    """The ``top_k`` chunks an answer rests on, best first: the chunks it quotes, in the order
    it quotes them, then the rest of the search's ranking.

    Evidence selection and the rule module reach past the search's first few hits (a verdict
    quotes the rule's own sentence); the list shows what the answer was built from. A quoted
    chunk keeps its search score, or 0 when the search did not rank it.
    """
    scores = {h.chunk.chunk_id: h.score for h in result.chunks}
    order = [c.chunk_id for c in citations] + [h.chunk.chunk_id for h in result.chunks]
    out: list[RetrievedChunk] = []
    for chunk_id in dict.fromkeys(order):
        chunk = view.chunks.get(chunk_id)
        if chunk is None:
            continue
        out.append(RetrievedChunk(chunk_id=chunk_id, source=chunk.source,
                                  score=round(scores.get(chunk_id, 0.0), 6), text=chunk.text))
        if len(out) == top_k:
            break
    return out


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000, 2)
