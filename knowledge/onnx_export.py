"""Build once: a sentence-transformers folder -> an ONNX encoder (float, or int8), cached beside it.

The exported graph takes token ids and an attention mask and returns the sentence vector
pooled as the model pools (mean or CLS; the runtime L2-normalises it, as the torch path
does), so running it needs only onnxruntime and the tokenizer, not torch.

The float export computes the model's own vectors on every CPU. The int8 one quantises the
weights of the matrix products per channel (onnxruntime's dynamic quantisation; 7-bit, so
that CPUs without VNNI instructions do not saturate), except the layers that narrow the
width; the token embedding table stays float32. Its vectors depend on the CPU: on 400 texts
of coding materials, cosine 0.999 (min 0.998) to the float model with VNNI; without it
0.997 (min 0.992) with 8-bit weights, 0.9988 (min 0.997) with 7-bit ones.

Building imports torch, transformers and onnx (a few seconds, once per model); the folder is
written next to the other converted models and reused while the source files are unchanged.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from knowledge.errors import ConfigError

__all__ = ["EXPORT_FILE", "TOKENIZER_FILE", "WEIGHTS_FILE", "ensure_onnx_model", "load_info"]

#: The exported model's file name inside its folder.
EXPORT_FILE = "model.onnx"
#: Its weights, beside it: onnxruntime maps them instead of parsing them out of the graph
#: (a session opened in 0.2 s instead of 1.3-1.5 s for the 470 MB float model).
WEIGHTS_FILE = "model.onnx.data"
_INFO_FILE = "cptcite-onnx.json"
TOKENIZER_FILE = "tokenizer.json"
_EXPORTER_VERSION = 4
_POOLINGS = ("mean", "cls")


def ensure_onnx_model(source: Path, cache_dir: Path, int8: bool = False) -> Path:
    """The folder of ``source``'s ONNX export, float or ``int8`` (built now if missing or stale).

    Raises ConfigError when the model cannot be exported (a pooling other than mean or CLS,
    no fast tokenizer, or the export tools missing).
    """
    source = Path(source).resolve()
    key = _fingerprint(source)
    target = Path(cache_dir) / f"{source.name}-onnx{'-int8' if int8 else ''}"
    if _is_current(target, key):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same model
        if _is_current(target, key):
            return target
        print(f"cptcite: building an ONNX copy of the embedding model in {target} "
              "(first use, about half a minute)", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".onnx-") as tmp:
            work = Path(tmp) / "out"
            work.mkdir()
            _export(source, work, key, int8)
            if target.exists():
                shutil.rmtree(target)
            os.replace(work, target)
    return target


def load_info(folder: Path) -> dict[str, Any]:
    """What the runtime needs besides the graph: prompts, dimension, max tokens, pad id."""
    info = json.loads((folder / _INFO_FILE).read_text(encoding="utf-8"))
    if not isinstance(info, dict):
        raise TypeError(f"{folder / _INFO_FILE} is not an object")
    return info


def _fingerprint(source: Path) -> str:
    """Changes when the source model's files change (names, sizes, times) or the exporter does;
    not when the cache folder moves."""
    h = hashlib.sha256(f"{_EXPORTER_VERSION}".encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        st = path.stat()
        h.update(f"|{path.relative_to(source)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _is_current(target: Path, key: str) -> bool:
    try:
        return load_info(target).get("fingerprint") == key and all(
            (target / name).is_file() for name in (EXPORT_FILE, WEIGHTS_FILE))
    except (OSError, ValueError, TypeError):
        return False


def _export(source: Path, out: Path, key: str, int8: bool) -> None:
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - the pinned install has them
        raise ConfigError(f"cannot build the ONNX model: {exc}; set "
                          "CPTCITE_EMBEDDING_BACKEND=torch") from exc

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    transformer, pooling = _parts(model)
    tokenizer = transformer.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError(f"{source.name} has no fast tokenizer; set CPTCITE_EMBEDDING_BACKEND=torch")
    tokenizer.save_pretrained(str(out))
    if not (out / TOKENIZER_FILE).is_file():
        raise ConfigError(f"{source.name}: tokenizer.json missing after saving; "
                          "set CPTCITE_EMBEDDING_BACKEND=torch")
    net = transformer.auto_model.float().eval()
    graph = _encoder(net, pooling, "token_type_ids" in tokenizer.model_input_names)
    sample = tokenizer(["query: a", "passage: a longer sample text"], padding=True,
                       return_tensors="pt")
    float_path = out / "float.onnx"
    # The tracer's and the quantiser's advice is for other models; the export is checked by
    # its outputs (tests compare it with the float model).
    with torch.no_grad(), warnings.catch_warnings(), _quiet("root"):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, (sample["input_ids"], sample["attention_mask"]), str(float_path),
            input_names=["input_ids", "attention_mask"], output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                          "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
        graph_path = float_path
        if int8:
            graph_path = out / "int8.onnx"
            quantize_dynamic(str(float_path), str(graph_path), weight_type=QuantType.QInt8,
                             per_channel=True, reduce_range=True, op_types_to_quantize=["MatMul"],
                             nodes_to_exclude=_down_projections(float_path))
    _save_with_weights_beside(graph_path, out)
    for path in {float_path, graph_path}:
        path.unlink()
    info = {
        "fingerprint": key,
        "source": str(source),
        "prompts": dict(model.prompts or {}),
        "dim": int(model.get_embedding_dimension() or 0),
        "max_tokens": int(model.max_seq_length or 512),
        "pad_id": int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        "pooling": pooling,
        "int8": int8,
    }
    (out / _INFO_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")


def _save_with_weights_beside(graph_path: Path, out: Path) -> None:
    """``graph_path`` saved as ``EXPORT_FILE`` with its weights in ``WEIGHTS_FILE``."""
    import onnx

    model = onnx.load(str(graph_path))
    onnx.save_model(model, str(out / EXPORT_FILE), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=WEIGHTS_FILE, size_threshold=1024)


def _down_projections(path: Path) -> list[str]:
    """Matrix products whose weight narrows the width (a feed-forward block's output layer).

    Their inputs carry the activation outliers that per-tensor int8 quantisation of
    activations handles worst; kept in float32, the cosine to the float model rose from 0.997
    to 0.999 (min 0.994 -> 0.998) on the corpus texts, for about a fifth of the speed-up.
    """
    import onnx

    model = onnx.load(str(path))
    shapes = {t.name: tuple(t.dims) for t in model.graph.initializer}
    return [
        node.name for node in model.graph.node
        if node.op_type == "MatMul" and len(shapes.get(node.input[1], ())) == 2
        and shapes[node.input[1]][0] > shapes[node.input[1]][1]
    ]


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _parts(model: Any) -> tuple[Any, str]:
    """The transformer module and the pooling mode of a text sentence-transformers model."""
    modules = list(model)
    transformer = modules[0] if modules else None
    if transformer is None or not hasattr(transformer, "auto_model"):
        raise ConfigError("the embedding model does not start with a transformer; "
                          "set CPTCITE_EMBEDDING_BACKEND=torch")
    pooler = next((m for m in modules[1:] if hasattr(m, "pooling_mode")), None)
    pooling = pooler.pooling_mode if pooler is not None else ""
    if pooling not in _POOLINGS or not getattr(pooler, "include_prompt", True):
        raise ConfigError(f"the embedding model pools by {pooling or 'nothing'!r}, not by mean "
                          "or CLS over every token; set CPTCITE_EMBEDDING_BACKEND=torch")
    return transformer, pooling


def _encoder(net: Any, pooling: str, token_types: bool) -> Any:
    """A module from token ids and mask to pooled sentence vectors (the runtime normalises
    them, as the Embedder contract asks of every model); torch is imported only here."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            extra = {"token_type_ids": torch.zeros_like(input_ids)} if token_types else {}
            hidden = self.net(input_ids=input_ids, attention_mask=attention_mask,
                              **extra).last_hidden_state
            if pooling == "cls":
                return hidden[:, 0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    return Encoder()
