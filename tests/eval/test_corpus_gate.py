"""The quality gate on material nobody here wrote: ../shared/corpus (40 documents in the
shapes users upload, 360 blind questions in ten languages), real model, full system.

Floors a little under what was measured with the float ONNX export (fresh ingest): fact 0.93
(0.85-1.00 per language), verdicts 1.000, recall@5 0.98, refusal recall 0.95, false refusals
0.01. The int8 export's vectors depend on the CPU (fact 0.91-0.93 on two machines); the float
one's do not, but the floors still leave a borderline question or two of room. The corpus is
ingested once per test session (``corpus_store``, shared with the corpus browser test).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.gold import load_gold
from eval.metrics import score_by_language
from knowledge.library import open_library
from tests.conftest import corpus_or_skip
from tests.support.gates import run_full_system

MIN_FACT = 0.915
MIN_FACT_PER_LANGUAGE = 0.85
MIN_VERDICT = 0.97
MIN_RECALL_AT_5 = 0.97
MIN_REFUSAL_RECALL = 0.93
MAX_FALSE_REFUSAL = 0.02


@pytest.fixture
def corpus() -> Path:
    return corpus_or_skip()  # before the model is loaded


@pytest.mark.slow
def test_full_system_meets_the_corpus_floors(
    corpus: Path, real_embedder: object, corpus_store: Path, tmp_path: Path
) -> None:
    gold = load_gold(sorted((corpus / "gold").glob("*.jsonl")))
    library = open_library(corpus_store)
    try:
        outcomes, s, failed = run_full_system(gold, [], real_embedder, tmp_path, library)
    finally:
        library.close()
    assert s["errors"] == 0, failed
    assert s["fact_accuracy"] is not None and s["fact_accuracy"] >= MIN_FACT, failed
    assert s["verdict_accuracy"] is not None and s["verdict_accuracy"] >= MIN_VERDICT, failed
    assert s["recall@5"] is not None and s["recall@5"] >= MIN_RECALL_AT_5, failed
    assert s["refusal_recall"] is not None and s["refusal_recall"] >= MIN_REFUSAL_RECALL, failed
    assert s["false_refusal_rate"] is not None and s["false_refusal_rate"] <= MAX_FALSE_REFUSAL, (
        failed
    )
    for lang, figures_of in score_by_language(outcomes).items():
        fact = figures_of["fact_accuracy"]
        assert fact is None or fact >= MIN_FACT_PER_LANGUAGE, f"{lang}: fact {fact}\n{failed}"
