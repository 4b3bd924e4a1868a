"""The write path: load -> clean -> chunk -> embed -> commit (with the rules extracted)."""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.chunking import chunk_document
from ingest.edit_files import EditFileError
from ingest.edit_store_ingest import EDIT_SUFFIXES, edit_table_stream, large_enough
from ingest.loaders import load_file, walk_paths
from knowledge.embedder import Embedder
from knowledge.errors import IngestError
from knowledge.library import Library, VectorRecord, embedding_id, parent_chunk_id, sentence_id
from knowledge.models import (
    SECTION_SEPARATOR,
    Chunk,
    DocumentRules,
    IngestReport,
    IngestResult,
    SourceDocument,
)
from knowledge.rule_extract import extract_rules
from knowledge.sentences import document_header, split_sentences

__all__ = [
    "IngestOptions",
    "Progress",
    "doc_id_for",
    "embed_jobs",
    "embedding_jobs",
    "ingest_bytes",
    "ingest_file",
    "ingest_paths",
    "unit_context",
    "vector_records",
]

# Sentences shorter than this are not worth a vector of their own.
_MIN_SENTENCE_CHARS = 12
# Every sentence gets two vectors: embedded as a passage and as a query. Question-to-sentence
# matching is close to symmetric, and the sum of both cosines ranked the right sentence first
# more often than either alone (visible gold set: dense recall@1 68 -> 74, @3 100 -> 113 of 170).
_SENTENCE_KINDS = ("sentence", "sentence_q")


#: progress(message, done, total): called as files (and embedding batches) complete.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IngestOptions:
    """Limits and chunking for one ingest run (plain values taken from Settings at the edge)."""

    max_bytes: int = 50 * 1024 * 1024
    max_chars: int = 2_000_000
    chunk_size: int = 700
    chunk_overlap: int = 0
    batch_size: int = 16
    # A claim-edit table with more rows than this goes to the edit store (not embedded); such
    # a file may be up to ``max_edit_bytes``.
    edit_store_rows: int = 5000
    max_edit_bytes: int = 1024 * 1024 * 1024


def doc_id_for(source: str) -> str:
    """A document's id: stable for its source name, so a new version replaces the old."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source_name(name: str) -> str:
    # Only the base name: an upload called "../../x.txt" is stored as "x.txt".
    base = Path(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base


@dataclass
class _Prepared:
    """A file read, chunked and its rules extracted: what is left is to embed and commit."""

    doc: SourceDocument
    chunks: list[Chunk]
    rules: DocumentRules
    records: list[VectorRecord]
    todo: list[VectorRecord]  # records without a stored vector
    replaces: bool


def ingest_file(
    path: Path,
    library: Library,
    embedder: Embedder,
    options: IngestOptions = IngestOptions(),
    *,
    source: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest one file under ``source`` (default: its file name); never raises for bad files.

    Returns an IngestResult whose status is added, unchanged, replaced or rejected.
    """
    ready = _prepare(path, library, options, source, progress)
    if isinstance(ready, IngestResult):
        return ready
    vectors = _embed(ready.todo, embedder, options.batch_size, progress)
    return _commit(ready, vectors, library, embedder)


def _prepare(
    path: Path, library: Library, options: IngestOptions, source: str | None,
    progress: Progress | None = None,
) -> _Prepared | IngestResult:
    """Read, clean, chunk and extract rules; an IngestResult when there is nothing to embed
    (the file is rejected, or unchanged since it was stored)."""
    source = _source_name(source or path.name)
    doc_id = doc_id_for(source or str(path))
    if not source:
        return IngestResult(source=str(path), doc_id=doc_id, status="rejected",
                            error="the file has no usable name")
    stored = _to_edit_store(path, source, doc_id, library, options, progress)
    if stored is not None:
        return stored
    try:
        if not path.is_file():
            raise IngestError(path, "no such file")
        digest = _sha256(path)
        old = library.registry.get(source)
        loaded = load_file(path, max_bytes=options.max_bytes, max_chars=options.max_chars)
        text = loaded.text  # cleaned while rendered; never empty (``load_file`` refuses that)
        doc = SourceDocument(
            doc_id=doc_id, source=source, content_hash=digest, text=text,
            media_type=loaded.media_type, title=loaded.title,
            version=(old.version + 1) if old else 1,
        )
        chunks = chunk_document(
            doc_id, source, text, chunk_size=options.chunk_size, overlap=options.chunk_overlap,
            structure=loaded.structure,
        )
        if not chunks:
            raise IngestError(path, "no text to index")
        rules = extract_rules(doc, chunks)
    except IngestError as exc:
        return IngestResult(source=source, doc_id=doc_id, status="rejected", error=exc.reason)
    if old is not None and old.content_hash == digest and _same_derivation(library, old, chunks, rules):
        return IngestResult(source=source, doc_id=old.doc_id, status="unchanged", chunks=len(chunks))
    records = vector_records(chunks, document_header(text))
    have = library.vectors.ids(doc_id) if old else set()
    todo = [r for r in records if r.id not in have]
    return _Prepared(doc, chunks, rules, records, todo, replaces=old is not None)


