"""The library keeps the registry and a real Chroma collection in step."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from knowledge.errors import ConfigError, UnknownSourceError
from knowledge.library import Library, VectorRecord, open_library, sentence_id
from knowledge.models import Chunk, DocumentRules, SourceDocument
from tests.support.procs import run_fresh


def _doc(source: str, text: str, version: int = 1) -> tuple[SourceDocument, list[Chunk]]:
    doc = SourceDocument(doc_id=f"id-{source}", source=source, content_hash=str(hash(text)),
                         text=text, version=version)
    chunks, pos = [], 0
    for i, para in enumerate(text.split("\n\n")):
        start = text.index(para, pos)
        chunks.append(Chunk(chunk_id=f"{source}-{i}-{abs(hash(para))}", doc_id=doc.doc_id,
                            source=source, position=i, text=para, start=start,
                            end=start + len(para)))
        pos = start + len(para)
    return doc, chunks


def _seed(text: str) -> int:
    # Stable across runs (``hash`` of a str is salted per process: two texts could share a
    # vector one run in a thousand).
    return zlib.crc32(text.encode("utf-8"))


def _vec(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=16).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    library = open_library(tmp_path / "store")
    yield library
    library.close()


def _commit(lib: Library, source: str, text: str, version: int = 1) -> list[Chunk]:
    doc, chunks = _doc(source, text, version)
    records = [VectorRecord(c.chunk_id, c.doc_id, source, "chunk", c.text) for c in chunks]
    records += [VectorRecord(sentence_id(c.chunk_id, 0, len(c.text)), c.doc_id, source, "sentence",
                             c.text) for c in chunks]
    vecs = {r.id: _vec(_seed(r.text)) for r in records}
    lib.commit(doc, chunks, records, vecs, DocumentRules(doc_id=doc.doc_id, source=source),
               "fake/16")
    return chunks


def test_commit_then_search_finds_the_chunk(lib: Library) -> None:
    chunks = _commit(lib, "a.txt", "alpha one\n\nbeta two\n\ngamma three")
    view = lib.view()
    assert len(view.chunks) == 3 and lib.vectors.count() == 6
    target = chunks[1]
    hits = lib.dense_search(_vec(_seed(target.text)), 2, view)
    assert hits[0].chunk.chunk_id == target.chunk_id
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_replace_leaves_only_the_new_version(lib: Library) -> None:
    _commit(lib, "a.txt", "old words\n\nshared words")
    new = _commit(lib, "a.txt", "new words\n\nshared words", version=2)
    assert {c.chunk_id for c in new} == set(lib.view().chunks)
    assert {v.split("@")[0] for v in lib.vectors.ids()} == set(lib.view().chunks)
    assert len(lib.vectors.ids()) == 4
    assert [d.version for d in lib.registry.documents()] == [2]


def test_remove_deletes_chunks_and_row(lib: Library) -> None:
    _commit(lib, "a.txt", "one\n\ntwo")
    _commit(lib, "b.txt", "three")
    lib.remove("a.txt")
    assert [d.source for d in lib.registry.documents()] == ["b.txt"]
    assert len(lib.vectors.ids()) == 2
    with pytest.raises(UnknownSourceError, match="a.txt"):
        lib.remove("a.txt")


def test_orphan_vectors_are_invisible_and_repaired(lib: Library) -> None:
    _commit(lib, "a.txt", "kept text")
    # A crash after the vectors were written but before the registry switched:
    _, orphan_chunks = _doc("a.txt", "never committed text")
    c = orphan_chunks[0]
    lib.vectors.upsert([VectorRecord(c.chunk_id, c.doc_id, "a.txt", "chunk", c.text)],
                       np.stack([_vec(7)]))
    hits = lib.dense_search(_vec(7), 5, lib.view())
    assert all(h.chunk.text == "kept text" for h in hits)
    assert lib.repair() == (1, 0)
    assert lib.vectors.count() == 2


def test_store_built_with_another_model_is_refused(lib: Library) -> None:
    _commit(lib, "a.txt", "x")
    with pytest.raises(ConfigError, match="embedding model"):
        lib.check_model("other/384")


def test_view_is_cached_until_a_write(lib: Library) -> None:
    _commit(lib, "a.txt", "x")
    v1 = lib.view()
    assert lib.view() is v1
    _commit(lib, "b.txt", "y")
    assert lib.view() is not v1 and len(lib.view().documents) == 2


def test_reopen_reads_what_was_written(tmp_path: Path) -> None:
    first = open_library(tmp_path / "s")
    _commit(first, "a.txt", "persisted text")
    first.close()
    again = open_library(tmp_path / "s")
    try:
        assert [c.text for c in again.view().chunks.values()] == ["persisted text"]
        assert again.vectors.count() == 2
    finally:
        again.close()


def test_sentence_search_maps_to_chunk_offsets(lib: Library) -> None:
    chunks = _commit(lib, "a.txt", "first para\n\nsecond para")
    hits = lib.sentence_search(_vec(_seed("second para")), 1, lib.view())
    assert hits[0].chunk.chunk_id == chunks[1].chunk_id
    assert hits[0].text == "second para"


def test_exact_search_ranks_as_chroma_does(tmp_path: Path) -> None:
    texts = "\n\n".join(f"paragraph number {i} of the page" for i in range(30))
    exact, chroma = open_library(tmp_path / "e"), open_library(tmp_path / "c", exact_max=0)
    try:
        for library in (exact, chroma):
            _commit(library, "a.txt", texts)
            _commit(library, "b.txt", "another page\n\nwith two paragraphs")
        q = _vec(11)
        ve, vc = exact.view(), chroma.view()
        assert exact.exact_index("sentence", ve) is not None
        assert chroma.exact_index("sentence", vc) is None
        assert [(h.chunk.chunk_id, h.start) for h in exact.sentence_search(q, 8, ve)] == [
            (h.chunk.chunk_id, h.start) for h in chroma.sentence_search(q, 8, vc)]
        assert [h.chunk.chunk_id for h in exact.dense_search(q, 5, ve)] == [
            h.chunk.chunk_id for h in chroma.dense_search(q, 5, vc)]
        only_b = exact.sentence_search(q, 8, ve, doc_ids=["id-b.txt"])
        assert {h.chunk.source for h in only_b} == {"b.txt"} and len(only_b) == 2
    finally:
        exact.close()
        chroma.close()


def test_exact_index_follows_writes_and_gives_way_to_chroma_when_large(tmp_path: Path) -> None:
    library = open_library(tmp_path / "s", exact_max=3)
    try:
        _commit(library, "a.txt", "one\n\ntwo")
        first = library.view()
        assert library.exact_index("chunk", first) is not None
        _commit(library, "b.txt", "three\n\nfour")  # now 4 chunk vectors: more than 3
        view = library.view()
        assert library.exact_index("chunk", view) is None
        hits = library.dense_search(_vec(_seed("four")), 1, view)
        assert hits[0].chunk.text == "four"
    finally:
        library.close()


def test_a_new_process_reads_the_saved_copy_not_chroma(tmp_path: Path) -> None:
    first = open_library(tmp_path / "s")
    _commit(first, "a.txt", "one\n\ntwo\n\nthree")
    view = first.view()
    q = _vec(_seed("two"))
    expected = [(h.chunk.chunk_id, h.start) for h in first.sentence_search(q, 3, view)]
    first.close()
    again = open_library(tmp_path / "s")
    try:
        def no_chroma(*_: object) -> None:
            raise AssertionError("Chroma was read")

        again.vectors.vectors_of = no_chroma  # type: ignore[method-assign]
        again.vectors.count_of = no_chroma  # type: ignore[method-assign]
        again.vectors.query = no_chroma  # type: ignore[method-assign]
        view = again.view()
        assert [(h.chunk.chunk_id, h.start) for h in again.sentence_search(q, 3, view)] == expected
    finally:
        again.close()


def test_a_saved_copy_of_another_state_is_not_used(tmp_path: Path) -> None:
    library = open_library(tmp_path / "s")
    try:
        _commit(library, "a.txt", "one\n\ntwo")
        assert library.exact_index("chunk", library.view()) is not None
        _commit(library, "b.txt", "three\n\nfour")
        # A second library on the same store: the copy saved before the write is stale.
        other = open_library(tmp_path / "s")
        try:
            hits = other.dense_search(_vec(_seed("four")), 1, other.view())
            assert hits[0].chunk.text == "four"
        finally:
            other.close()
        # A different limit is a different copy (and a limit of 0 saves none).
        small = open_library(tmp_path / "s", exact_max=0)
        try:
            assert small.exact_index("chunk", small.view()) is None
        finally:
            small.close()
    finally:
        library.close()


def test_answering_from_saved_copies_never_imports_chroma(tmp_path: Path) -> None:
    library = open_library(tmp_path / "s")
    _commit(library, "a.txt", "one\n\ntwo")
    library.warm(library.view())
    library.close()
    code = (
        "import sys; from pathlib import Path; import numpy as np\n"
        "from knowledge.library import open_library\n"
        f"lib = open_library(Path({str(tmp_path / 's')!r}))\n"
        "view = lib.view(); lib.warm(view)\n"
        "v = np.zeros(16, dtype=np.float32); v[0] = 1\n"
        "assert lib.dense_search(v, 1, view)\n"
        "print('chromadb' in sys.modules)\n"
    )
    assert run_fresh(code) == "False"
