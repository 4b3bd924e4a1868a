"""The library: the document registry and the vector store kept in step.

A write is three steps: vectors of new chunks go into Chroma, the registry switches to the
new version in one SQLite transaction, then vectors nobody lists are deleted. Readers only
ever see chunks the registry lists, so a crash at any point leaves the old or the new version
searchable, never a mix; ``repair()`` removes what a crash left behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.edit_store import EditStore
from knowledge.errors import ConfigError
from knowledge.models import (
    AuditFinding,
    Chunk,
    CodeRules,
    DocumentRules,
    Hit,
    SentenceHit,
    SourceDocument,
)
from knowledge.registry import DocumentRegistry
from knowledge.settings import EXACT_SEARCH_MAX
from knowledge.store import KINDS, ChromaChunkStore, VectorRecord
from knowledge.vector_index import ExactIndex, load_index, save_index

__all__ = [
    "Library",
    "LibraryView",
    "VectorRecord",
    "embedding_id",
    "open_library",
    "parent_chunk_id",
    "sentence_id",
]

_MODEL_KEY = "embedding_model"
# Where the in-memory search's copies of the vectors are saved, inside the store folder.
_EXACT_DIR = "exact-search"


@dataclass(frozen=True)
class LibraryView:
    """A consistent snapshot for readers: chunks, documents and merged rules of one generation."""

    generation: int
    documents: tuple[SourceDocument, ...]
    chunks: Mapping[str, Chunk]
    document_rules: tuple[DocumentRules, ...]
    rules: tuple[CodeRules, ...] = ()
    audit: tuple[AuditFinding, ...] = ()
    by_doc: Mapping[str, tuple[Chunk, ...]] = field(default_factory=dict)
    # National edit files kept apart (read live: a claim's rows are looked up when checked).
    edit_store: EditStore | None = None

    @property
    def empty(self) -> bool:
        """True when no document is registered."""
        return not self.documents


class Library:
    """Registry + Chroma collection for one store directory.

    Args:
        store_dir: the store directory (registry file; Chroma files when embedded).
        chroma_host / chroma_port: use a Chroma server instead of the embedded client.
        collection: the Chroma collection name.
        exact_max: vectors of a kind searched exactly in memory, at most (0: always Chroma).

    Example::

        lib = open_library(Path("data/store"))
        view = lib.view()
        hits = lib.dense_search(vector, 10, view)
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        collection: str = "cptcite",
        exact_max: int = EXACT_SEARCH_MAX,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.registry = DocumentRegistry(self.store_dir)
        self.edits = EditStore(self.store_dir)
        self.vectors = ChromaChunkStore(
            path=None if chroma_host else self.store_dir / "chroma",
            host=chroma_host,
            port=chroma_port,
            collection=collection,
        )
        self._view: LibraryView | None = None
        self._view_lock = threading.Lock()
        self.exact_max = exact_max
        self._exact: dict[str, tuple[int, ExactIndex | None]] = {}
        self._exact_lock = threading.Lock()
        self._write_lock = threading.RLock()

    # --- readers ------------------------------------------------------------------

    def view(self) -> LibraryView:
        """The current snapshot, rebuilt only when the registry changed."""
        gen = self.registry.generation()
        with self._view_lock:
            if self._view is None or self._view.generation != gen:
                self._view = self._build_view()
            return self._view

    def _build_view(self) -> LibraryView:
        from knowledge.audit import audit_materials
        from knowledge.rule_merge import merge_rules

        gen, documents, chunks, rules = self.registry.snapshot()
        docs, doc_rules = tuple(documents), tuple(rules)
        merged, _conflicts = merge_rules(list(doc_rules))
        by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            by_doc.setdefault(c.doc_id, []).append(c)
        return LibraryView(
            generation=gen,
            documents=docs,
            chunks={c.chunk_id: c for c in chunks},
            document_rules=doc_rules,
            rules=tuple(merged),
            audit=tuple(audit_materials(list(doc_rules))),
            by_doc={k: tuple(v) for k, v in by_doc.items()},
            edit_store=self.edits,
        )

    def exact_index(self, kind: str, view: LibraryView) -> ExactIndex | None:
        """The in-memory copy of ``kind``'s vectors for ``view``'s generation (built on first
        use), or None when the kind holds more than ``exact_max`` vectors."""
        with self._exact_lock:
            have = self._exact.get(kind)
            if have is not None and have[0] == view.generation:
                return have[1]
            index = None
            if self.exact_max > 0:
                # Saved for this generation of the store: no Chroma collection is opened.
                path = self.store_dir / _EXACT_DIR / f"{kind}.npz"
                key = _exact_key(view, self.built_with(), self.exact_max)
                index = load_index(path, key)
                if index is None and self.vectors.count_of(kind) <= self.exact_max:
                    index = self._read_exact(kind, view)
                    with suppress(OSError):  # a read-only store is still searched
                        save_index(index, path, key)
            self._exact[kind] = (view.generation, index)
            return index

    def _read_exact(self, kind: str, view: LibraryView) -> ExactIndex:
        ids, matrix = self.vectors.vectors_of(kind)
        # Vectors of chunks the view does not list (a newer version, an orphan) are never
        # answered from: left out.
        rows = [i for i, v in enumerate(ids) if parent_chunk_id(v) in view.chunks]
        return ExactIndex([ids[i] for i in rows],
                          [view.chunks[parent_chunk_id(ids[i])].doc_id for i in rows],
                          matrix[rows])

    def warm(self, view: LibraryView) -> None:
        """Build the in-memory indexes of ``view`` now rather than at the first question."""
        if not view.empty:
            for kind in KINDS:
                self.exact_index(kind, view)

    def _nearest(
        self, vector: np.ndarray, k: int, view: LibraryView, kind: str,
        doc_ids: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        index = self.exact_index(kind, view)
        if index is not None:
            return index.query(vector, k, doc_ids=doc_ids)
        return self.vectors.query(vector, k, kind=kind, doc_ids=doc_ids)

    def dense_search(self, vector: np.ndarray, k: int, view: LibraryView) -> list[Hit]:
        """Nearest chunks of ``view`` (orphans and newer versions are skipped), best first."""
        if view.empty:
            return []
        pairs = self._nearest(vector, k + 20, view, "chunk")
        hits = [Hit(chunk=view.chunks[cid], score=s) for cid, s in pairs if cid in view.chunks]
        return hits[:k]

    def sentence_search(
        self, vector: np.ndarray, k: int, view: LibraryView, kind: str = "sentence",
        doc_ids: Sequence[str] = (),
    ) -> list[SentenceHit]:
        """Nearest sentences of ``view``'s chunks (of the documents ``doc_ids``, when given),
        best first.

        ``kind`` "sentence" holds sentences embedded as passages, "sentence_q" the same
        sentences embedded as queries (question-to-sentence is close to symmetric).
        """
        if view.empty:
            return []
        out: list[SentenceHit] = []
        for sid, score in self._nearest(vector, k + 20, view, kind, doc_ids):
            chunk = view.chunks.get(parent_chunk_id(sid))
            span = _span(sid)
            if chunk is not None and span is not None and span[1] <= len(chunk.text):
                out.append(SentenceHit(chunk=chunk, start=span[0], end=span[1], score=score))
        return out[:k]

    def built_with(self) -> str | None:
        """The embedding identity (``embedding_id``) of the vectors stored, None while empty."""
        return self.registry.get_meta(_MODEL_KEY)

    def check_model(self, embedding_name: str) -> None:
        """Refuse to mix vectors of two models in one store."""
        stored = self.built_with()
        if stored is not None and stored != embedding_name:
            raise ConfigError(
                f"the store {self.store_dir} was built with the embedding model {stored!r}, "
                f"not {embedding_name!r}; use another --store, or set CPTCITE_EMBEDDING_MODEL "
                f"and CPTCITE_EMBEDDING_BACKEND to what built it"
            )

    # --- writers ------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's write lock (threads and processes) and repair leftovers first."""
        with self._write_lock:
            lock_path = self.store_dir / ".write.lock"
            with open(lock_path, "a") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    self.repair()
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)

    def commit(
        self,
        doc: SourceDocument,
        chunks: Sequence[Chunk],
        records: Sequence[VectorRecord],
        new_vectors: Mapping[str, np.ndarray],
        rules: DocumentRules,
        embedding_name: str,
    ) -> None:
        """Make ``doc`` (with ``chunks`` and the vector ``records``) searchable, all or nothing.

        ``new_vectors`` holds a vector for every record not already in the vector store.
        """
        self.check_model(embedding_name)
        have = self.vectors.ids(doc.doc_id)
        absent = [r.id for r in records if r.id not in new_vectors and r.id not in have]
        if absent:
            raise ValueError(f"no vector for {len(absent)} records, e.g. {absent[0]}")
        fresh = [r for r in records if r.id in new_vectors]
        if fresh:
            self.vectors.upsert(fresh, np.stack([new_vectors[r.id] for r in fresh]))
        if self.registry.get_meta(_MODEL_KEY) is None:
            self.registry.set_meta(_MODEL_KEY, embedding_name)
        self.registry.commit(doc, list(chunks), rules)
        keep = {r.id for r in records}
        stale = sorted(vid for vid in self.vectors.ids(doc.doc_id) if vid not in keep)
        if stale:
            self.vectors.delete(stale)

    def remove(self, source: str) -> SourceDocument:
        """Remove a document: registry row first (readers stop seeing it), then its vectors."""
        doc = self.registry.remove(source)
        self.vectors.delete(sorted(self.vectors.ids(doc.doc_id)))
        return doc

    def repair(self) -> tuple[int, int]:
        """Delete vectors the registry does not list; unregister documents missing vectors.

        Returns (orphan vectors deleted, incomplete documents unregistered).
        """
        listed = self.registry.chunk_ids()
        stored = self.vectors.ids()
        orphans = sorted(v for v in stored if parent_chunk_id(v) not in listed)
        if orphans:
            self.vectors.delete(orphans)
        broken = 0
        lost = listed - {v for v in stored if "@" not in v}
        if lost:
            for doc in self.registry.documents():
                if any(c.chunk_id in lost for c in self.registry.chunks(doc.doc_id)):
                    self.registry.remove(doc.source)
                    broken += 1
        return len(orphans), broken

    def close(self) -> None:
        """Close the registry, the edit store and the Chroma client."""
        self.vectors.close()
        self.edits.close()
        self.registry.close()