def _to_edit_store(
    path: Path, source: str, doc_id: str, library: Library, options: IngestOptions,
    progress: Progress | None,
) -> IngestResult | None:
    """A claim-edit table too large to embed, stored in the edit store; None for any other
    file (and for a small edit table: it is material like any other)."""
    if path.suffix.lower() not in EDIT_SUFFIXES or not path.is_file():
        return None
    if path.stat().st_size > options.max_edit_bytes:
        return None  # the loader rejects it with the size
    try:
        found = edit_table_stream(path)
    except EditFileError:
        return None  # the loader says why
    if found is None:
        return None
    kind, header, body = found
    big, body = large_enough(body, options.edit_store_rows)
    if not big:
        return None

    def stored(rows: int) -> None:
        if progress:
            progress(f"{source}: {rows:,} edit rows stored", rows, 0)

    status, rows = library.edits.load(source, _sha256(path), kind, header, body, stored)
    return IngestResult(source=source, doc_id=doc_id, status=status, edit_rows=rows)


def _commit(
    ready: _Prepared, vectors: dict[str, np.ndarray], library: Library, embedder: Embedder
) -> IngestResult:
    library.commit(ready.doc, ready.chunks, ready.records,
                   {r.id: vectors[r.id] for r in ready.todo}, ready.rules, embedding_id(embedder))
    return IngestResult(source=ready.doc.source, doc_id=ready.doc.doc_id,
                        status="replaced" if ready.replaces else "added", chunks=len(ready.chunks))


def _same_derivation(
    library: Library, old: SourceDocument, chunks: list[Chunk], rules: DocumentRules
) -> bool:
    """The stored document is what this version of the pipeline makes of the same file: the
    same cleaned text, chunks and rules. After an upgrade that cleans, chunks or reads rules
    differently, re-ingesting a file derives it anew (vectors already stored are reused)."""
    view = library.view()
    stored = [c.chunk_id for c in sorted(view.by_doc.get(old.doc_id, ()), key=lambda c: c.position)]
    kept = next((d for d in view.document_rules if d.doc_id == old.doc_id), None)
    return stored == [c.chunk_id for c in chunks] and kept == rules


