"""Build the library and the embedder from Settings: used only by edges (CLIs, app, eval)."""

from __future__ import annotations

from pathlib import Path

from knowledge.embedder import Embedder, SentenceTransformerEmbedder
from knowledge.library import Library, open_library
from knowledge.onnx_embedder import OnnxEmbedder
from knowledge.settings import Settings

__all__ = ["embedder_from_settings", "library_from_settings"]


def library_from_settings(settings: Settings, store: Path | None = None) -> Library:
    """Open the library named by settings (``store`` overrides ``settings.store``)."""
    return open_library(
        Path(store or settings.store),
        chroma_host=settings.chroma_host,
        chroma_port=settings.chroma_port,
        collection=settings.collection,
        exact_max=settings.exact_search_max,
    )


def embedder_from_settings(settings: Settings, model: str | None = None) -> Embedder:
    """The embedder named by settings (``model`` overrides the model); it loads lazily."""
    name = model or settings.embedding_model
    if settings.embedding_backend == "torch":
        return SentenceTransformerEmbedder(
            name, cache_dir=Path(settings.model_cache), batch_size=settings.embed_batch_size,
            threads=settings.torch_threads,
        )
    return OnnxEmbedder(
        name, cache_dir=Path(settings.model_cache), batch_size=settings.embed_batch_size,
        threads=settings.embed_threads, int8=settings.embedding_backend == "onnx-int8",
    )
