"""Evaluation runs started from the app: the same code path as ``python -m eval`` (``run_eval``
then ``build_report``), over the library the app already has open, in a background thread so
the page can be left and shows the result when it comes back.

One job per store at a time; a finished run's metrics are kept in the store's registry with
the library version it ran on (``DocumentRegistry.add_eval_run``), for the chart of runs over
time.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from eval.gold import GoldItem
from eval.report import build_report
from eval.runner import run_eval

if TYPE_CHECKING:
    from retrieval.service import Assistant

__all__ = ["EvalJob", "current_job", "start_job"]


@dataclass
class EvalJob:
    """A run in progress or done: ``report`` when it finished, ``error`` when it failed."""

    gold_name: str
    total: int
    gold: dict[str, GoldItem] = field(default_factory=dict)
    done: int = 0
    report: dict | None = None
    error: str | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """True until the run finished or failed."""
        return self.report is None and self.error is None


_JOBS: dict[str, EvalJob] = {}
_LOCK = threading.Lock()


def _key(assistant: Assistant) -> str:
    return str(getattr(assistant.library, "store_dir", id(assistant.library)))


def current_job(assistant: Assistant) -> EvalJob | None:
    """The latest job of the assistant's store (running or done), if any."""
    with _LOCK:
        return _JOBS.get(_key(assistant))


def start_job(assistant: Assistant, gold: list[GoldItem], gold_name: str) -> EvalJob:
    """Start a run of ``gold`` against the assistant's library, unless one is running."""
    with _LOCK:
        job = _JOBS.get(_key(assistant))
        if job is not None and job.running:
            return job
        job = EvalJob(gold_name=gold_name, total=len(gold), gold={g.id: g for g in gold})
        _JOBS[_key(assistant)] = job
    job.thread = threading.Thread(target=_run, args=(job, assistant, gold), daemon=True,
                                  name="cptcite-eval")
    job.thread.start()
    return job


def _run(job: EvalJob, assistant: Assistant, gold: list[GoldItem]) -> None:
    def progress(done: int, total: int) -> None:
        job.done = done

    try:
        library = assistant.library
        generation = library.view().generation
        with tempfile.TemporaryDirectory(prefix="cptcite-eval-") as tmp:
            run = run_eval(
                gold,
                ["full"],
                materials=[],
                embedder_for=lambda _model: assistant.embedder,
                workdir=Path(tmp),
                main_library=library,
                ingest_main=False,
                progress=progress,
            )
        report = build_report(run)
        metrics = report["systems"]["full"]["metrics"]
        library.registry.add_eval_run(job.gold_name, generation, metrics)
        job.report = report
    except Exception as exc:  # noqa: BLE001 - the page shows any failure as one line
        job.error = f"{type(exc).__name__}: {exc}"
