"""The vector side of the library: one Chroma collection (embedded or a Chroma server).

The only module that imports chromadb. It turns Chroma's column-shaped results into
``(chunk_id, similarity)`` pairs; chunk texts come from the registry, the source of truth.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from knowledge.errors import ConfigError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

if TYPE_CHECKING:
    import chromadb

__all__ = ["KINDS", "ChromaChunkStore", "VectorRecord"]

#: Vector kinds and the suffix of their collection's name. One collection per kind: a
#: metadata filter on a shared collection was 30x slower at 30k vectors.
KINDS = {"chunk": "", "sentence": "-sentences", "sentence_q": "-sentences-q"}

# Chroma refuses larger batches (get_max_batch_size is 5461 on this version).
_BATCH = 4000
# Recall of the default HNSW settings was poor at scale (notes/stack.md): search wider.
_HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}


class VectorRecord(NamedTuple):
    """One vector's identity: a chunk, or a sentence inside a chunk (``kind``)."""

    id: str
    doc_id: str
    source: str
    kind: str  # one of KINDS
    text: str


class ChromaChunkStore:
    """Chunk vectors in Chroma. Embedded (``path``) unless ``host`` names a Chroma server.

    Embeddings are always passed in: Chroma's default embedding function downloads a model.

    Example::

        store = ChromaChunkStore(path=Path("data/store/chroma"), collection="cptcite")
        store.upsert(chunks, vectors)
        pairs = store.query(query_vector, k=10)
    """

    def __init__(
        self,
        *,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
        collection: str = "cptcite",
    ) -> None:
        if path is None and host is None:
            raise ConfigError("ChromaChunkStore needs a path (embedded) or a host (server)")
        self._path, self._host, self._port, self._name = path, host, port, collection
        self._client: chromadb.ClientAPI | None = None
        self._colls: dict[str, chromadb.Collection] = {}
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        """Where the vectors live, for messages."""
        return f"http://{self._host}:{self._port}" if self._host else str(self._path)

    def _collection(self, kind: str) -> chromadb.Collection:
        if kind not in KINDS:
            raise ValueError(f"unknown vector kind {kind!r}; choose from {', '.join(KINDS)}")
        with self._lock:
            if kind not in self._colls:
                name = self._name + KINDS[kind]
                try:
                    if self._client is None:
                        self._client = self._connect()
                    self._colls[kind] = self._client.get_or_create_collection(
                        name, embedding_function=None, configuration={"hnsw": dict(_HNSW)}
                    )
                except (ValueError, ConnectionError, OSError) as exc:
                    raise ConfigError(
                        f"cannot open the Chroma collection {name!r} at {self.where}: "
                        f"{exc} (check CPTCITE_CHROMA_HOST/PORT or --store)"
                    ) from exc
            return self._colls[kind]

    def _connect(self) -> chromadb.ClientAPI:
        # Imported here, at the first read or write of a vector (about 0.6 s): a process
        # answering from the saved copies of the vectors (the library's exact search) never
        # needs it.
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self._host:
            return chromadb.HttpClient(host=self._host, port=self._port, settings=settings)
        assert self._path is not None
        self._path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self._path), settings=settings)

    def upsert(self, records: Sequence[VectorRecord], vectors: np.ndarray) -> None:
        """Write vectors (with their texts, for inspection) under the records' ids."""
        if len(records) != len(vectors):
            raise ValueError(f"{len(records)} records but {len(vectors)} vectors")
        vectors = np.asarray(vectors, dtype=np.float32)
        for kind in KINDS:
            rows = [i for i, r in enumerate(records) if r.kind == kind]
            coll = self._collection(kind) if rows else None
            for i in range(0, len(rows), _BATCH):
                part = rows[i : i + _BATCH]
                coll.upsert(
                    ids=[records[j].id for j in part],
                    embeddings=vectors[part],
                    documents=[records[j].text for j in part],
                    metadatas=[
                        {"doc_id": records[j].doc_id, "source": records[j].source} for j in part
                    ],
                )

    def ids(self, doc_id: str | None = None) -> set[str]:
        """Ids of the stored vectors (every kind), of one document or all."""
        where = {"doc_id": doc_id} if doc_id else None
        return {i for kind in KINDS for got in self._pages(kind, [], where) for i in got["ids"]}

    def _pages(
        self, kind: str, include: list[str], where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Chroma's ``get`` of one ``kind``, page by page (it refuses very large reads)."""
        coll = self._collection(kind)
        offset, page = 0, 5000
        while True:
            got = coll.get(where=where, include=include, limit=page, offset=offset)
            yield got
            if len(got["ids"]) < page:
                return
            offset += page

    def count_of(self, kind: str) -> int:
        """Number of stored vectors of one ``kind``."""
        return self._collection(kind).count()

    def vectors_of(self, kind: str) -> tuple[list[str], np.ndarray]:
        """Every stored vector of one ``kind``: ids and an ``(n, dim)`` float32 matrix (read
        without their metadata, which takes four times as long to read)."""
        ids: list[str] = []
        parts: list[np.ndarray] = []
        for got in self._pages(kind, ["embeddings"]):
            if len(got["ids"]):
                ids.extend(got["ids"])
                parts.append(np.asarray(got["embeddings"], dtype=np.float32))
        matrix = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        return ids, matrix

    def delete(self, ids: Sequence[str]) -> None:
        """Delete vectors by id, whatever their kind (missing ids are ignored)."""
        ids = list(ids)
        for kind in KINDS:
            coll = self._collection(kind)
            for i in range(0, len(ids), _BATCH):
                coll.delete(ids=ids[i : i + _BATCH])

    def query(
        self, vector: np.ndarray, k: int, kind: str = "chunk", doc_ids: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest ids of one ``kind`` with cosine similarity, best first, ties by id;
        of the documents ``doc_ids`` only, when given."""
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        where = None
        if doc_ids:
            ids = sorted(doc_ids)
            where = {"doc_id": ids[0]} if len(ids) == 1 else {"doc_id": {"$in": ids}}
        res = self._collection(kind).query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            include=["distances"],
            where=where,
        )
        ids = res["ids"][0]
        dists = (res.get("distances") or [[]])[0]
        pairs = [(cid, 1.0 - float(d)) for cid, d in zip(ids, dists, strict=True)]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def count(self) -> int:
        """Number of stored vectors, every kind."""
        return sum(self.count_of(kind) for kind in KINDS)

    def close(self) -> None:
        """Release the client (embedded clients cache one system per path per process)."""
        with self._lock:
            if self._client is not None:
                close = getattr(self._client, "close", None)
                if callable(close):
                    close()
                elif not self._host:
                    self._client.clear_system_cache()
            self._client, self._colls = None, {}
