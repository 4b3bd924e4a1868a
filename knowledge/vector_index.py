"""Exact nearest-neighbour search over vectors held in memory.

A library of a few hundred documents holds a few thousand vectors per kind: one matrix product
over all of them takes a fraction of a millisecond, where a query through Chroma's HNSW index
costs one to two (and a round trip when Chroma is a server). Chroma stays the store;
this is a read-only copy of one kind's vectors, rebuilt when the registry's generation moves.
A copy is also kept on disk (``save_index``/``load_index``, under a key naming what it was made from), so
that a new process reads it in milliseconds instead of opening Chroma's collections.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.npz_files import write_npz

__all__ = ["ExactIndex", "load_index", "save_index"]


class ExactIndex:
    """Unit vectors with their ids and documents; ``query`` ranks them all by cosine.

    Example::

        index = ExactIndex(["a", "b"], ["d1", "d2"], np.eye(2, dtype=np.float32))
        index.query(np.array([1.0, 0.0]), 1)  # [("a", 1.0)]
    """

    def __init__(
        self, ids: Sequence[str], doc_ids: Sequence[str], matrix: np.ndarray,
        *, normalised: bool = False,
    ) -> None:
        matrix = np.asarray(matrix, dtype=np.float32)
        if len(doc_ids) != len(ids) or matrix.ndim != 2 or len(matrix) != len(ids):
            raise ValueError(f"{len(ids)} ids but {len(doc_ids)} document ids and "
                             f"{len(matrix)} vectors")
        if not normalised:
            matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        self._matrix = matrix
        self._ids = list(ids)
        self._doc_ids = list(doc_ids)
        names = sorted(set(doc_ids))
        self._doc_names = {name: i for i, name in enumerate(names)}
        self._docs = np.array([self._doc_names[d] for d in doc_ids], dtype=np.int32)

    def query(
        self, vector: np.ndarray, k: int, doc_ids: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest ids with cosine similarity, best first, ties by id; of the
        documents ``doc_ids`` only, when given (the same answer as ``ChromaChunkStore.query``,
        exactly rather than approximately)."""
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        if not self._ids:
            return []
        v = np.asarray(vector, dtype=np.float32).ravel()
        # einsum, not ``@``: a BLAS product wakes BLAS's worker threads, which then spin
        # beside the embedding model's on a small machine (one question's embedding went from
        # 9 to 22 ms); one thread reads 20,000 vectors in about a millisecond.
        scores = np.einsum("ij,j->i", self._matrix, v / max(float(np.linalg.norm(v)), 1e-12))
        rows = np.arange(len(self._ids))
        if doc_ids:
            wanted = [self._doc_names[d] for d in doc_ids if d in self._doc_names]
            rows = rows[np.isin(self._docs, wanted)]
            if not len(rows):
                return []
        picked = scores[rows]
        if len(rows) > k:
            # The k-th best score, then every row at least as good (ties are then cut by id).
            cut = np.partition(picked, len(picked) - k)[len(picked) - k]
            rows = rows[picked >= cut]
        pairs = [(self._ids[i], float(scores[i])) for i in rows]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs[:k]


def save_index(index: ExactIndex, path: Path, key: str) -> None:
    """Write ``index`` to ``path`` under ``key`` (atomically: a reader sees old or new)."""
    write_npz(path, key=np.array(key), ids=np.array(index._ids, dtype=str),
              docs=np.array(index._doc_ids, dtype=str), matrix=index._matrix)


def load_index(path: Path, key: str) -> ExactIndex | None:
    """The index saved at ``path`` under ``key``; None when absent, unreadable or stale."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["key"]) != key:
                return None
            return ExactIndex(saved["ids"].tolist(), saved["docs"].tolist(), saved["matrix"],
                              normalised=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
