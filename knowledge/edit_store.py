"""National claim-edit files too large to embed (a PTP file of about 1.5 million rows), kept
in SQLite beside the registry (``edits.sqlite3`` in the store directory) and read back as the
rows a claim's codes touch.

Each row is stored with its cells as the file gives them; its lookup codes (PTP: column 1 and
column 2; MUE: the code; add-on code edits: the add-on and its primary) are indexed. What a
row means is decided as for any table row of the materials: the rows a claim touches are
rendered "Header: cell | Header: cell" as one passage each, and ``knowledge.rule_extract``
reads their edits, so a citation quotes the row with its headers, named by file and row.

A file replaces an earlier one of its series (the same name once versions, quarters and dates
are taken out: "ptp-v263r0-f1.txt" and "ptp-v264r0-f1.txt") in one transaction: readers see
the old rows or the new ones, never a mix. Storing the same bytes again changes nothing.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from knowledge.models import Chunk, DocumentRules, SourceDocument
from knowledge.rule_edits import key_columns
from knowledge.table_rows import row_text

__all__ = ["EditFile", "EditStore", "edit_chunk_id", "edit_row_number", "series_key"]

_FILE = "edits.sqlite3"
_BATCH = 50_000  # rows per insert batch (and per progress report)
_SEP = "\t"
# What a new quarter or version changes in a file name.
_VERSION = re.compile(
    r"v\d+r\d+|\b(?:19|20)\d{2}(?:[-_.]?q[1-4])?\b|\bq[1-4]\b|\d{1,2}[-_.]\d{1,2}[-_.]\d{2,4}|"
    r"\b\d{6,8}\b|\brev(?:ision)?[-_.]?\d+\b|\bv\d+(?:\.\d+)*\b",
    re.IGNORECASE,
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS edit_files (
    file_id INTEGER PRIMARY KEY, source TEXT UNIQUE NOT NULL, series TEXT NOT NULL,
    kind TEXT NOT NULL, content_hash TEXT NOT NULL, header TEXT NOT NULL,
    rows INTEGER NOT NULL, loaded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edit_rows (
    file_id INTEGER NOT NULL, row INTEGER NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,
    cells TEXT NOT NULL, PRIMARY KEY (file_id, row)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edit_rows_a ON edit_rows (a, b);
"""


@dataclass(frozen=True)
class EditFile:
    """One stored edit file."""

    file_id: int
    source: str
    kind: str
    content_hash: str
    header: tuple[str, ...]
    rows: int
    loaded_at: str


def series_key(source: str) -> str:
    """The name of a file's series: its name without versions, quarters and dates."""
    stem = Path(source).stem.lower()
    return re.sub(r"[-_.\s]+", "-", _VERSION.sub("", stem)).strip("-")


def edit_chunk_id(file_id: int, row: int) -> str:
    """The id a stored row is cited by."""
    return f"edits:{file_id}:{row}"


def edit_row_number(chunk_id: str) -> int | None:
    """The row number an ``edit_chunk_id`` names (None for any other chunk id)."""
    m = re.fullmatch(r"edits:\d+:(\d+)", chunk_id)
    return int(m.group(1)) if m else None


