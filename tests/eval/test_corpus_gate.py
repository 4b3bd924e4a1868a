"""The quality gate on material nobody here wrote: ../shared/corpus (40 documents in the
shapes users upload, 360 blind questions in ten languages), real model, full system.

Floors a little under what was measured at the commit that added the price-cell check (fresh
ingest): fact 0.800 (0.70-0.90 per language), verdicts 0.944, recall@5 0.959, refusal recall
0.807, false refusals 0.033. Another machine's CPU kernels may round the int8 model a little
differently: the floors leave a few questions of room.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eval.gold import load_gold
from eval.metrics import score_by_language
from tests.support.gates import run_full_system

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CPTCITE_SHARED", REPO.parent / "shared")) / "corpus"
MIN_FACT = 0.76
MIN_FACT_PER_LANGUAGE = 0.6
MIN_VERDICT = 0.9
MIN_RECALL_AT_5 = 0.93
MIN_REFUSAL_RECALL = 0.77
MAX_FALSE_REFUSAL = 0.05


@pytest.fixture
def corpus() -> Path:
    """../shared/corpus, or a skip (a failure in CI) before the model is loaded."""
    if not (CORPUS / "docs").is_dir() or not list((CORPUS / "gold").glob("*.jsonl")):
        if os.environ.get("CPTCITE_REQUIRE_SHARED"):
            pytest.fail(f"corpus missing at {CORPUS}; CI needs ../shared beside the clone")
        pytest.skip(f"../shared/corpus is absent ({CORPUS}): the corpus gate needs it")
    return CORPUS


@pytest.mark.slow
def test_full_system_meets_the_corpus_floors(
    corpus: Path, real_embedder: object, tmp_path: Path
) -> None:
    gold = load_gold(sorted((corpus / "gold").glob("*.jsonl")))
    outcomes, s, failed = run_full_system(gold, [corpus / "docs"], real_embedder, tmp_path)
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
