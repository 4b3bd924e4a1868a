"""Pure metric functions over gold questions and the answers a system gave.

Definitions (all documented in the report too):

- A text is *relevant* to a question when, after case folding and collapsing whitespace runs
  to one space, it contains one of the question's evidence passages.
- Retrieval metrics use the ``retrieved`` list (best first) of answerable questions that have
  evidence. ``recall@k`` is the hit rate: 1 when a relevant chunk is among the first k (the
  gold set lists passages, not every relevant chunk, so there is no total to divide by).
  ``mrr@5`` is 1/rank of the first relevant chunk; ``ndcg@5`` uses binary gains and an ideal
  ranking of the same retrieved list (its relevant chunks first).
- A citation is *correct* when its quote, or the text of the chunk it cites (looked up in the
  retrieved list), contains an evidence passage. Citation precision is micro-averaged over
  the citations of answerable questions with evidence; citation recall is the share of those
  questions with at least one correct citation.
- ``contains``: every ``contains`` string occurs in the folded answer text.
- Verdict accuracy: over claim questions (gold verdict set), the answer's verdict status equals it.
- Refusal: positive = refused, truth = not answerable. False-refusal rate = refused answerable
  questions / answerable questions.
- Fact accuracy: answerable non-claim questions that were not refused, whose answer holds every
  ``contains`` string, and that have at least one correct citation.

A metric with nothing to average over is ``None`` (shown as n/a), never 0.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "METRICS",
    "Outcome",
    "citation_correct",
    "diagnose",
    "fold",
    "is_relevant",
    "mrr_at_k",
    "ndcg_at_k",
    "percentile",
    "recall_at_k",
    "relevance",
    "score",
    "score_by_language",
    "threshold_failures",
]

_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Compatibility forms (NFKC), case and whitespace runs folded: the contract's folding, with a
    PDF's "ﬁ" read as "fi"."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def is_relevant(text: str, evidence: Sequence[str]) -> bool:
    """True when ``text`` contains one of the evidence passages (folded)."""
    folded = fold(text)
    return any(fold(e) and fold(e) in folded for e in evidence)


def relevance(texts: Sequence[str], evidence: Sequence[str]) -> list[bool]:
    """Binary relevance of each text, in order."""
    return [is_relevant(t, evidence) for t in texts]


def recall_at_k(rels: Sequence[bool], k: int) -> float:
    """1.0 when a relevant item is among the first ``k``, else 0.0 (hit rate)."""
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    return 1.0 if any(rels[:k]) else 0.0


def mrr_at_k(rels: Sequence[bool], k: int) -> float:
    """Reciprocal rank of the first relevant item within the first ``k`` (0.0 when none)."""
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    for i, rel in enumerate(rels[:k]):
        if rel:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at_k(rels: Sequence[bool], k: int) -> float:
    """Binary nDCG@k; the ideal ranking puts the list's relevant items first (0.0 when none)."""
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    top = list(rels[:k])
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(top) if rel)
    n_rel = sum(1 for rel in top if rel)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(n_rel))
    return dcg / ideal if ideal else 0.0


