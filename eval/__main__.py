"""``python -m eval``: run the gold questions through each system, print tables, write the report.

Usage::

    python -m eval                             # all systems, eval/gold/*.jsonl, seed + samples
    python -m eval --systems full,bm25 --json        # report JSON on stdout
    python -m eval --min-fact 0.9 --min-verdict 1.0 --max-false-refusal 0.05   # a gate: exit 1

Exit codes: 0 done (and thresholds met), 1 a threshold missed or the run failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from eval.gold import GoldError, default_gold_files, load_gold
from eval.metrics import threshold_failures
from eval.report import build_report, format_summary, git_commit, load_styles, write_report
from eval.runner import REPO, SYSTEMS, default_materials, run_eval
from ingest import IngestOptions
from knowledge.errors import AssistantError
from knowledge.settings import Settings

__all__ = ["main"]

# option dest -> (metric, is a minimum)
_GATES = {
    "min_fact": ("fact_accuracy", True),
    "min_verdict": ("verdict_accuracy", True),
    "min_refusal_recall": ("refusal_recall", True),
    "min_recall5": ("recall@5", True),
    "min_citation_precision": ("citation_precision", True),
    "max_false_refusal": ("false_refusal_rate", False),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n")[0])
    p.add_argument(
        "--gold",
        action="append",
        type=Path,
        metavar="FILE",
        help="gold JSONL file (repeatable; default: eval/gold/*.jsonl)",
    )
    p.add_argument(
        "--materials",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="files/folders to ingest (default: the seed page if present + ingest/samples)",
    )
    p.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help="use this store for the main model instead of a temporary one "
        "(materials are ingested into it only when --materials is given)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=REPO / "eval" / "report",
        metavar="DIR",
        help="report folder (default: eval/report/)",
    )
    p.add_argument("--json", action="store_true", help="print the report JSON on stdout")
    p.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="a corpus manifest (JSON Lines with file and style): figures per document style "
        "of the gold 'source'",
    )
    p.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help=f"comma-separated subset of {','.join(SYSTEMS)} (default: all)",
    )
    p.add_argument(
        "--pass-lang",
        action="store_true",
        help="give each question's gold language to ask() instead of detecting it",
    )
    for dest, (metric, is_min) in _GATES.items():
        p.add_argument(
            "--" + dest.replace("_", "-"),
            type=float,
            metavar="X",
            dest=dest,
            help=f"exit 1 when {metric} of the main system is {'below' if is_min else 'above'} X",
        )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the evaluation, print and write the report; return the exit code."""
    args = _parser().parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [s for s in systems if s not in SYSTEMS]
    if bad or not systems:
        print(
            f"unknown system(s) {','.join(bad) or '(none)'}; choose from {','.join(SYSTEMS)}",
            file=sys.stderr,
        )
        return 2
    try:
        gold = load_gold(args.gold or default_gold_files())
    except GoldError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not gold:
        print("no gold questions found; pass --gold FILE or add eval/gold/*.jsonl", file=sys.stderr)
        return 2
    materials = args.materials or default_materials()
    missing = [str(m) for m in materials if not m.exists()]
    if missing:
        print(f"material(s) not found: {', '.join(missing)}", file=sys.stderr)
        return 2

    from knowledge.embedder import Embedder
    from knowledge.wiring import embedder_from_settings, library_from_settings

    settings = Settings()
    options = IngestOptions(
        max_bytes=settings.max_upload_bytes,
        max_chars=settings.max_text_chars,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        batch_size=settings.embed_batch_size,
    )

    def embedder_for(model: str) -> Embedder:
        return embedder_from_settings(settings, model)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    main_library = library_from_settings(settings, args.store) if args.store else None
    try:
        with tempfile.TemporaryDirectory(prefix="cptcite-eval-") as tmp:
            run = run_eval(
                gold,
                systems,
                materials=materials,
                embedder_for=embedder_for,
                workdir=Path(tmp),
                main_model=settings.embedding_model,
                main_library=main_library,
                ingest_main=args.materials is not None,
                options=options,
                top_k=settings.top_k,
                default_language=settings.default_language,
                pass_lang=args.pass_lang,
                log=log,
            )
    except AssistantError as exc:
        print(f"evaluation failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if main_library is not None:
            main_library.close()

    styles = None
    if args.manifest is not None:
        try:
            styles = load_styles(args.manifest)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            print(f"cannot read the manifest {args.manifest}: {exc}", file=sys.stderr)
            return 2
    report = build_report(run, commit=git_commit(), styles=styles)
    paths = write_report(report, args.out)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_summary(report))
        print(f"\nreport written to {paths[1]} (and report.json, plots) in {args.out}")
    return _gate(report, args)


def _gate(report: dict, args: argparse.Namespace) -> int:
    mins = {
        m: getattr(args, d)
        for d, (m, is_min) in _GATES.items()
        if is_min and getattr(args, d) is not None
    }
    maxs = {
        m: getattr(args, d)
        for d, (m, is_min) in _GATES.items()
        if not is_min and getattr(args, d) is not None
    }
    if not mins and not maxs:
        return 0
    main_name = "full" if "full" in report["systems"] else next(iter(report["systems"]), None)
    if main_name is None:
        print("threshold check failed: no system was evaluated", file=sys.stderr)
        return 1
    failures = threshold_failures(report["systems"][main_name]["metrics"]["all"], mins, maxs)
    for line in failures:
        print(f"below threshold ({main_name}): {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
