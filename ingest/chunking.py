"""Split a cleaned document into chunks whose text is an exact slice of the document.

Rules, in order of priority:

1. ``chunk.text == text[chunk.start:chunk.end]``, always; chunks never overlap unless
   ``overlap`` asks for it, and every letter or digit of the text is in some chunk.
2. A paragraph (blank-line separated) that fits in ``chunk_size`` is kept whole.
3. A longer paragraph is cut at sentence ends (``knowledge.sentences``); a single sentence
   longer than ``chunk_size`` is cut at spaces, and a word longer than that is cut anywhere.
4. Adjacent pieces are merged while the merged slice fits in ``chunk_size``, except that a
   long (split) paragraph always starts a new chunk: its first sentence usually introduces
   it ("Example 1: ...", "In simple words: ...") and should not end the previous chunk.
5. Headings: a heading-like paragraph (one short line that does not end like a sentence, or a
   Markdown ``#`` line) always starts a new chunk and is merged with what FOLLOWS it, never
   with what precedes it. A title thus travels with its section: "Modifier guidance" next to
   the text it names retrieves better than a title alone or a title glued to the end of the
   previous section. Consecutive headings stay together.
6. ``overlap`` (characters): chunks are first built as above with ``chunk_size - overlap``
   as the size, then each one after the first is extended back over the last whole sentences
   of the previous chunk, as many as fit in ``overlap`` (never the whole previous chunk). So
   no chunk grows past ``chunk_size``, except a single word longer than it.

7. ``structure`` (``ingest.structure.Rendered``): when a loader knows the document's
   headings, they alone are headings (rule 5; a short table row or list line is no heading),
   and each chunk's ``meta["section"]`` is the heading path in effect at its end
   ("Payment rules > Knee arthroscopy"): chunks follow sections, and search reads each unit
   with its section.

Chunk ids hash (doc_id, position, text, meta) so the same content gets the same id.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import re
from typing import NamedTuple

from ingest.structure import Rendered
from knowledge.models import SECTION_SEPARATOR, Chunk, MetaValue
from knowledge.sentences import paragraph_spans, split_sentences

__all__ = ["chunk_document", "chunk_id_for"]

Span = tuple[int, int]

_WORD = re.compile(r"\w")
_SENTENCE_END = tuple(".!?。！？؟…")
_HEADING_MAX_CHARS = 100
_HEADING_MAX_WORDS = 14


class _Piece(NamedTuple):
    start: int
    end: int
    heading: bool
    opens: bool  # starts a new chunk unless that chunk holds only headings so far


def chunk_document(
    doc_id: str,
    source: str,
    text: str,
    *,
    chunk_size: int = 700,
    overlap: int = 0,
    structure: Rendered | None = None,
) -> list[Chunk]:
    """Chunks of ``text`` in reading order, ``position`` 0..n-1 (see the module docstring).

    Raises ValueError when ``chunk_size`` <= 0 or ``overlap`` is not in [0, chunk_size).
    Example: ``chunk_document("d1", "guide.md", clean_text(raw), chunk_size=700)``.
    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be > 0, got {chunk_size}")
    if not 0 <= overlap < chunk_size:
        raise ValueError(f"overlap must be >= 0 and < chunk_size ({chunk_size}), got {overlap}")
    sentences = split_sentences(text)
    # Leave room for the repeated sentences, so that chunks still fit in chunk_size.
    budget = chunk_size - overlap
    headings = frozenset(structure.headings) if structure is not None else None
    spans = _merge(_pieces(text, sentences, budget, headings), budget)
    if overlap:
        spans = _with_overlap(spans, sentences, chunk_size, overlap)
    starts = [s for s, _ in sentences]
    ends = [e for _, e in sentences]
    chunks: list[Chunk] = []
    for position, (start, end) in enumerate(spans):
        body = text[start:end]
        # sentences touching [start, end): those ending after start and starting before end
        n_sentences = bisect.bisect_left(starts, end) - bisect.bisect_right(ends, start)
        meta: dict[str, MetaValue] = {"sentences": max(n_sentences, 0)}
        if structure is not None and (path := structure.path_at(max(start, end - 1))):
            meta["section"] = SECTION_SEPARATOR.join(path)
        chunks.append(
            Chunk(
                chunk_id=chunk_id_for(doc_id, position, body, meta),
                doc_id=doc_id,
                source=source,
                position=position,
                text=body,
                start=start,
                end=end,
                meta=meta,
            )
        )
    return chunks


