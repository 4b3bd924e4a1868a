"""The document registry: one SQLite file in the store directory.

It is the source of truth for what the library holds: documents (source name, content hash,
cleaned text, version), their chunks (text and offsets) and the rules extracted from them.
Chroma holds only vectors; a chunk that the registry does not list is never shown (an orphan
from a crashed run), which is what makes a replace all-or-nothing for readers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from knowledge.errors import ConfigError, UnknownSourceError
from knowledge.models import Chunk, DocumentRules, SourceDocument

__all__ = ["REGISTRY_FILE", "DocumentRegistry"]

REGISTRY_FILE = "registry.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    media_type TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    rules_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    meta_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, position);
CREATE TABLE IF NOT EXISTS eval_runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    finished_at TEXT NOT NULL,
    gold TEXT NOT NULL,
    generation INTEGER NOT NULL,
    metrics_json TEXT NOT NULL
);
"""


class DocumentRegistry:
    """SQLite registry of documents, chunks and extracted rules in ``store_dir``.

    Thread-safe (one connection behind a lock); every write is one transaction, so a crash
    leaves either the old or the new state. ``generation()`` changes on every write, letting
    readers in this or another process know when to refresh cached views.

    Example::

        reg = DocumentRegistry(Path("data/store"))
        doc = reg.get("cpt-50706.txt")
    """

    def __init__(self, store_dir: Path) -> None:
        store_dir = Path(store_dir)
        if store_dir.exists() and not store_dir.is_dir():
            raise ConfigError(f"store path {store_dir} is a file; point --store at a directory")
        store_dir.mkdir(parents=True, exist_ok=True)
        self.path = store_dir / REGISTRY_FILE
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"cannot open the registry {self.path}: {exc}") from exc

    # --- meta -----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A value from the meta table, or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value."""
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """A counter that changes on every document write (also across processes)."""
        return int(self.get_meta("generation") or 0)

    def _bump(self) -> None:
        self._db.execute(
            "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # --- documents ------------------------------------------------------------------

    def get(self, source: str) -> SourceDocument | None:
        """The document registered under ``source``, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc_id, source, content_hash, media_type, title, text, version "
                "FROM documents WHERE source=?",
                (source,),
            ).fetchone()
        return _doc(row) if row else None

    def documents(self) -> list[SourceDocument]:
        """All documents, by source name."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id, source, content_hash, media_type, title, text, version "
                "FROM documents ORDER BY source"
            ).fetchall()
        return [_doc(r) for r in rows]

    def updated_times(self) -> dict[str, str]:
        """When each document (by doc_id) was last stored, as an ISO timestamp (UTC)."""
        with self._lock:
            rows = self._db.execute("SELECT doc_id, updated_at FROM documents").fetchall()
        return {doc_id: updated for doc_id, updated in rows}

    # --- evaluation runs (the Performance page) --------------------------------------

    def add_eval_run(self, gold: str, generation: int, metrics: dict[str, object]) -> None:
        """Keep one evaluation run's metrics (per language) with the library version it ran on."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO eval_runs (finished_at, gold, generation, metrics_json) "
                "VALUES (?, ?, ?, ?)",
                (now, gold, generation, json.dumps(metrics, sort_keys=True)),
            )

    def eval_runs(self) -> list[dict[str, object]]:
        """Every kept evaluation run, oldest first: finished_at, gold, generation, metrics."""
        with self._lock:
            rows = self._db.execute(
                "SELECT finished_at, gold, generation, metrics_json FROM eval_runs "
                "ORDER BY run_id"
            ).fetchall()
        return [
            {"finished_at": r[0], "gold": r[1], "generation": r[2], "metrics": json.loads(r[3])}
            for r in rows
        ]

    def chunk_counts(self) -> dict[str, int]:
        """Number of chunks per doc_id."""
        with self._lock:
            rows = self._db.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id").fetchall()
        return {doc_id: n for doc_id, n in rows}

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        """Chunks of one document, or of all, in document and position order."""
        sql = (
            "SELECT c.chunk_id, c.doc_id, d.source, c.position, c.text, c.start, c.\"end\", "
            "c.meta_json FROM chunks c JOIN documents d USING (doc_id)"
        )
        args: tuple[str, ...] = ()
        if doc_id is not None:
            sql += " WHERE c.doc_id=?"
            args = (doc_id,)
        sql += " ORDER BY d.source, c.position"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [
            Chunk(
                chunk_id=r[0], doc_id=r[1], source=r[2], position=r[3], text=r[4],
                start=r[5], end=r[6], meta=json.loads(r[7]),
            )
            for r in rows
        ]

    def chunk_ids(self) -> set[str]:
        """Ids of every chunk the registry lists (the only ones readers may show)."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT chunk_id FROM chunks")}

    def document_rules(self) -> list[DocumentRules]:
        """The rules extracted from each document, by source name."""
        with self._lock:
            rows = self._db.execute("SELECT rules_json FROM documents ORDER BY source").fetchall()
        return [DocumentRules.model_validate_json(r[0]) for r in rows]

    def snapshot(self) -> tuple[int, list[SourceDocument], list[Chunk], list[DocumentRules]]:
        """Generation, documents, chunks and rules read in one transaction: one state.

        Separate reads could straddle a writer's commit (this process or another) and pair
        one version's document text with another version's chunks.
        """
        with self._lock:
            self._db.execute("BEGIN")  # one WAL read snapshot for every read below
            try:
                return self.generation(), self.documents(), self.chunks(), self.document_rules()
            finally:
                self._db.execute("COMMIT")

    def commit(self, doc: SourceDocument, chunks: list[Chunk], rules: DocumentRules) -> None:
        """Register ``doc`` with its chunks and rules, replacing any earlier version, atomically."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._db:
            self._db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
            self._db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    doc.doc_id, doc.source, doc.content_hash, doc.media_type, doc.title,
                    doc.text, doc.version, now, rules.model_dump_json(),
                ),
            )
            self._db.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?)",
                [
                    (c.chunk_id, doc.doc_id, c.position, c.start, c.end, c.text,
                     json.dumps(c.meta, sort_keys=True))
                    for c in chunks
                ],
            )
            self._bump()

    def remove(self, source: str) -> SourceDocument:
        """Unregister a document with its chunks and rules; returns what was removed."""
        with self._lock, self._db:
            doc = self.get(source)
            if doc is None:
                known = ", ".join(d.source for d in self.documents()) or "none"
                raise UnknownSourceError(
                    f"no document named {source!r} in the library (known: {known}); "
                    "see `python -m ingest list`"
                )
            self._db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
            self._db.execute("DELETE FROM documents WHERE doc_id=?", (doc.doc_id,))
            self._bump()
        return doc

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()


def _doc(row: tuple) -> SourceDocument:
    return SourceDocument(
        doc_id=row[0], source=row[1], content_hash=row[2], media_type=row[3], title=row[4],
        text=row[5], version=row[6],
    )
