"""Ingest end to end on real files, a real Chroma in a temp dir and the fake embedder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import IngestOptions, ingest_bytes, ingest_paths
from knowledge.library import Library, open_library, parent_chunk_id

PAGE = """Sample code 99931 guidance

Code 99931 is an add-on code for laser treatment of a bladder stone. Report it in addition to the primary procedure.

Use 99931 in conjunction with 99910, 99911. Do not report 99931 with 99920.
"""


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    library = open_library(tmp_path / "store")
    yield library
    library.close()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / "in" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _consistent(lib: Library) -> None:
    """Registry and Chroma agree: every vector belongs to a listed chunk and vice versa."""
    listed = lib.registry.chunk_ids()
    stored = lib.vectors.ids()
    assert {parent_chunk_id(v) for v in stored} == listed
    for doc in lib.registry.documents():
        assert lib.registry.chunks(doc.doc_id), f"{doc.source} has no chunks"


def test_added_unchanged_replaced(tmp_path: Path, lib: Library, fake_embedder) -> None:
    path = _write(tmp_path, "page.md", PAGE)
    first = ingest_paths([path], lib, fake_embedder)
    assert [d.status for d in first.documents] == ["added"]
    assert first.chunks_total > 0
    again = ingest_paths([path], lib, fake_embedder)
    assert [d.status for d in again.documents] == ["unchanged"]
    path.write_text(PAGE.replace("99920", "99921"), encoding="utf-8")
    third = ingest_paths([path], lib, fake_embedder)
    assert [d.status for d in third.documents] == ["replaced"]
    docs = lib.registry.documents()
    assert len(docs) == 1 and docs[0].version == 2
    texts = " ".join(c.text for c in lib.view().chunks.values())
    assert "99921" in texts and "99920" not in texts
    _consistent(lib)


def test_an_upgraded_pipeline_derives_an_unchanged_file_anew(
    tmp_path: Path, lib: Library, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import pipeline
    from knowledge.models import DocumentRules

    path = _write(tmp_path, "page.md", PAGE)
    real = pipeline.extract_rules
    # An older version that read no rules from the page.
    monkeypatch.setattr(pipeline, "extract_rules", lambda doc, chunks: DocumentRules(
        doc_id=doc.doc_id, source=doc.source, rules=[], examples=[]))
    assert ingest_paths([path], lib, fake_embedder).documents[0].status == "added"
    assert not lib.view().rules
    monkeypatch.setattr(pipeline, "extract_rules", real)
    vectors = sum(len(lib.vectors.ids(d.doc_id)) for d in lib.registry.documents())
    # Same file, newer pipeline: derived anew, its stored vectors reused.
    assert ingest_paths([path], lib, fake_embedder).documents[0].status == "replaced"
    assert {r.code for r in lib.view().rules} >= {"99931"}
    assert sum(len(lib.vectors.ids(d.doc_id)) for d in lib.registry.documents()) == vectors
    assert ingest_paths([path], lib, fake_embedder).documents[0].status == "unchanged"
    _consistent(lib)


def test_rules_are_extracted_and_rederived(tmp_path: Path, lib: Library, fake_embedder) -> None:
    path = _write(tmp_path, "page.md", PAGE)
    ingest_paths([path], lib, fake_embedder)
    rules = {r.code: r for r in lib.view().rules}
    assert rules["99931"].add_on and "99920" in rules["99931"].excluded_codes
    path.write_text(PAGE.replace("Do not report 99931 with 99920.", ""), encoding="utf-8")
    ingest_paths([path], lib, fake_embedder)
    assert "99920" not in {r.code: r for r in lib.view().rules}["99931"].excluded_codes
    lib.remove("page.md")
    assert lib.view().rules == ()


def test_bad_files_are_rejected_and_the_rest_ingested(tmp_path: Path, lib: Library, fake_embedder) -> None:
    good = _write(tmp_path, "good.txt", PAGE)
    empty = _write(tmp_path, "empty.txt", "")
    odd = _write(tmp_path, "data.xyz", "hello")
    report = ingest_paths([good, empty, odd, tmp_path / "missing.txt"], lib, fake_embedder)
    status = {d.source: d.status for d in report.documents}
    assert status == {"good.txt": "added", "empty.txt": "rejected", "data.xyz": "rejected",
                      "missing.txt": "rejected"}
    assert all(d.error and "\n" not in d.error for d in report.documents if d.status == "rejected")
    assert report.rejected
    assert [d.source for d in lib.registry.documents()] == ["good.txt"]
    _consistent(lib)


def test_folders_are_walked(tmp_path: Path, lib: Library, fake_embedder) -> None:
    _write(tmp_path, "a.txt", PAGE)
    _write(tmp_path, "sub/b.md", "Another page about 99945.\n\nIt is a primary procedure.")
    report = ingest_paths([tmp_path / "in"], lib, fake_embedder)
    assert sorted(d.source for d in report.documents) == ["a.txt", "b.md"]


def test_a_folder_lists_every_file_met(
    tmp_path: Path, monkeypatch, capsys, fake_embedder
) -> None:
    """Unsupported files in a folder are rejected with the supported types, on the console and
    in the JSON, and the exit code is 1; hidden files and folders are skipped silently."""
    from ingest import __main__ as cli
    from ingest.loaders import SUPPORTED_SUFFIXES
    from knowledge import wiring

    monkeypatch.setattr(wiring, "embedder_from_settings", lambda s, **k: fake_embedder)
    _write(tmp_path, "page.md", PAGE)
    _write(tmp_path, "notes.xyz", "Plain words in a kind of file nobody reads.")
    _write(tmp_path, "sub/README", "no extension")
    _write(tmp_path, ".hidden.xyz", "x")
    _write(tmp_path, ".cache/old.txt", "x")
    store = tmp_path / "cli-store"
    folder = str(tmp_path / "in")

    assert cli.main([folder, "--store", str(store), "--json"]) == 1
    docs = {d["source"]: d for d in json.loads(capsys.readouterr().out)["documents"]}
    assert set(docs) == {"page.md", "notes.xyz", "README"}
    assert docs["page.md"]["status"] == "added"
    for name, kind in [("notes.xyz", "'.xyz'"), ("README", "without an extension")]:
        assert docs[name]["status"] == "rejected"
        error = docs[name]["error"]
        assert error.startswith(f"unsupported file type {kind}; supported: ")
        assert all(s in error for s in SUPPORTED_SUFFIXES) and "\n" not in error

    assert cli.main([folder, "--store", str(store)]) == 1
    out = capsys.readouterr().out
    assert "unchanged page.md" in out
    assert [ln for ln in out.splitlines() if "notes.xyz" in ln] == [
        f"rejected  notes.xyz: {docs['notes.xyz']['error']}"
    ]
    assert "hidden" not in out and "old.txt" not in out


def test_upload_name_cannot_escape(lib: Library, fake_embedder) -> None:
    result = ingest_bytes("../../evil.txt", PAGE.encode(), lib, fake_embedder)
    assert result.status == "added" and result.source == "evil.txt"
    too_big = ingest_bytes("big.txt", b"x" * 2000, lib, fake_embedder, IngestOptions(max_bytes=1000))
    assert too_big.status == "rejected" and "limit" in (too_big.error or "")


def test_cli_json_contract(tmp_path: Path, monkeypatch, capsys, fake_embedder) -> None:
    from ingest import __main__ as cli
    from knowledge import wiring

    monkeypatch.setattr(wiring, "embedder_from_settings", lambda s, **k: fake_embedder)
    path = _write(tmp_path, "page.md", PAGE)
    store = tmp_path / "cli-store"
    assert cli.main([str(path), "--store", str(store), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"documents", "chunks_total"}
    doc = out["documents"][0]
    assert set(doc) >= {"source", "doc_id", "status", "chunks", "error"}
    assert doc["status"] == "added" and doc["error"] is None
    assert cli.main([str(tmp_path / "nope.pdf"), "--store", str(store), "--json"]) == 1
    capsys.readouterr()
    assert cli.main(["list", "--store", str(store), "--json"]) == 0
    assert [d["source"] for d in json.loads(capsys.readouterr().out)["documents"]] == ["page.md"]
    assert cli.main(["remove", "page.md", "--store", str(store)]) == 0
    assert cli.main(["remove", "page.md", "--store", str(store)]) == 1
    assert cli.main(["--store", str(store)]) == 2


def test_seed_page_added_unchanged_replaced(tmp_path: Path, seed_path: Path, lib: Library,
                                            fake_embedder) -> None:
    copy = tmp_path / "in" / seed_path.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(seed_path.read_bytes())
    assert ingest_paths([copy], lib, fake_embedder).documents[0].status == "added"
    assert ingest_paths([copy], lib, fake_embedder).documents[0].status == "unchanged"
    copy.write_text(seed_path.read_text(encoding="utf-8") + "\nAn added closing line.\n",
                    encoding="utf-8")
    assert ingest_paths([copy], lib, fake_embedder).documents[0].status == "replaced"
    assert [d.source for d in lib.registry.documents()] == [seed_path.name]
    text = lib.registry.documents()[0].text
    assert "EnglishEspañol" not in text  # the language bar is navigation, not material
    assert "interpretation.This is an add-on code." in text  # glued sentences kept verbatim
    _consistent(lib)


def test_files_are_embedded_in_one_stream_with_units_per_second(
    tmp_path: Path, lib: Library, fake_embedder
) -> None:
    calls: list[int] = []

    class Counting(type(fake_embedder)):
        def embed_documents(self, texts):
            calls.append(len(texts))
            return super().embed_documents(texts)

    paths = [_write(tmp_path, f"page{i}.md", PAGE.replace("99931", f"9993{i}")) for i in range(3)]
    heard: list[tuple[str, int, int]] = []
    report = ingest_paths(paths, lib, Counting(), IngestOptions(batch_size=64),
                          progress=lambda msg, done, total: heard.append((msg, done, total)))
    assert [d.status for d in report.documents] == ["added"] * 3
    # Three small files fill one batch of passages, not three.
    assert calls == [sum(calls)] and sum(calls) > 3
    embedding = [h for h in heard if h[0].startswith("embedding ")]
    assert embedding and embedding[-1][1] == embedding[-1][2]
    assert all(msg.endswith("/s") for msg, _, _ in embedding)
    assert [h[0] for h in heard[:3]] == [f"reading page{i}.md" for i in range(3)]
    _consistent(lib)


def test_a_chunk_vector_is_made_from_its_sentences_not_encoded_again(
    tmp_path: Path, lib: Library, fake_embedder
) -> None:
    seen: list[str] = []

    class Recording(type(fake_embedder)):
        def embed_documents(self, texts):
            seen.extend(texts)
            return super().embed_documents(texts)

    ingest_paths([_write(tmp_path, "page.md", PAGE)], lib, Recording())
    view = lib.view()
    chunk = next(iter(view.chunks.values()))
    assert all(chunk.text not in t or len(t) < len(chunk.text) for t in seen)
    sentences = [t for t in seen if t.split(" (")[0] in chunk.text]
    assert sentences
    total = np.sum([fake_embedder.embed_documents([t])[0] for t in sentences], axis=0)
    hits = lib.vectors.query(total / np.linalg.norm(total), 1, "chunk")
    assert hits[0][0] == chunk.chunk_id and hits[0][1] > 0.999


def test_embedding_jobs_come_in_one_order_whatever_the_order_of_the_records() -> None:
    import random

    from ingest.pipeline import embedding_jobs
    from knowledge.library import VectorRecord

    texts = ["same size a", "same size b", "same size c", "longer text here", "short"]
    records = [VectorRecord(f"c{i}@0-{len(t)}", "d", "s", "sentence", t) for i, t in enumerate(texts)]
    records += [VectorRecord(f"c{i}@q0-{len(t)}", "d", "s", "sentence_q", t) for i, t in enumerate(texts)]
    first = embedding_jobs(records)
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        assert embedding_jobs(shuffled) == first
    assert first[:4] == [(False, "longer text here"), (False, "same size a"), (False, "same size b"),
                         (False, "same size c")]
