"""The quality gate: the full system, real model, whole gold set over the seed page + samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.gold import default_gold_files, load_gold
from eval.metrics import score_by_language
from ingest import sample_materials
from tests.support.gates import run_full_system

# Regression floors, a little under what was measured (720 questions, 2026-11-25: fact 0.956
# overall and 0.90-1.00 per language, verdicts 1.0, refusal recall 0.93, false refusals 0.0).
MIN_FACT = 0.93
MIN_FACT_PER_LANGUAGE = 0.85
MIN_VERDICT = 1.0
MIN_REFUSAL_RECALL = 0.9
MAX_FALSE_REFUSAL = 0.05


@pytest.mark.slow
def test_full_system_meets_thresholds(
    seed_path: Path, real_embedder: object, tmp_path: Path
) -> None:
    gold = load_gold(default_gold_files())
    assert gold, "no gold questions under eval/gold/"
    materials = [seed_path, *sample_materials()]
    outcomes, s, failed = run_full_system(gold, materials, real_embedder, tmp_path)
    assert s["errors"] == 0, failed
    assert s["fact_accuracy"] is not None and s["fact_accuracy"] >= MIN_FACT, failed
    assert s["verdict_accuracy"] is None or s["verdict_accuracy"] >= MIN_VERDICT, failed
    assert s["refusal_recall"] is None or s["refusal_recall"] >= MIN_REFUSAL_RECALL, failed
    assert s["false_refusal_rate"] is not None and s["false_refusal_rate"] <= MAX_FALSE_REFUSAL, (
        failed
    )
    for lang, figures_of in score_by_language(outcomes).items():
        fact = figures_of["fact_accuracy"]
        assert fact is None or fact >= MIN_FACT_PER_LANGUAGE, f"{lang}: fact {fact}\n{failed}"
