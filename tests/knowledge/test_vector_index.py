"""Exact search in memory ranks as a brute-force cosine does, ties by id, filtered by document."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.vector_index import ExactIndex, load_index, save_index


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_ranks_by_cosine_best_first() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(200, 8)).astype(np.float32)
    ids = [f"v{i:03d}" for i in range(200)]
    index = ExactIndex(ids, ["d"] * 200, matrix * 3.0)  # stored unnormalised: normalised here
    q = rng.normal(size=8).astype(np.float32)
    want = _unit(matrix) @ (q / np.linalg.norm(q))
    order = np.argsort(-want)[:10]
    got = index.query(q, 10)
    assert [i for i, _ in got] == [ids[j] for j in order]
    assert [s for _, s in got] == pytest.approx([float(want[j]) for j in order], abs=1e-5)


def test_ties_are_cut_by_id_and_k_caps_the_list() -> None:
    same = np.ones((4, 3), dtype=np.float32)
    index = ExactIndex(["d", "b", "c", "a"], ["x"] * 4, same)
    assert [i for i, _ in index.query(np.ones(3), 2)] == ["a", "b"]
    assert len(index.query(np.ones(3), 10)) == 4


def test_only_the_documents_asked() -> None:
    index = ExactIndex(["a", "b", "c"], ["d1", "d2", "d1"],
                       np.array([[1, 0], [1, 0.1], [0, 1]], dtype=np.float32))
    assert [i for i, _ in index.query(np.array([1.0, 0.0]), 3, doc_ids=["d1"])] == ["a", "c"]
    assert index.query(np.array([1.0, 0.0]), 3, doc_ids=["unknown"]) == []


def test_empty_index_and_bad_input() -> None:
    assert ExactIndex([], [], np.zeros((0, 4))).query(np.ones(4), 3) == []
    with pytest.raises(ValueError, match="k must be"):
        ExactIndex(["a"], ["d"], np.ones((1, 2))).query(np.ones(2), 0)
    with pytest.raises(ValueError, match="document ids"):
        ExactIndex(["a", "b"], ["d"], np.ones((2, 2)))


def test_saved_and_loaded_under_its_key(tmp_path) -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(6, 4)).astype(np.float32)
    index = ExactIndex([f"v{i}" for i in range(6)], ["d1", "d1", "d2", "d2", "d3", "d3"], matrix)
    path = tmp_path / "copies" / "chunk.npz"
    save_index(index, path, "7|abc")
    again = load_index(path, "7|abc")
    assert again is not None
    q = rng.normal(size=4).astype(np.float32)
    assert again.query(q, 4) == index.query(q, 4)
    assert again.query(q, 4, doc_ids=["d2"]) == index.query(q, 4, doc_ids=["d2"])
    assert load_index(path, "8|abc") is None  # another state of the store
    assert load_index(tmp_path / "missing.npz", "7|abc") is None
    path.write_bytes(b"not a saved index")
    assert load_index(path, "7|abc") is None
    assert [p.name for p in path.parent.iterdir()] == ["chunk.npz"]  # no temporary left


def test_an_empty_index_saves_too(tmp_path) -> None:
    path = tmp_path / "e.npz"
    save_index(ExactIndex([], [], np.zeros((0, 4), dtype=np.float32)), path, "k")
    empty = load_index(path, "k")
    assert empty is not None and empty.query(np.ones(4), 3) == []
