"""The Library page benchmark runs and reports its figures (a small library here)."""

from __future__ import annotations

from pathlib import Path

from eval.bench_library import bench_library_page, fill_registry
from knowledge.library import open_library


def test_synthetic_documents_fill_the_registry_with_rules(tmp_path: Path) -> None:
    library = open_library(tmp_path / "store")
    try:
        fill_registry(library, 3)
        view = library.view()
        assert len(view.documents) == 3 and view.chunks
        assert any(r.add_on for r in view.rules) and any(r.unit_limit for r in view.rules)
    finally:
        library.close()


def test_the_library_page_draw_is_timed(tmp_path: Path) -> None:
    figures = bench_library_page(tmp_path / "store", n_docs=12, draws=1)
    assert figures["documents"] == 12
    assert figures["first_draw_ms"] > 0 and figures["search_draw_ms"] > 0
