"""One Assistant shared by several asking threads while another thread replaces and removes.

Version A of a document says "alphamarker" in every sentence, version B "betamarker". An
answer (its citations and its retrieved chunks) must come from one version, and no thread may
raise. The Streamlit app shares one Assistant across sessions the same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import ingest_bytes, ingest_paths, sample_materials
from knowledge.library import Library, LibraryView, open_library
from knowledge.models import Answer

DOC = "rinse-protocol.md"
SECONDS = 3.0  # how long the writer keeps changing the library


def version(marker: str, paragraphs: int) -> bytes:
    """A page whose every sentence names ``marker`` (so any quote tells its version)."""
    paras = [
        f"{marker.capitalize()} rinse step {i} uses warm saline for code 99977. "
        f"The {marker} protocol repeats the rinse step {i} twice before closure."
        for i in range(paragraphs)
    ]
    return ("# Rinse protocol\n\n" + "\n\n".join(paras) + "\n").encode()


VERSIONS = {"alphamarker": version("alphamarker", 4), "betamarker": version("betamarker", 7)}
QUESTIONS = [
    "What does the rinse protocol say about warm saline?",
    "How many times is the rinse step repeated before closure?",
    "Can 99931 be billed with 99921?",
    "Is 99931 an add-on code?",
]


def markers_of(answer: Answer) -> set[str]:
    texts = [c.quote for c in answer.citations] + [r.text for r in answer.retrieved]
    return {m for m in VERSIONS for t in texts if m in t.lower()}


def view_is_one_generation(view: LibraryView) -> None:
    """Each listed chunk is a slice of its own document's text as listed in the same view."""
    texts = {d.doc_id: d.text for d in view.documents}
    for doc_id, chunks in view.by_doc.items():
        assert doc_id in texts, "chunks of a document the view does not list"
        for c in chunks:
            assert texts[doc_id][c.start : c.end] == c.text, "a document and chunks of two versions"


def _run_threads(workers: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 (collected and re-raised by the test)
                errors.append(exc)
        return run

    threads = [threading.Thread(target=guarded(w), daemon=True) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


@pytest.fixture
def library(tmp_path: Path, fake_embedder) -> Library:
    lib = open_library(tmp_path / "store")
    ingest_paths(sample_materials(), lib, fake_embedder)
    ingest_bytes(DOC, VERSIONS["alphamarker"], lib, fake_embedder)
    yield lib
    lib.close()


def _writer(lib: Library, fake_embedder, stop: threading.Event, counts: dict[str, int]) -> None:
    deadline = time.monotonic() + SECONDS
    i = 0
    while time.monotonic() < deadline:
        i += 1
        marker = "betamarker" if i % 2 else "alphamarker"
        result = ingest_bytes(DOC, VERSIONS[marker], lib, fake_embedder)
        assert result.status in ("replaced", "added"), result
        counts["writes"] += 1
        if i % 3 == 0:
            with lib.writing():
                lib.remove(DOC)
            counts["removes"] += 1
        if i % 4 == 0:
            ingest_bytes(f"extra-{i}.txt", f"Extra note {i} on rinse volume.".encode(), lib,
                         fake_embedder)
    stop.set()


def test_askers_never_see_two_versions(library: Library, fake_embedder) -> None:
    from retrieval.coverage import Thresholds
    from retrieval.service import Assistant

    assistant = Assistant(library, fake_embedder,
                          thresholds=Thresholds(dense_min=0.05, dense_sure=0.5))
    stop = threading.Event()
    counts = {"writes": 0, "removes": 0, "answers": 0}
    seen: set[str] = set()

    def asker(offset: int) -> Callable[[], None]:
        def run() -> None:
            n = offset
            while not stop.is_set():
                answer = assistant.ask(QUESTIONS[n % len(QUESTIONS)])
                n += 1
                markers = markers_of(answer)
                assert len(markers) <= 1, f"one answer mixes versions: {answer.answer[:300]}"
                seen.update(markers)
                counts["answers"] += 1
        return run

    errors = _run_threads([lambda: _writer(library, fake_embedder, stop, counts),
                           *(asker(k) for k in range(3))])
    assert not errors, errors[0]
    assert counts["writes"] >= 5 and counts["removes"] >= 1 and counts["answers"] >= 20, counts
    assert seen == set(VERSIONS)  # both versions were live while the askers asked


def test_views_are_one_generation_under_writes(library: Library) -> None:
    """Registry commits in a tight loop: a view must never pair one version's text with
    another version's chunks (separate reads straddling a commit did, ~1 view in 1000)."""
    from ingest.chunking import chunk_document
    from ingest.pipeline import doc_id_for
    from knowledge.models import DocumentRules, SourceDocument

    doc_id = doc_id_for(DOC)
    states = []
    for marker, raw in VERSIONS.items():
        text = raw.decode()
        doc = SourceDocument(doc_id=doc_id, source=DOC, content_hash=marker, text=text)
        states.append((doc, chunk_document(doc_id, DOC, text),
                       DocumentRules(doc_id=doc_id, source=DOC)))
    stop = threading.Event()
    counts = {"commits": 0, "views": 0}

    def writer() -> None:
        # Runs until the readers have built enough views (how many fit in a fixed time depends
        # on how the scheduler shares two cores), with a cap so a stuck reader still ends it.
        start = time.monotonic()
        while time.monotonic() - start < 30.0:
            library.registry.commit(*states[counts["commits"] % 2])
            counts["commits"] += 1
            if counts["views"] >= 200 and time.monotonic() - start >= 1.0:
                break
        stop.set()

    def reader() -> None:
        last = None
        while not stop.is_set():
            view = library.view()
            if view is not last:  # a rebuilt view: the race is in building one
                view_is_one_generation(view)
                counts["views"] += 1
                last = view

    errors = _run_threads([writer, reader, reader])
    assert not errors, errors[0]
    assert counts["commits"] >= 50 and counts["views"] >= 50, counts
