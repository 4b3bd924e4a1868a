"""How long the Library page takes to draw with many documents in the registry.

Synthetic documents (each a few headed paragraphs, a table of codes with their RVU and MUE and
a list) are written straight into a store's registry: the page reads the registry, never the
vectors. The app is then driven headless (Streamlit's AppTest) to the Library page, and the
draw is timed: the first one (the table's rows are built) and the next ones (a search typed).
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

from ingest.chunking import chunk_document
from ingest.structure import Block, render
from knowledge.library import Library, open_library
from knowledge.models import SourceDocument
from knowledge.rule_extract import extract_rules
from retrieval.library_table import document_rows

__all__ = ["bench_library_page", "fill_registry"]

_APP = Path(__file__).resolve().parents[1] / "app.py"


def _blocks(i: int) -> list[Block]:
    base = 10000 + (i * 7) % 89000
    codes = [f"{base + k:05d}" for k in range(4)]
    return [
        Block("heading", f"Fee schedule {i}: codes {codes[0]}-{codes[-1]}", level=1),
        Block("paragraph", f"Code {codes[1]} is an add-on code. Use {codes[1]} in conjunction "
                           f"with {codes[0]}. Do not report {codes[2]} with {codes[3]}."),
        Block("heading", "Relative values", level=2),
        Block("table", header=("Code", "Work RVU", "MUE"),
              rows=tuple((c, f"{1 + k / 10:.2f}", str(1 + k)) for k, c in enumerate(codes))),
        Block("heading", "Documentation", level=2),
        *(Block("item", f"Record item {k} for claim review.") for k in range(3)),
    ]


def fill_registry(library: Library, n_docs: int) -> None:
    """Write ``n_docs`` synthetic documents with their chunks and rules into the registry."""
    for i in range(n_docs):
        rendered = render(_blocks(i))
        source = f"synthetic-fee-schedule-{i:04d}.md"
        doc = SourceDocument(doc_id=f"syn{i:05d}", source=source, content_hash=f"h{i}",
                             text=rendered.text, media_type="text/markdown",
                             title=rendered.title)
        chunks = chunk_document(doc.doc_id, source, rendered.text, chunk_size=700, overlap=0,
                                structure=rendered)
        library.registry.commit(doc, chunks, extract_rules(doc, chunks))


def bench_library_page(store: Path, n_docs: int = 500, draws: int = 3) -> dict[str, float]:
    """Draw times of the Library page over ``n_docs`` synthetic documents (ms)."""
    from streamlit.testing.v1 import AppTest

    library = open_library(store)
    try:
        fill_registry(library, n_docs)
        started = time.perf_counter()
        view = library.view()
        rows = document_rows(view, library.registry.updated_times())
        rows_ms = (time.perf_counter() - started) * 1000
        assistant = SimpleNamespace(library=library, view=library.view, embedder=None)
        at = AppTest.from_file(str(_APP), default_timeout=120)
        at.session_state["assistant"] = assistant
        at.run()
        started = time.perf_counter()
        at.sidebar.button(key="to_library").click().run()
        first_ms = (time.perf_counter() - started) * 1000
        if at.exception:
            raise RuntimeError(f"the Library page failed: {at.exception}")
        later: list[float] = []
        for k in range(draws):
            started = time.perf_counter()
            at.text_input(key="lib_search").set_value(f"{k}").run()
            later.append((time.perf_counter() - started) * 1000)
        return {
            "documents": float(len(rows)),
            "view_and_rows_ms": round(rows_ms, 1),
            "first_draw_ms": round(first_ms, 1),
            "search_draw_ms": round(sorted(later)[len(later) // 2], 1),
        }
    finally:
        library.close()
