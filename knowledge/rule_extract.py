"""Deterministic rule extraction from one document: sentences in, ``DocumentRules`` out.

This module walks a document's chunks and merges what their sentences state, per code. What
one sentence says is read by ``knowledge.rule_phrases`` (``read_sentence``); example
narratives, which never give rules but become ``ExampleClaim``s, are found by
``knowledge.rule_examples`` (``example_spans``). Both names are re-exported here.

Which code a sentence is about (its *subject*):
- a code written before the rule phrase ("Use 99930 in conjunction with ...", "Do not report
  99930 with ...", "Code 99930 is an add-on code");
- otherwise, when the sentence refers back ("This code", "It", an imperative "(Use in
  conjunction with ...)"), the code of the current section: the last heading naming exactly
  one code before the sentence (a Markdown heading or a short line such as
  "2025 CPT code 99930"), else the code named by the document title.
A sentence with a noun subject that is no code ("Imaging should be reported with ...") gives
no rule. Sentences inside example narratives never give rules (see ``example_spans``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.code_entries import entry_code, is_note
from knowledge.codes import find_codes
from knowledge.models import (
    Chunk,
    CodeRules,
    DocumentRules,
    ExampleClaim,
    PairEdit,
    Provenance,
    SeeAlso,
    SourceDocument,
)
from knowledge.rule_edits import read_edits
from knowledge.rule_examples import (
    Span,
    code_sentences,
    example_claim,
    example_spans,
    place_examples,
)
from knowledge.rule_phrases import SentenceRule, read_sentence
from knowledge.sentences import split_sentences

__all__ = ["SentenceRule", "example_spans", "extract_rules", "read_sentence", "section_marks"]

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_EXAMPLE_LINE = re.compile(r"^\W*(?:clinical\s+)?(?:example|case|scenario)\b", re.IGNORECASE)
_MAX_HEADING_CHARS = 80
_DESCRIPTOR_WORDS = 2  # words a title needs, besides "CPT code", to describe the procedure
_TITLE_WORDS = frozenset({"cpt", "code", "codes", "hcpcs", "fictional"})
_MAX_HEADING_WORDS = 12


@dataclass
class _Acc:
    """Rules for one code, as they accumulate over a document."""

    add_on: bool = False
    primary: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    separate: set[str] = field(default_factory=set)
    separate_modifier: set[str] = field(default_factory=set)
    see_also: dict[str, set[str]] = field(default_factory=dict)
    modifiers: dict[str, str] = field(default_factory=dict)
    unit_limit: int | None = None
    pair_edits: dict[tuple[str, str, str, str], PairEdit] = field(default_factory=dict)
    provenance: list[Provenance] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)


def section_marks(text: str) -> list[tuple[int, str]]:
    """Offsets of heading-like lines that name exactly one code, as ``(offset, code)``.

    >>> section_marks("Intro\\n\\n2025 CPT code 99901\\n\\nThis is an add-on code.")
    [(7, '99901')]
    """
    marks: list[tuple[int, str]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if _is_heading(line):
            marks.append((offset, find_codes(line)[0][0]))
        offset += len(line)
    return marks


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    codes = {c for c, _, _ in find_codes(stripped)}
    if len(codes) != 1:
        return False
    if _MD_HEADING.match(line):
        return True
    # A short line that is not a sentence, a parenthetical note or an example label.
    return (
        len(stripped) <= _MAX_HEADING_CHARS
        and len(stripped.split()) <= _MAX_HEADING_WORDS
        and not stripped.startswith("(")
        and stripped[-1] not in ".,;:)!?"
        and not _EXAMPLE_LINE.match(stripped)
    )


def _descriptor(
    text: str, marks: list[tuple[int, str]], sentences: list[Span]
) -> tuple[str, Span] | None:
    """The page's code descriptor: its title line when the title describes the procedure
    ("Code 99931 (fictional): endoscopic laser lithotripsy of a bladder stone, add-on"), else
    the sentence after a bare title ("2025 CPT code 50706" / "Balloon dilation of ...").
    Returned with the title's code, as a span of ``text``; None without a code title."""
    if not marks:
        return None
    offset, code = marks[0]
    if any(s < offset and _is_title_like(text[s:e]) for s, e in sentences):
        return None  # a heading comes first: the page is not about one code ("Claims Note ...")
    following = [(s, e) for s, e in sentences if s >= offset]
    if not following:
        return None
    title = following[0]
    words = [w for w in re.findall(r"[^\W\d_]{3,}", text[title[0] : title[1]])
             if w.lower() not in _TITLE_WORDS]
    if len(words) >= _DESCRIPTOR_WORDS:
        return code, title
    if len(following) > 1 and not _is_title_like(text[slice(*following[1])]):
        return code, following[1]
    return None


def _is_title_like(sentence: str) -> bool:
    stripped = sentence.strip()
    return bool(stripped) and (
        stripped.startswith("#") or stripped[-1] not in ".!?;:" and len(stripped.split()) <= 12
    )


def _title_code(title: str) -> str | None:
    codes = sorted({c for c, _, _ in find_codes(title)})
    return codes[0] if len(codes) == 1 else None


def _subject_at(marks: list[tuple[int, str]], offset: int, default: str | None) -> str | None:
    subject = default
    for mark_offset, code in marks:
        if mark_offset > offset:
            break
        subject = code
    return subject


def _chunk_base(doc: SourceDocument, chunk: Chunk) -> int:
    """Where the chunk's text sits in the document text (-1 when it cannot be found)."""
    if doc.text[chunk.start : chunk.end] == chunk.text:
        return chunk.start
    return doc.text.find(chunk.text)


