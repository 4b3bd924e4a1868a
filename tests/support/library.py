"""A library over small pages the test writes: ingested for real, closed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest import ingest_paths
from knowledge.library import Library, open_library


@contextmanager
def library_of(folder: Path, embedder: object, **pages: str) -> Iterator[Library]:
    """A library in ``folder`` holding the Markdown ``pages`` (keyword: file name without .md)."""
    docs = folder / "pages"
    docs.mkdir()
    for name, text in pages.items():
        (docs / f"{name}.md").write_text(text)
    library = open_library(folder / "store")
    try:
        ingest_paths([docs], library, embedder)
        yield library
    finally:
        library.close()