def chunk_id_for(doc_id: str, position: int, text: str, meta: dict[str, MetaValue]) -> str:
    """The stable id of a chunk: sha256 of its document, position, text and meta (32 hex)."""
    # Sort keys so that meta order does not change the id.
    payload = json.dumps(
        [doc_id, position, text, json.dumps(meta, sort_keys=True)], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def _is_heading(par: str) -> bool:
    if par.startswith("#"):
        return True
    if "\n" in par or len(par) > _HEADING_MAX_CHARS or par.startswith(("|", "- ", "* ", "• ")):
        return False
    return len(par.split()) <= _HEADING_MAX_WORDS and not par.endswith(_SENTENCE_END)


def _pieces(
    text: str, sentences: list[Span], size: int, headings: frozenset[Span] | None = None
) -> list[_Piece]:
    """Whole paragraphs that fit, else their sentences, else words; skip pieces with no word.
    ``headings``: the heading spans when the loader knows them (else a heading is guessed)."""
    starts = [s for s, _ in sentences]
    out: list[_Piece] = []
    for p_start, p_end in paragraph_spans(text):
        if not _WORD.search(text, p_start, p_end):
            continue  # a rule line such as "***" or "---" is not worth a chunk
        if p_end - p_start <= size:
            heading = (
                (p_start, p_end) in headings if headings is not None
                else _is_heading(text[p_start:p_end])
            )
            out.append(_Piece(p_start, p_end, heading, heading))
            continue
        i = bisect.bisect_left(starts, p_start)
        first = len(out)
        while i < len(sentences) and sentences[i][1] <= p_end:
            s_start, s_end = sentences[i]
            for a, b in _word_pieces(text, s_start, s_end, size):
                if _WORD.search(text, a, b):  # a lone "?" cut off a long sentence is dropped
                    out.append(_Piece(a, b, False, len(out) == first))
            i += 1
    return out


def _word_pieces(text: str, start: int, end: int, size: int) -> list[Span]:
    """Cut ``text[start:end]`` at spaces into slices of at most ``size`` characters (one
    slice when it already fits)."""
    out: list[Span] = []
    pos = start
    while end - pos > size:
        cut = pos + size
        while cut > pos and not text[cut].isspace():
            cut -= 1
        if cut == pos:  # one word longer than size: cut inside it
            cut = pos + size
        piece_end = cut
        while piece_end > pos and text[piece_end - 1].isspace():
            piece_end -= 1
        out.append((pos, piece_end))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    if pos < end:
        out.append((pos, end))
    return out


def _merge(pieces: list[_Piece], size: int) -> list[Span]:
    """Greedily merge adjacent pieces up to ``size``; headings and long paragraphs open a chunk."""
    spans: list[Span] = []
    cur_start = cur_end = -1
    only_headings = False
    for piece in pieces:
        if cur_start < 0:
            cur_start, cur_end, only_headings = piece.start, piece.end, piece.heading
        elif (piece.opens and not only_headings) or piece.end - cur_start > size:
            spans.append((cur_start, cur_end))
            cur_start, cur_end, only_headings = piece.start, piece.end, piece.heading
        else:
            cur_end = piece.end
            only_headings = only_headings and piece.heading
    if cur_start >= 0:
        spans.append((cur_start, cur_end))
    return spans


def _with_overlap(spans: list[Span], sentences: list[Span], size: int, overlap: int) -> list[Span]:
    """Move each chunk's start back over whole sentences of the previous chunk."""
    starts = [s for s, _ in sentences]
    out = spans[:1]
    for (prev_start, _), (start, end) in itertools.pairwise(spans):
        new_start = start
        i = bisect.bisect_left(starts, start) - 1
        while i >= 0:
            s_start, s_end = sentences[i]
            if s_start <= prev_start or s_end > start:  # never swallow the whole previous chunk
                break
            if start - s_start > overlap or end - s_start > size:
                break
            new_start = s_start
            i -= 1
        out.append((new_start, end))
    return out
