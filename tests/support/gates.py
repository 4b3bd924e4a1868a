"""The evaluation gates' shared run: the full system over materials and gold, scored."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eval.gold import GoldItem
from eval.metrics import Outcome, diagnose, score
from eval.runner import run_eval, to_outcome
from knowledge.library import Library

_SHOWN = ("fact_accuracy", "verdict_accuracy", "recall@5", "refusal_recall", "false_refusal_rate")


def run_full_system(
    gold: Sequence[GoldItem],
    materials: Sequence[Path],
    embedder: object,
    workdir: Path,
    library: Library | None = None,
) -> tuple[list[Outcome], dict[str, float | int | None], str]:
    """Outcomes, their scores and a failure message (the figures, then every miss); over
    ``library`` when given (already holding the materials), else a fresh store."""
    run = run_eval(gold, ["full"], materials=list(materials),
                   embedder_for=lambda _model: embedder, workdir=workdir,
                   main_library=library, ingest_main=library is None)
    assert not run.notes, run.notes  # no material was rejected
    outcomes = [to_outcome(r) for r in run.systems[0].rows]
    s = score(outcomes)
    figures = " ".join(f"{k}={s[k]}" for k in _SHOWN)
    failed = figures + "\n" + "\n".join(f"{o.id}: {diagnose(o)}" for o in outcomes if diagnose(o))
    return outcomes, s, failed