def open_library(
    store_dir: Path,
    *,
    chroma_host: str | None = None,
    chroma_port: int = 8000,
    collection: str = "cptcite",
    exact_max: int = EXACT_SEARCH_MAX,
) -> Library:
    """Open (creating if needed) the library in ``store_dir``; raises ConfigError if unusable."""
    return Library(
        store_dir, chroma_host=chroma_host, chroma_port=chroma_port, collection=collection,
        exact_max=exact_max,
    )


def _exact_key(view: LibraryView, model: str | None, exact_max: int) -> str:
    """What a saved copy of the vectors must match: the store's generation, its chunks (a
    registry made anew counts generations from 1 again), the model, the size limit."""
    chunks = hashlib.sha256("\n".join(sorted(view.chunks)).encode()).hexdigest()[:16]
    return f"{view.generation}|{chunks}|{model}|{exact_max}"


def embedding_id(embedder: object) -> str:
    """What identifies an embedder's vectors in a store: its name and dimension."""
    return f"{getattr(embedder, 'name', type(embedder).__name__)}/{getattr(embedder, 'dim', '?')}"


def sentence_id(chunk_id: str, start: int, end: int, kind: str = "sentence") -> str:
    """The vector id of the sentence ``chunk.text[start:end]`` (``q`` marks the query twin)."""
    mark = "q" if kind == "sentence_q" else ""
    return f"{chunk_id}@{mark}{start}-{end}"


def parent_chunk_id(vector_id: str) -> str:
    """The chunk a vector id belongs to (itself for a chunk vector)."""
    return vector_id.split("@", 1)[0]


def _span(vector_id: str) -> tuple[int, int] | None:
    _, _, tail = vector_id.partition("@")
    start, _, end = tail.removeprefix("q").partition("-")
    if not (start.isdigit() and end.isdigit()):
        return None
    return int(start), int(end)