def ingest_paths(
    paths: Sequence[Path],
    library: Library,
    embedder: Embedder,
    options: IngestOptions = IngestOptions(),
    *,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files and folders (walked); bad files are rejected, the rest still ingested."""
    files: list[Path] = []
    results: list[IngestResult] = []
    for p in paths:
        if p.is_dir():
            found, refused = walk_paths([p])
            files.extend(found)
            results.extend(_refused(f, reason) for f, reason in refused)
        elif p.exists():
            files.append(p)
        else:
            results.append(_refused(p, "no such file or folder"))
    with library.writing():
        order: list[_Prepared | IngestResult] = []
        for i, f in enumerate(files):
            if progress:
                progress(f"reading {f.name}", i, len(files))
            order.append(_prepare(f, library, options, None, progress))
        ready = [r for r in order if isinstance(r, _Prepared)]
        # Every new text of every file in one stream: sorted by length, so batches are full and
        # pad little, whatever the sizes of the files.
        vectors = _embed([rec for r in ready for rec in r.todo], embedder, options.batch_size,
                         progress)
        results.extend(_commit(r, vectors, library, embedder) if isinstance(r, _Prepared) else r
                       for r in order)
    return IngestReport(documents=results, chunks_total=sum(r.chunks for r in results))


def _refused(path: Path, reason: str) -> IngestResult:
    name = _source_name(str(path)) or str(path)
    return IngestResult(source=name, doc_id=doc_id_for(name), status="rejected", error=reason)


def ingest_bytes(
    name: str,
    data: bytes,
    library: Library,
    embedder: Embedder,
    options: IngestOptions = IngestOptions(),
    *,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest an upload (name and bytes), e.g. from the app's file uploader."""
    source = _source_name(name)
    edit_table = Path(source).suffix.lower() in EDIT_SUFFIXES
    if len(data) > (options.max_edit_bytes if edit_table else options.max_bytes):
        return IngestResult(
            source=source or name, doc_id=doc_id_for(source or name), status="rejected",
            error=f"file is {len(data) / 1048576:.1f} MB, over the "
            f"{options.max_bytes / 1048576:.0f} MB limit (CPTCITE_MAX_UPLOAD_MB)",
        )
    suffix = Path(source).suffix if source else ""
    with tempfile.TemporaryDirectory(prefix="cptcite-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        with library.writing():
            return ingest_file(path, library, embedder, options, source=source or name,
                               progress=progress)


def vector_records(chunks: Sequence[Chunk], header: str = "") -> list[VectorRecord]:
    """A vector per chunk, plus one per sentence of it: answers quote sentences. (A chunk's
    vector is made from its sentences' when they are embedded: ``embedding_jobs``.)

    Each is embedded with its context: the document's title (``header``) and the heading path
    of its section (``chunk.meta["section"]``). A sentence reads "It should not be used with
    codes ... (Code 99931 · Reporting guidance)": on a page about one procedure every
    sentence then shares the topic, and what tells them apart decides; a list item or a table
    row is found by the section it sits in ("Preparation", "Relative value units"). Measured
    on the visible gold set with the title alone: dense recall@1 of the right sentence 29 -> 51
    of 110 questions.
    """
    out: list[VectorRecord] = []
    for c in chunks:
        context = unit_context(header, str(c.meta.get("section", "")))
        suffix = f" ({context})" if context else ""
        out.append(VectorRecord(c.chunk_id, c.doc_id, c.source, "chunk",
                                f"{context}\n{c.text}" if context else c.text))
        for start, end in split_sentences(c.text):
            if end - start >= _MIN_SENTENCE_CHARS:
                text = c.text[start:end] + suffix
                for kind in _SENTENCE_KINDS:
                    sid = sentence_id(c.chunk_id, start, end, kind)
                    out.append(VectorRecord(sid, c.doc_id, c.source, kind, text))
    return out


def unit_context(title: str, section: str) -> str:
    """"Title · Section · Subsection": a document's title and a unit's heading path, each
    named once (a page's first heading often repeats its title)."""
    parts: list[str] = []
    for part in [title, *section.split(SECTION_SEPARATOR)] if section else [title]:
        part = part.strip()
        if part and not any(part.casefold() in p.casefold() for p in parts):
            parts.append(part)
    return " · ".join(parts)


def _embed(
    records: Sequence[VectorRecord],
    embedder: Embedder,
    batch_size: int,
    progress: Progress | None,
) -> dict[str, np.ndarray]:
    """A vector per record id: each distinct text embedded once per prompt; a chunk's vector
    made from its sentences' (see ``embedding_jobs``)."""
    done = embed_jobs(embedding_jobs(records), embedder, batch_size, progress)
    parts = _sentences_by_chunk(records)
    out: dict[str, np.ndarray] = {}
    for r in records:
        if r.kind == "chunk" and r.id in parts:
            total = np.sum([done[(False, s.text)] for s in parts[r.id]], axis=0)
            out[r.id] = (total / max(float(np.linalg.norm(total)), 1e-12)).astype(np.float32)
        else:
            out[r.id] = done[(r.kind == "sentence_q", r.text)]
    return out


def _sentences_by_chunk(records: Sequence[VectorRecord]) -> dict[str, list[VectorRecord]]:
    parts: dict[str, list[VectorRecord]] = {}
    for r in records:
        if r.kind == "sentence":
            parts.setdefault(parent_chunk_id(r.id), []).append(r)
    return parts


def embedding_jobs(records: Sequence[VectorRecord]) -> list[tuple[bool, str]]:
    """The distinct (as a query?, text) pairs that ``records`` need embedded: passages first,
    then the sentences' query twins, longest first in each (ties in text order: an int8
    model quantises each batch's activations together, so the same batches must make the same
    vectors on every run).

    A chunk whose sentences are among the records is not encoded: its vector is the direction
    of the sum of its sentences' passage vectors. The model reads each text once, and on the
    corpus this ranked no worse (recall@5 0.944 -> 0.955, fact 0.755 either way).
    """
    parts = _sentences_by_chunk(records)
    return sorted({(r.kind == "sentence_q", r.text) for r in records
                   if not (r.kind == "chunk" and r.id in parts)},
                  key=lambda job: (job[0], -len(job[1]), job[1]))


def embed_jobs(
    jobs: Sequence[tuple[bool, str]],
    embedder: Embedder,
    batch_size: int,
    progress: Progress | None = None,
) -> dict[tuple[bool, str], np.ndarray]:
    """Embed ``embedding_jobs`` in batches of similar length; ``progress`` hears
    "embedding N/M units, R/s" after each batch."""
    done: dict[tuple[bool, str], np.ndarray] = {}
    t0 = time.perf_counter()
    for i in range(0, len(jobs), batch_size):
        part = jobs[i : i + batch_size]
        for as_query in (False, True):
            texts = [t for q, t in part if q == as_query]
            if texts:
                vectors = _embed_as_queries(embedder, texts) if as_query else (
                    embedder.embed_documents(texts)
                )
                done.update(zip(((as_query, t) for t in texts), vectors, strict=True))
        if progress:
            n = min(i + batch_size, len(jobs))
            rate = n / max(time.perf_counter() - t0, 1e-6)
            progress(f"embedding {n}/{len(jobs)} units, {rate:.0f}/s", n, len(jobs))
    return done


def _embed_as_queries(embedder: Embedder, texts: list[str]) -> np.ndarray:
    batch = getattr(embedder, "embed_queries", None)
    if callable(batch):
        return np.asarray(batch(texts))
    return np.stack([embedder.embed_query(t) for t in texts])