class EditStore:
    """The edit files of one store directory (thread-safe; one writer at a time)."""

    def __init__(self, store_dir: Path) -> None:
        self.path = Path(store_dir) / _FILE
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        return self._db

    def close(self) -> None:
        """Close the connection (reopened on next use)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # --- writers ------------------------------------------------------------------

    def load(
        self,
        source: str,
        content_hash: str,
        kind: str,
        header: Sequence[str],
        rows: Iterable[Sequence[str]],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[str, int]:
        """Store a file's body rows under ``source``: ("added" | "replaced" | "unchanged", rows).

        ``kind`` is one of ``knowledge.rule_edits.EDIT_LAYOUTS``' kinds and ``header`` the
        file's header row; a row without its lookup codes is skipped. An earlier file of the
        same series (or the same name) is replaced in the same transaction.
        """
        keys = key_columns(kind, header)
        if keys is None:
            raise ValueError(f"not an edit layout the store keeps: {kind!r}")
        series = series_key(source)
        with self._lock:
            db = self._conn()
            same = db.execute("SELECT content_hash, rows FROM edit_files WHERE source = ?",
                              (source,)).fetchone()
            if same is not None and same[0] == content_hash:
                return "unchanged", int(same[1])
            old = [r[0] for r in db.execute(
                "SELECT file_id FROM edit_files WHERE source = ? OR (series = ? AND kind = ?)",
                (source, series, kind))]
            try:
                db.execute("BEGIN IMMEDIATE")
                for file_id in old:
                    db.execute("DELETE FROM edit_rows WHERE file_id = ?", (file_id,))
                    db.execute("DELETE FROM edit_files WHERE file_id = ?", (file_id,))
                file_id = db.execute(
                    "INSERT INTO edit_files (source, series, kind, content_hash, header, rows, "
                    "loaded_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                    (source, series, kind, content_hash, _SEP.join(header),
                     datetime.now(UTC).isoformat(timespec="seconds")),
                ).lastrowid
                count = self._insert(db, int(file_id), keys, rows, progress)
                db.execute("UPDATE edit_files SET rows = ? WHERE file_id = ?", (count, file_id))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return ("replaced" if old else "added"), count

    @staticmethod
    def _insert(
        db: sqlite3.Connection,
        file_id: int,
        keys: tuple[int, ...],
        rows: Iterable[Sequence[str]],
        progress: Callable[[int], None] | None,
    ) -> int:
        a_col, b_col = keys[0], (keys[1] if len(keys) > 1 else None)
        batch: list[tuple[int, int, str, str, str]] = []
        count = 0
        for number, row in enumerate(rows, 1):
            a = row[a_col].strip().upper() if a_col < len(row) else ""
            b = row[b_col].strip().upper() if b_col is not None and b_col < len(row) else ""
            if not a or (b_col is not None and not b):
                continue
            batch.append((file_id, number, a, b, _SEP.join(c.strip() for c in row)))
            if len(batch) == _BATCH:
                db.executemany("INSERT INTO edit_rows VALUES (?, ?, ?, ?, ?)", batch)
                count += len(batch)
                batch.clear()
                if progress:
                    progress(count)
        if batch:
            db.executemany("INSERT INTO edit_rows VALUES (?, ?, ?, ?, ?)", batch)
            count += len(batch)
        if progress:
            progress(count)
        return count

    def remove(self, source: str) -> bool:
        """Drop a stored file; False when there is none of that name."""
        with self._lock:
            db = self._conn()
            row = db.execute("SELECT file_id FROM edit_files WHERE source = ?", (source,)).fetchone()
            if row is None:
                return False
            with db:
                db.execute("DELETE FROM edit_rows WHERE file_id = ?", (row[0],))
                db.execute("DELETE FROM edit_files WHERE file_id = ?", (row[0],))
            return True

    # --- readers ------------------------------------------------------------------

    def files(self) -> list[EditFile]:
        """The stored files, by name."""
        if not self.path.exists():
            return []
        with self._lock:
            found = self._conn().execute(
                "SELECT file_id, source, kind, content_hash, header, rows, loaded_at "
                "FROM edit_files ORDER BY source").fetchall()
        return [EditFile(r[0], r[1], r[2], r[3], tuple(r[4].split(_SEP)), r[5], r[6])
                for r in found]

    def rows_for(self, codes: Iterable[str]) -> list[tuple[EditFile, int, tuple[str, ...]]]:
        """The stored rows the codes touch: PTP rows pairing two of them, their MUE rows,
        and their add-on code rows (with each primary, so "none of its primaries is on the
        claim" can be said), as ``(file, row number, cells)``."""
        wanted = sorted({c.strip().upper() for c in codes if c.strip()})
        files = {f.file_id: f for f in self.files()}
        if not wanted or not files:
            return []
        marks = ",".join("?" * len(wanted))
        out: list[tuple[EditFile, int, tuple[str, ...]]] = []
        with self._lock:
            found = self._conn().execute(
                f"SELECT file_id, row, b, cells FROM edit_rows WHERE a IN ({marks}) "
                "ORDER BY file_id, row", wanted).fetchall()
        for file_id, row, b, cells in found:
            f = files.get(file_id)
            if f is not None and (f.kind != "PTP edits" or b in wanted):
                out.append((f, int(row), tuple(cells.split(_SEP))))
        return out

    def document_rules(self, codes: Iterable[str]) -> tuple[list[DocumentRules], dict[str, Chunk]]:
        """What the stored rows the codes touch state, one DocumentRules per file, and the
        rows as passages (to cite them by): read by the rule reader as any table row."""
        from knowledge.rule_extract import extract_rules

        by_file: dict[int, list[tuple[EditFile, int, tuple[str, ...]]]] = {}
        for hit in self.rows_for(codes):
            by_file.setdefault(hit[0].file_id, []).append(hit)
        docs: list[DocumentRules] = []
        chunks: dict[str, Chunk] = {}
        for file_id, hits in by_file.items():
            f = hits[0][0]
            lines = [_render(f.header, cells) for _, _, cells in hits]
            text = "\n\n".join(lines)
            doc = SourceDocument(doc_id=f"edits:{file_id}", source=f.source,
                                 content_hash=f.content_hash, text=text, title=f.source)
            made: list[Chunk] = []
            offset = 0
            for (_, row, _), line in zip(hits, lines, strict=True):
                chunk = Chunk(chunk_id=edit_chunk_id(file_id, row), doc_id=doc.doc_id,
                              source=f.source, position=row, text=line, start=offset,
                              end=offset + len(line), meta={"section": f"{f.source}: {f.kind}"})
                made.append(chunk)
                offset += len(line) + 2
            docs.append(extract_rules(doc, made))
            chunks.update((c.chunk_id, c) for c in made)
        return docs, chunks


def _render(header: Sequence[str], cells: Sequence[str]) -> str:
    """A row as the loaders store a table row ("Header: cell | Header: cell"), white space
    folded."""
    return row_text([" ".join(h.split()) for h in header], [" ".join(c.split()) for c in cells])