def citation_correct(quote: str, chunk_text: str | None, evidence: Sequence[str]) -> bool:
    """A citation is correct when its quote or its chunk's text contains an evidence passage."""
    return is_relevant(quote, evidence) or (
        chunk_text is not None and is_relevant(chunk_text, evidence)
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation, like numpy's default."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class Outcome:
    """One gold question and what a system answered (plain values only)."""

    id: str
    lang: str
    answerable: bool
    evidence: tuple[str, ...]
    contains: tuple[str, ...]
    gold_verdict: str | None
    refused: bool
    answer: str
    verdict: str | None
    citations: tuple[tuple[str, str], ...]  # (chunk_id, quote)
    retrieved: tuple[tuple[str, str], ...]  # (chunk_id, text), best first
    latency_ms: float
    language: str = ""
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def judged_retrieval(self) -> bool:
        """Retrieval and citation quality can be judged: answerable and has evidence."""
        return self.answerable and bool(self.evidence)

    @property
    def is_fact(self) -> bool:
        """An answerable question that is not a claim check."""
        return self.answerable and self.gold_verdict is None

    def rels(self) -> list[bool]:
        """Relevance of the retrieved chunks."""
        return relevance([text for _, text in self.retrieved], self.evidence)

    def correct_citations(self) -> list[bool]:
        """Correctness of each citation, in order."""
        chunk_texts = dict(self.retrieved)
        return [
            citation_correct(q, chunk_texts.get(cid), self.evidence) for cid, q in self.citations
        ]

    def contains_ok(self) -> bool:
        """Every ``contains`` string occurs in the folded answer text."""
        answer = fold(self.answer)
        return all(fold(c) in answer for c in self.contains)

    def fact_ok(self) -> bool:
        """Not refused, contains satisfied, at least one correct citation."""
        return not self.refused and self.contains_ok() and any(self.correct_citations())


def _mean(values: Iterable[float]) -> float | None:
    xs = list(values)
    return sum(xs) / len(xs) if xs else None


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(outcomes: Sequence[Outcome]) -> dict[str, float | int | None]:
    """Every metric over ``outcomes`` (one language or all); see the module docstring."""
    judged = [o for o in outcomes if o.judged_retrieval]
    rels = [o.rels() for o in judged]
    cites = [o.correct_citations() for o in judged]
    claims = [o for o in outcomes if o.gold_verdict is not None]
    facts = [o for o in outcomes if o.is_fact]
    with_contains = [o for o in outcomes if o.answerable and o.contains]
    tp = sum(1 for o in outcomes if o.refused and not o.answerable)
    fp = sum(1 for o in outcomes if o.refused and o.answerable)
    fn = sum(1 for o in outcomes if not o.refused and not o.answerable)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _f1(precision, recall)
    n_answerable = sum(1 for o in outcomes if o.answerable)
    latencies = [o.latency_ms for o in outcomes]
    all_cites = [c for cs in cites for c in cs]
    return {
        "n": len(outcomes),
        "n_retrieval": len(judged),
        "n_facts": len(facts),
        "n_claims": len(claims),
        "n_unanswerable": len(outcomes) - n_answerable,
        "recall@1": _mean(recall_at_k(r, 1) for r in rels),
        "recall@3": _mean(recall_at_k(r, 3) for r in rels),
        "recall@5": _mean(recall_at_k(r, 5) for r in rels),
        "mrr@5": _mean(mrr_at_k(r, 5) for r in rels),
        "ndcg@5": _mean(ndcg_at_k(r, 5) for r in rels),
        "citation_precision": _ratio(sum(all_cites), len(all_cites)),
        "citation_recall": _ratio(sum(1 for cs in cites if any(cs)), len(judged)),
        "contains_accuracy": _ratio(
            sum(1 for o in with_contains if o.contains_ok()), len(with_contains)
        ),
        "verdict_accuracy": _ratio(
            sum(1 for o in claims if o.verdict == o.gold_verdict), len(claims)
        ),
        "refusal_precision": precision,
        "refusal_recall": recall,
        "refusal_f1": f1,
        "false_refusal_rate": _ratio(fp, n_answerable),
        "fact_accuracy": _ratio(sum(1 for o in facts if o.fact_ok()), len(facts)),
        "language_accuracy": _ratio(
            sum(1 for o in outcomes if o.language == o.lang), sum(1 for o in outcomes if o.language)
        ),
        "errors": sum(1 for o in outcomes if o.error),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def score_by_language(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float | int | None]]:
    """``{"all": score(outcomes), "<lang>": score(of that language), ...}``, languages sorted."""
    out = {"all": score(outcomes)}
    for lang in sorted({o.lang for o in outcomes}):
        out[lang] = score([o for o in outcomes if o.lang == lang])
    return out


#: Metric names in report order, with a short label and whether higher is better.
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("fact_accuracy", "fact acc", True),
    ("contains_accuracy", "contains", True),
    ("verdict_accuracy", "verdict", True),
    ("recall@1", "R@1", True),
    ("recall@3", "R@3", True),
    ("recall@5", "R@5", True),
    ("mrr@5", "MRR@5", True),
    ("ndcg@5", "nDCG@5", True),
    ("citation_precision", "cite P", True),
    ("citation_recall", "cite R", True),
    ("refusal_precision", "refuse P", True),
    ("refusal_recall", "refuse R", True),
    ("refusal_f1", "refuse F1", True),
    ("false_refusal_rate", "false refuse", False),
    ("language_accuracy", "lang id", True),
    ("latency_p50_ms", "p50 ms", False),
    ("latency_p95_ms", "p95 ms", False),
)


def diagnose(o: Outcome) -> str | None:
    """Why a question counts as failed (None when it passes every check that applies to it)."""
    if o.error:
        return f"error: {o.error}"
    if not o.answerable:
        return None if o.refused else "answered an unanswerable question"
    if o.gold_verdict is not None and o.verdict != o.gold_verdict:
        return f"verdict {o.verdict} != {o.gold_verdict}"
    if o.refused:
        return "refused an answerable question"
    if o.gold_verdict is not None:
        return None
    answer = fold(o.answer)
    missing = [c for c in o.contains if fold(c) not in answer]
    if missing:
        return "answer lacks " + ", ".join(repr(c) for c in missing)
    if not any(o.correct_citations()):
        return "no correct citation" if o.citations else "no citation"
    return None


def threshold_failures(
    scores: dict[str, float | int | None],
    minimums: dict[str, float],
    maximums: dict[str, float],
) -> list[str]:
    """One line per metric below its minimum or above its maximum; n/a counts as a failure."""
    out: list[str] = []
    for name, floor in minimums.items():
        value = scores.get(name)
        if value is None or value < floor:
            out.append(f"{name} = {_fmt(value)} < {floor}")
    for name, ceiling in maximums.items():
        value = scores.get(name)
        if value is None or value > ceiling:
            out.append(f"{name} = {_fmt(value)} > {ceiling}")
    return out


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