def _add(acc: _Acc, rule: SentenceRule, prov: Provenance) -> None:
    if rule.kind == "add_on":
        acc.add_on = True
    elif rule.kind == "primary":
        acc.primary.update(rule.codes)
    elif rule.kind == "excluded":
        acc.excluded.update(rule.codes)
    elif rule.kind == "separate":
        acc.separate.update(rule.codes)
    elif rule.kind == "separate_modifier":
        acc.separate_modifier.update(rule.codes)
    elif rule.kind == "see_also":
        acc.see_also.setdefault(rule.when, set()).update(rule.codes)
    elif rule.kind == "modifier":
        for mod, meaning in rule.modifiers:
            if meaning or mod not in acc.modifiers:
                acc.modifiers[mod] = meaning
    elif rule.kind == "unit_limit":
        # Two limits for one code in one document: the stricter one holds.
        limit = int(rule.values[0])
        acc.unit_limit = limit if acc.unit_limit is None else min(acc.unit_limit, limit)
    elif rule.kind == "pair_edit":
        indicator, effective, deleted = rule.values
        for code in rule.codes:
            edit = PairEdit(
                column2=code, indicator=indicator, effective=effective, deleted=deleted  # type: ignore[arg-type]
            )
            acc.pair_edits[(code, indicator, effective, deleted)] = edit
    # Overlapping chunks repeat sentences: one provenance per rule and quote is enough.
    key = (rule.kind, prov.quote)
    if key not in acc.seen:
        acc.seen.add(key)
        acc.provenance.append(prov)


def _inside(spans: list[Span], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def extract_rules(doc: SourceDocument, chunks: list[Chunk]) -> DocumentRules:
    """Read the rules and example claims that ``doc``'s chunks state (pure, deterministic).

    Every rule carries a Provenance whose ``quote`` is the verbatim sentence and
    ``chunk.text[start:end] == quote``; so does every ExampleClaim.
    """
    title_code = _title_code(doc.title)
    doc_marks = section_marks(doc.text)
    doc_sentences = split_sentences(doc.text)
    descriptor = _descriptor(doc.text, doc_marks, doc_sentences)
    doc_examples = example_spans(doc.text, doc_sentences)
    ordered = sorted(chunks, key=lambda c: (c.position, c.chunk_id))
    bases = {c.chunk_id: _chunk_base(doc, c) for c in ordered}
    placed = [(c, bases[c.chunk_id]) for c in ordered if bases[c.chunk_id] >= 0]
    examples = place_examples(doc.text, doc_sentences, doc_examples, placed)
    accs: dict[str, _Acc] = {}
    entry: str | None = None  # the code whose code-book entry the text is in (chunks in order)
    for chunk in ordered:
        base = bases[chunk.chunk_id]
        sentences = split_sentences(chunk.text)
        if base >= 0:
            marks = doc_marks
            ex_spans = [(s - base, e - base) for s, e in doc_examples]
        else:  # a chunk whose text is not in the document: read it on its own
            marks, base = section_marks(chunk.text), 0
            ex_spans = example_spans(chunk.text, sentences)
            for span in ex_spans:
                parts = code_sentences(chunk.text, sentences, span)
                if parts:
                    text = chunk.text[parts[0][0] : parts[-1][1]]
                    examples.append(example_claim(chunk, text, parts[0][0], parts[-1][1]))
        for start, end in sentences:
            if _inside(ex_spans, start, end):
                continue
            quote = chunk.text[start:end]
            context = _subject_at(marks, base + start, title_code)
            if (opening := entry_code(quote)) is not None:
                entry = opening
            elif is_note(quote) and entry is not None:
                # "+99931 Laser fragmentation ..." then "(List separately in addition to ...)":
                # a note under an entry is about the entry's code.
                context = entry
            else:
                entry = None
            rules = read_sentence(quote, context) + read_edits(quote, context)
            if descriptor is not None and bases[chunk.chunk_id] >= 0 and (
                base + start == descriptor[1][0]
            ):
                rules.append(SentenceRule("descriptor", (descriptor[0],)))
            for rule in rules:
                prov = Provenance(
                    rule=rule.kind,
                    source=chunk.source,
                    chunk_id=chunk.chunk_id,
                    quote=quote,
                    start=start,
                    end=end,
                )
                for code in rule.subjects:
                    _add(accs.setdefault(code, _Acc()), rule, prov)
    return DocumentRules(
        doc_id=doc.doc_id,
        source=doc.source,
        rules=[_freeze(code, acc) for code, acc in sorted(accs.items())],
        examples=_unique_examples(examples),
    )


def _freeze(code: str, acc: _Acc) -> CodeRules:
    return CodeRules(
        code=code,
        add_on=acc.add_on,
        primary_codes=sorted(acc.primary - {code}),
        excluded_codes=sorted(acc.excluded - {code}),
        separate_codes=sorted(acc.separate - {code}),
        separate_with_modifier=sorted(acc.separate_modifier - {code}),
        see_also=[SeeAlso(when=w, codes=sorted(c)) for w, c in sorted(acc.see_also.items())],
        modifiers=sorted(acc.modifiers),
        modifier_meanings=dict(sorted(acc.modifiers.items())),
        unit_limit=acc.unit_limit,
        pair_edits=[acc.pair_edits[k] for k in sorted(acc.pair_edits)],
        provenance=acc.provenance,
    )


def _unique_examples(examples: list[ExampleClaim]) -> list[ExampleClaim]:
    seen: set[tuple[tuple[str, ...], str]] = set()
    out: list[ExampleClaim] = []
    for ex in examples:
        key = (tuple(ex.codes), ex.quote)
        if key not in seen:
            seen.add(key)
            out.append(ex)
    return out
