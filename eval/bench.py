"""``python -m eval.bench``: speed, memory and ANN-recall figures (printed, not pass/fail).

Figures:
- cold start in a fresh process: imports, store open, model load and index warm-up (in
  parallel), first answer;
- warm answer latency p50/p95 over the gold questions, and its ratio to one bare query embedding;
- ingest throughput (chunks/s) and its ratio to the model's raw encode throughput on the same
  chunk texts (ingest also cleans, chunks, extracts rules and embeds sentences);
- at 1k/10k/100k chunks: Chroma upsert rate, query latency, ANN recall@10 against exact numpy
  search, BM25/index warm-up and warm answer latency, peak memory (ru_maxrss);
- the Library page's draw time with 500 synthetic documents in the registry
  (``eval.bench_library``; ``--library-only`` runs just that).
- A national-size PTP edit file (1.5 million rows, synthetic): stored, stored again, replaced
  by the next quarter's file, claims checked against it (``eval.bench_edits``;
  ``--edits-only`` runs just that).

Scale corpora are built by ``eval.synthetic`` from an embedded pool of synthetic sentences
(see its docstring); query vectors are real query embeddings. Figures go to stdout and
``eval/report/bench.json``.

Usage::

    python -m eval.bench                  # sizes 1000,10000,100000
    python -m eval.bench --quick          # sizes 1000,10000, smaller pool
    python -m eval.bench --quick --materials ../shared/corpus/docs   # ingest another folder
    python -m eval.bench --library-only   # the Library page with 500 documents
    python -m eval.bench --edits-only     # a 1.5-million-row PTP file
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.bench_edits import bench_edits
from eval.bench_library import bench_library_page
from eval.gold import default_gold_files, load_gold
from eval.metrics import percentile
from eval.runner import REPO, default_materials
from eval.synthetic import (
    commit_synthetic,
    synthetic_chunks,
    synthetic_questions,
    synthetic_sentences,
)
from ingest import IngestOptions, ingest_paths
from ingest.pipeline import embed_jobs, embedding_jobs, vector_records
from knowledge.embedder import Embedder
from knowledge.library import Library, embedding_id, open_library
from knowledge.sentences import document_header
from knowledge.settings import Settings
from retrieval.service import Assistant

__all__ = ["main", "synthetic_chunks", "synthetic_questions", "synthetic_sentences"]


def _ms_stats(values: Sequence[float]) -> dict[str, float | None]:
    return {"p50_ms": _r(percentile(values, 50)), "p95_ms": _r(percentile(values, 95))}


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _timed_ms(fn: object, *args: object) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn(*args)  # type: ignore[operator]
    return out, (time.perf_counter() - t0) * 1000


def _warm_latency(assistant: Assistant, embedder: Embedder, questions: Sequence[str]) -> dict:
    """Answer latency and bare query-embedding latency, interleaved so load drift hits both."""
    answers: list[float] = []
    bare: list[float] = []
    parts: dict[str, list[float]] = {}
    for q in questions:
        answer, ms = _timed_ms(assistant.ask, q)
        answers.append(ms)
        for key, value in answer.timings_ms.items():  # type: ignore[attr-defined]
            parts.setdefault(key, []).append(value)
        bare.append(_timed_ms(embedder.embed_query, q)[1])
    a50, e50 = percentile(answers, 50), percentile(bare, 50)
    return {
        "questions": len(questions),
        "answer": _ms_stats(answers),
        "bare_query_embedding": _ms_stats(bare),
        "answer_to_embedding_p50": _r(a50 / e50 if a50 and e50 else None),
        # the service's own split (embed, search, ...); p50 over the questions that had it
        "answer_parts_p50_ms": {k: _r(percentile(v, 50)) for k, v in sorted(parts.items())},
    }


def bench_materials(
    embedder: Embedder,
    settings: Settings,
    questions: Sequence[str],
    store: Path,
    rng: np.random.Generator,
    extra_chunks: int,
    materials: Sequence[Path] = (),
) -> dict:
    """Ingest the materials (default: the bundled ones) plus synthetic documents; warm latency
    over ``questions``."""
    docs = store.parent / "synthetic-docs"
    docs.mkdir(parents=True, exist_ok=True)
    sentences = synthetic_sentences(extra_chunks * 5, rng)
    for i in range(0, len(sentences), 50):  # ~10 chunks a file
        (docs / f"synthetic-{i // 50:03d}.txt").write_text(
            "\n\n".join(
                " ".join(sentences[j : j + 5]) for j in range(i, min(i + 50, len(sentences)), 5)
            ),
            encoding="utf-8",
        )
    options = IngestOptions(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        batch_size=settings.embed_batch_size,
    )
    library = open_library(store)
    try:
        report, ingest_ms = _timed_ms(
            ingest_paths, [*(materials or default_materials()), docs], library, embedder, options
        )
        view = library.view()
        chunks = [c.text for c in view.chunks.values()]
        _, encode_ms = _timed_ms(embedder.embed_documents, chunks)
        jobs = embedding_jobs([
            rec for doc in view.documents
            for rec in vector_records(sorted(view.by_doc.get(doc.doc_id, ()),
                                             key=lambda c: c.position), document_header(doc.text))
        ])
        units_ms = _timed_ms(embed_jobs, jobs, embedder, settings.embed_batch_size)[1]
        ingest_rate = len(chunks) / (ingest_ms / 1000)
        encode_rate = len(chunks) / (encode_ms / 1000)
        assistant = Assistant(library, embedder, mode="hybrid", top_k=settings.top_k)
        assistant.warm_up()
        out = {
            "ingest": {
                "documents": len(report.documents),  # type: ignore[attr-defined]
                "chunks": len(chunks),
                "seconds": _r(ingest_ms / 1000),
                # Every text ingest embeds (units with their context, query twins, chunks)
                # against the model alone on the same texts: what ingest costs beyond the model.
                "embedded_texts": len(jobs),
                "texts_per_s": _r(len(jobs) / (ingest_ms / 1000)),
                "raw_encode_texts_per_s": _r(len(jobs) / (units_ms / 1000)),
                "ingest_to_encode_same_texts": _r(units_ms / ingest_ms, 3),
                # The older figure: ingest's chunk rate against encoding each chunk once.
                "chunks_per_s": _r(ingest_rate),
                "raw_encode_chunks_per_s": _r(encode_rate),
                "ingest_to_encode": _r(ingest_rate / encode_rate, 3),
            },
            "warm": _warm_latency(assistant, embedder, questions),
        }
    finally:
        library.close()
    return out


_COLD = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from knowledge.settings import Settings
from knowledge.wiring import embedder_from_settings, library_from_settings
from retrieval.service import Assistant
t1 = time.perf_counter()
settings = Settings()
library = library_from_settings(settings, Path(sys.argv[1])); library.view()
t2 = time.perf_counter()
embedder = embedder_from_settings(settings)
assistant = Assistant(library, embedder, top_k=settings.top_k,
                      model_cache=Path(settings.model_cache))
assistant.warm_up()
t4 = time.perf_counter()
assistant.ask(sys.argv[2])
t5 = time.perf_counter()
library.close()
print(json.dumps({"imports_s": t1 - t0, "store_open_s": t2 - t1,
                  "model_and_index_warm_up_s": t4 - t2, "first_answer_ms": (t5 - t4) * 1000,
                  "total_s": t5 - t0}))
"""


