"""Example narratives in coding material: where they are, and the codes each one names.

Examples often combine codes the page's own rules forbid, so their sentences must not give
rules; instead each example becomes an ``ExampleClaim`` (quoted from one chunk) that the audit
can compare with the rules.
"""

from __future__ import annotations

import re

from knowledge.codes import CODE_PATTERN, codes_in
from knowledge.example_lines import example_lines
from knowledge.models import Chunk, ExampleClaim
from knowledge.sentences import paragraph_spans

__all__ = ["Span", "code_sentences", "example_claim", "example_spans", "place_examples"]

Span = tuple[int, int]
_I = re.IGNORECASE

_EXAMPLE_MARK = re.compile(
    r"^[\W_]*(?:clinical\s+)?(?:example|case|scenario|vignette)(?:\s*#?\s*(?:\d+|[A-Z]\b))?\s*[:.)]",
    _I,
)
# Several examples glued into one paragraph: "... catheter. , During a ..."
_EXAMPLE_SEP = re.compile(r"(?<=[.!?])\s+,\s+")
_NARRATIVE = re.compile(r"\b(?:patient|undergo(?:es|ne)?|surgeon|physician|presents)\b", _I)
_PAREN_CODE = re.compile(rf"\(\s*{CODE_PATTERN}\s*\)")
_EXAMPLES_HEADING = re.compile(
    r"^[\W_]*(?:clinical\s+)?(?:examples?|case\s+stud(?:y|ies)|scenarios?|vignettes?)[\W_]*$", _I
)
_MAX_LABEL_CHARS = 60


def _is_section_break(para: str) -> bool:
    """A heading paragraph ("## Billing", "Related codes") ends an examples section."""
    line = para.strip()
    return line.startswith("#") or (
        "\n" not in line and len(line) <= _MAX_LABEL_CHARS and line[-1] not in ".!?:)"
    )


_ITEM = re.compile(r"^[^\S\n]*(?:[-*\u2022]|\d{1,2}[.)])\s")


def _narrates(text: str) -> bool:
    return bool(_NARRATIVE.search(text) and _PAREN_CODE.search(text) and len(codes_in(text)) >= 2)


def _items(text: str, start: int, end: int) -> list[Span]:
    """The list items of the paragraph ``text[start:end]`` (one line each, with the lines
    that continue it), or the whole paragraph when it is no list."""
    lines = text[start:end].split("\n")
    if not _ITEM.match(lines[0]):
        return [(start, end)]
    bounds: list[int] = []
    pos = start
    for line in lines:
        if _ITEM.match(line):
            bounds.append(pos)
        pos += len(line) + 1
    return list(zip(bounds, [*(b - 1 for b in bounds[1:]), end], strict=True))


def example_spans(text: str, sentences: list[Span]) -> list[Span]:
    """Spans of ``text`` that narrate example encounters, one span per example.

    A paragraph holds examples when one of its sentences starts with a label ("Example 1:",
    "Case:", "Scenario 2."), when it follows an "Examples" heading (up to the next heading),
    or when it narrates (a patient, a surgeon, ...) with at least two codes, one of them in
    parentheses. Its examples start at each label and at each " , " between sentences.
    """
    spans: list[Span] = []
    under_heading = False
    for p_start, p_end in paragraph_spans(text):
        para = text[p_start:p_end]
        if _EXAMPLES_HEADING.match(para):
            under_heading = True
            continue
        if under_heading and _is_section_break(para):
            under_heading = False
        labels = [
            s for s, e in sentences if p_start <= s < p_end and _EXAMPLE_MARK.match(text[s:e])
        ]
        marked = bool(labels) or under_heading
        if not marked:
            # A list is read item by item: a rule item beside a narrating one is no example.
            spans.extend(
                (s, e) for s, e in _items(text, p_start, p_end)
                if _narrates(text[s:e]) and (s, e) != (p_start, p_end) and _ITEM.match(text[s:e])
            )
        if not marked and (_ITEM.match(para) or not _narrates(para)):
            continue
        first = min(labels) if labels and not under_heading else p_start
        cuts = [m.end() + p_start for m in _EXAMPLE_SEP.finditer(para)]
        bounds = sorted({first, *labels, *(c for c in cuts if c > first)})
        for s, e in zip(bounds, [*bounds[1:], p_end], strict=True):
            piece = text[s:e]
            if not codes_in(piece):
                continue
            if not marked and not (_NARRATIVE.search(piece) and len(codes_in(piece)) >= 2):
                continue
            spans.append((s, e))
    return spans


def code_sentences(text: str, sentences: list[Span], span: Span) -> list[Span]:
    """The sentences of an example (clipped to it) that name codes."""
    out: list[Span] = []
    for a, b in sentences:
        a, b = max(a, span[0]), min(b, span[1])
        while a < b and (text[a].isspace() or text[a] == ","):
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b and codes_in(text[a:b]):
            out.append((a, b))
    return out


def example_claim(chunk: Chunk, text: str, start: int, end: int) -> ExampleClaim:
    """An ExampleClaim quoting ``chunk.text[start:end]``, reporting what the example's
    ``text`` reports (``knowledge.example_lines``)."""
    lines = example_lines(text)
    return ExampleClaim(
        codes=lines.codes,
        source=chunk.source,
        chunk_id=chunk.chunk_id,
        quote=chunk.text[start:end],
        start=start,
        end=end,
        modifiers=lines.modifiers,
        apart=lines.apart,
    )


def place_examples(
    text: str, sentences: list[Span], spans: list[Span], placed: list[tuple[Chunk, int]]
) -> list[ExampleClaim]:
    """Examples found in the document text, each quoted from one chunk.

    The codes are those the whole example reports; when a chunk boundary cuts an example, the
    quote is its code sentences inside the chunk that holds most of them.
    """
    claims: list[ExampleClaim] = []
    for span in spans:
        parts = code_sentences(text, sentences, span)
        whole = "\n".join(text[a:b] for a, b in parts)
        best: tuple[Chunk, list[Span]] | None = None
        for chunk, base in placed:
            end = base + len(chunk.text)
            inside = [(a - base, b - base) for a, b in parts if base <= a and b <= end]
            if inside and (best is None or len(inside) > len(best[1])):
                best = (chunk, inside)
        if best is not None:
            chunk, inside = best
            claims.append(example_claim(chunk, whole, inside[0][0], inside[-1][1]))
    return claims
