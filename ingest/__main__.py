"""`python -m ingest PATH... | list | remove SOURCE` (CONTRACT.md)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.errors import AssistantError
from knowledge.settings import Settings

if TYPE_CHECKING:
    from knowledge.library import Library


def _parser(command: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Add coding materials (txt, md, html, pdf, docx) to the library, "
        "list them, or remove one.",
    )
    if command == "list":
        p.add_argument("command", choices=["list"], help="list the documents in the library")
    elif command == "remove":
        p.add_argument("command", choices=["remove"], help="remove a document")
        p.add_argument("source", help="the source name shown by `python -m ingest list`")
    else:
        p.add_argument("paths", nargs="+", type=Path, help="files or folders (folders are walked)")
    p.add_argument("--store", type=Path, help="store directory (default: CPTCITE_STORE or ./data/store)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p


def _progress_bar() -> tuple[object, object]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   transient=True)
    task = bar.add_task("ingesting", total=None)

    def update(message: str, done: int, total: int) -> None:
        bar.update(task, description=message[:60], completed=done, total=total or None)

    return bar, update


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ingest CLI; returns the exit code (0 ok, 1 something rejected or failed, 2 usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in ("list", "remove") else "ingest"
    try:
        args = _parser(command).parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        settings = Settings()
        from knowledge.wiring import library_from_settings

        library = library_from_settings(settings, args.store)
        if command == "list":
            return _list(library, args.json)
        if command == "remove":
            from ingest.pipeline import doc_id_for

            with library.writing():
                if library.edits.remove(args.source):  # a national edit file
                    source, doc_id = args.source, doc_id_for(args.source)
                else:
                    doc = library.remove(args.source)
                    source, doc_id = doc.source, doc.doc_id
            if args.json:
                print(json.dumps({"removed": source, "doc_id": doc_id}))
            else:
                print(f"removed {source}")
            return 0
        return _ingest(args.paths, library, settings, args.json)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _list(library: Library, as_json: bool) -> int:
    from ingest.pipeline import doc_id_for

    docs = library.registry.documents()
    counts = library.registry.chunk_counts()
    rows = [
        {"source": d.source, "doc_id": d.doc_id, "version": d.version, "chunks": counts.get(d.doc_id, 0),
         "content_hash": d.content_hash, "media_type": d.media_type, "title": d.title}
        for d in docs
    ] + [
        {"source": f.source, "doc_id": doc_id_for(f.source), "version": 1, "chunks": 0,
         "content_hash": f.content_hash, "media_type": "text/tab-separated-values",
         "title": f.kind, "edit_rows": f.rows}
        for f in library.edits.files()
    ]
    if as_json:
        print(json.dumps({"documents": rows}, ensure_ascii=False))
    elif not rows:
        print("the library is empty; add files with `python -m ingest PATH`")
    else:
        for r in rows:
            size = f"{r['edit_rows']:,} edit rows" if "edit_rows" in r else f"{r['chunks']} chunks"
            print(f"{r['source']}\tv{r['version']}\t{size}\t{r['doc_id']}")
    return 0


def _ingest(paths: list[Path], library: Library, settings: Settings, as_json: bool) -> int:
    from ingest.pipeline import IngestOptions, ingest_paths
    from knowledge.wiring import embedder_from_settings

    options = IngestOptions(
        max_bytes=settings.max_upload_bytes, max_chars=settings.max_text_chars,
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap,
        batch_size=settings.embed_batch_size,
    )
    embedder = embedder_from_settings(settings, built_with=library.built_with())
    if sys.stderr.isatty() and not as_json:
        bar, update = _progress_bar()
        with bar:
            report = ingest_paths(paths, library, embedder, options, progress=update)
    else:
        report = ingest_paths(paths, library, embedder, options)
    if as_json:
        print(report.model_dump_json())
    else:
        for d in report.documents:
            tail = f": {d.error}" if d.error else (
                f" ({d.edit_rows:,} edit rows)" if d.edit_rows else f" ({d.chunks} chunks)")
            print(f"{d.status:9} {d.source}{tail}")
        print(f"{report.chunks_total} chunks in {len(report.documents)} files")
    return 1 if report.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