def bench_cold_start(store: Path, question: str) -> dict:
    """Cold start measured in a fresh interpreter against an existing store."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _COLD, str(store), question],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return {k: _r(v, 3) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def _ann_recall(
    library: Library, kind: str, ids: list[str], matrix: np.ndarray, query_vecs: np.ndarray
) -> tuple[float, float, list[float]]:
    """Chroma's query (filtered by kind) against exact search: recall@10, similarity ratio, times.

    The ratio (sum of the top-10 similarities Chroma returned / the exact top-10 sum) tells a
    near-tie swap (ratio ~1.0) from a real miss: pool sentences recur across synthetic chunks.
    """
    recalls, ratios, times = [], [], []
    for q in query_vecs:
        sims = matrix @ q
        top = np.argsort(-sims)[:10]
        pairs, ms = _timed_ms(library.vectors.query, q, 10, kind)
        times.append(ms)
        got = [score for _, score in pairs]  # type: ignore[union-attr]
        recalls.append(len({cid for cid, _ in pairs} & {ids[i] for i in top}) / 10)  # type: ignore[union-attr]
        ratios.append(sum(got) / float(sims[top].sum()))
    return float(np.mean(recalls)), float(np.mean(ratios)), times


def bench_scale(
    size: int,
    pool: list[str],
    pool_vecs: np.ndarray,
    questions: list[str],
    query_vecs: np.ndarray,
    embedder: Embedder,
    store: Path,
    rng: np.random.Generator,
) -> dict:
    """Build a ``size``-chunk library from the pool; time it, ANN recall@10, warm answers."""
    picks = synthetic_chunks(size, len(pool), rng)
    library = open_library(store)
    try:
        kept, build_ms = _timed_ms(
            commit_synthetic, library, picks, pool, pool_vecs, embedding_id(embedder), rng
        )
        assert isinstance(kept, dict)
        n_vectors = sum(len(ids) for ids, _ in kept.values())
        out: dict[str, object] = {
            "chunks": size,
            "vectors": n_vectors,
            "build_s": _r(build_ms / 1000),
            "vectors_per_s": _r(n_vectors / (build_ms / 1000)),
        }
        for kind, (ids, matrix) in kept.items():
            recall, ratio, times = _ann_recall(library, kind, ids, matrix, query_vecs)
            out[f"ann_recall@10_{kind}"] = _r(recall, 3)
            out[f"ann_similarity_ratio@10_{kind}"] = _r(ratio, 4)
            out[f"chroma_query_{kind}"] = _ms_stats(times)
        del kept
        assistant = Assistant(library, embedder, mode="hybrid")
        _, warm_ms = _timed_ms(assistant.warm_up)
        out["index_warm_up_s"] = _r(warm_ms / 1000)
        out["warm"] = _warm_latency(assistant, embedder, questions)
        out["peak_rss_mb"] = _maxrss_mb()
        return out
    finally:
        library.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the figures and write eval/report/bench.json."""
    p = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000,10000,100000", help="chunk counts (comma-separated)")
    p.add_argument("--quick", action="store_true", help="sizes 1000,10000 and a smaller pool")
    p.add_argument("--materials", type=Path, action="append", default=[],
                   help="files or folders to ingest instead of the bundled materials (repeatable)")
    p.add_argument("--pool", type=int, help="real sentences embedded for the scale corpora (2000)")
    p.add_argument(
        "--out", type=Path, default=REPO / "eval" / "report", help="folder for bench.json"
    )
    p.add_argument("--library-docs", type=int, default=500,
                   help="synthetic documents for the Library page figure (500)")
    p.add_argument("--library-only", action="store_true", help="only the Library page figure")
    p.add_argument("--edit-rows", type=int, default=1_500_000,
                   help="rows of the synthetic national PTP file (1500000)")
    p.add_argument("--edits-only", action="store_true", help="only the edit-file figures")
    args = p.parse_args(argv)
    if args.edits_only:
        from knowledge.wiring import embedder_from_settings

        with tempfile.TemporaryDirectory(prefix="cptcite-bench-") as tmp:
            edits = bench_edits(Path(tmp), embedder_from_settings(Settings()), args.edit_rows)
        print(f"edit_file: {json.dumps(edits)}")
        return 0
    if args.library_only:
        with tempfile.TemporaryDirectory(prefix="cptcite-bench-") as tmp:
            page = bench_library_page(Path(tmp) / "store", args.library_docs)
        print(f"library_page: {json.dumps(page)}")
        return 0
    try:
        sizes = [
            int(s) for s in ("1000,10000" if args.quick else args.sizes).split(",") if s.strip()
        ]
    except ValueError:
        print(f"--sizes must be comma-separated integers, got {args.sizes!r}", file=sys.stderr)
        return 2
    pool_size = args.pool or (500 if args.quick else 2000)
    settings = Settings()
    from knowledge.wiring import embedder_from_settings

    embedder = embedder_from_settings(settings)
    # Built (first use) and loaded before anything is timed: ingest's figure is the ingest's.
    embedder.embed_query("warm-up")
    rng = np.random.default_rng(7)
    gold = [g.question for g in load_gold(default_gold_files())][:60] or synthetic_questions(
        30, rng
    )
    figures: dict[str, object] = {"model": settings.embedding_model, "pool_sentences": pool_size}

    def show(key: str, value: object) -> None:
        figures[key] = value
        print(f"{key}: {json.dumps(value, ensure_ascii=False)}", flush=True)

    with tempfile.TemporaryDirectory(prefix="cptcite-bench-") as tmp:
        root = Path(tmp)
        show(
            "materials",
            bench_materials(
                embedder,
                settings,
                gold,
                root / "materials" / "store",
                rng,
                extra_chunks=40 if args.quick else 150,
                materials=args.materials,
            ),
        )
        show("cold_start", bench_cold_start(root / "materials" / "store", gold[0]))
        show("library_page", bench_library_page(root / "library" / "store", args.library_docs))
        show("edit_file", bench_edits(root / "edits", embedder, args.edit_rows))
        pool = synthetic_sentences(pool_size, rng)
        pool_out, pool_ms = _timed_ms(embedder.embed_documents, pool)
        pool_vecs = np.asarray(pool_out, dtype=np.float32)
        show(
            "pool_encode",
            {"sentences": pool_size, "sentences_per_s": _r(pool_size / (pool_ms / 1000))},
        )
        questions = synthetic_questions(30, rng)
        query_vecs = np.stack([embedder.embed_query(q) for q in questions])
        scale = []
        for size in sizes:
            scale.append(
                bench_scale(
                    size,
                    pool,
                    pool_vecs,
                    questions,
                    query_vecs,
                    embedder,
                    root / f"scale-{size}",
                    rng,
                )
            )
            show(f"scale_{size}", scale[-1])
    figures["peak_rss_mb"] = _maxrss_mb()
    print(f"peak_rss_mb: {figures['peak_rss_mb']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"written to {args.out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
