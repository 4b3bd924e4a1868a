"""Deterministic rule extraction from one document: sentences in, ``DocumentRules`` out.

Which code a sentence is about (its *subject*):
- a code written before the rule phrase ("Use 99930 in conjunction with ...", "Do not report
  99930 with ...", "Code 99930 is an add-on code");
- otherwise, when the sentence refers back ("This code", "It", an imperative "(Use in
  conjunction with ...)"), the code of the current section: the last heading naming exactly
  one code before the sentence (a Markdown heading or a short line such as
  "2025 CPT code 99930"), else the code named by the document title.
A sentence with a noun subject that is no code ("Imaging should be reported with ...") gives
no rule. Sentences inside example narratives never give rules (see ``example_spans``).

What is read: add-on status (and an explicit stand-alone statement, kept as provenance rule
``stand_alone`` so that merging can flag a conflict), primary codes ("should be used with",
"Use X in conjunction with", "may be billed together with", "accepts X with"), excluded codes
(the same with a negation: not, never, cannot, denies, mutually exclusive), see-also lists
("For <situation>, use/see <codes>", the situation kept as ``when``), and modifiers ("-50
(bilateral procedure)", "modifier RT") with the meaning given in parentheses. Codes are
exactly those written (``knowledge.codes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from knowledge.codes import codes_in, find_codes, read_code_list
from knowledge.models import (
    Chunk,
    CodeRules,
    DocumentRules,
    ExampleClaim,
    Provenance,
    SeeAlso,
    SourceDocument,
)
from knowledge.sentences import paragraph_spans, split_sentences

__all__ = ["SentenceRule", "example_spans", "extract_rules", "read_sentence", "section_marks"]

Span = tuple[int, int]

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_EXAMPLE_LINE = re.compile(r"^\W*(?:clinical\s+)?(?:example|case|scenario)\b", re.IGNORECASE)
_MAX_HEADING_CHARS = 80
_MAX_HEADING_WORDS = 12


# --- phrases -------------------------------------------------------------------------

_I = re.IGNORECASE
_STAND_ALONE = re.compile(r"\bis\s+(?:a\s+stand-?\s?alone|not\s+an?\s+add-?\s?on)\b", _I)
_ADD_ON = [
    re.compile(r"\b(?:is|as)\s+an?\s+(?:\w+\s+)?add-?\s?on\s+(?:code|procedure|service|to)\b", _I),
    re.compile(r"\blist(?:ed)?\s+separately\s+in\s+addition\s+to\b", _I),
    re.compile(
        r"\b(?:must|should|shall|can|may|is\s+to|are\s+to)\s+(?:only\s+)?be\s+"
        r"(?:reported|billed|used|coded|listed|submitted)\s+(?:only\s+)?"
        r"(?:in\s+conjunction\s+with|together\s+with|along\s+with|with|in\s+addition\s+to)\s+"
        r"(?:(?:a|an|the|its|an\s+appropriate)\s+)?(?:code\s+for\s+(?:a\s+|the\s+)?)?"
        r"(?:primary|main|base|parent)\s+(?:procedure|service|code)",
        _I,
    ),
]
_LINK = re.compile(
    r"\b(?:in\s+conjunction\s+with|together\s+with|along\s+with|in\s+addition\s+to|with)\s+", _I
)
_VERB = re.compile(
    r"\b(?:use[ds]?|report(?:s|ed)?|bill(?:s|ed)?|coded|list(?:s|ed)?|submit(?:s|ted)?|"
    r"append(?:s|ed)?|assign(?:s|ed)?|reportable|billable|exclusive|accept(?:s|ed)?|"
    r"allow(?:s|ed)?|permit(?:s|ted)?|den(?:y|ies|ied)|disallow(?:s|ed)?)\b",
    _I,
)
_NEGATION = re.compile(
    r"\b(?:not|never|cannot|no|den(?:y|ies|ied)|disallow(?:s|ed)?|prohibit(?:s|ed)?)\b|n't\b|"
    r"\bmutually\s+exclusive\b",
    _I,
)
# Words that point back to the section's code: "This code", "It", "the add-on code".
_REFERENCE = re.compile(r"\b(?:it|this|the\s+(?:add-?\s?on\s+)?code|add-?\s?on\s+code)\b", _I)
_LEAD = re.compile(r"^[\s(\[*\u2022\-\u2013:]*(?:[A-Z][A-Za-z]*\s*:\s*)?", 0)
_IMPERATIVE = re.compile(
    r"^(?:(?:do\s+not|don't|never|not\s+to\s+be|only)\s+)?(?:use|report|bill|code|list|submit)\b",
    _I,
)
_SEE_ALSO = re.compile(
    r"^\W*(?:for|to\s+report)\s+(?P<when>.+?)\s*,?\s+(?:use|see|report|bill)\s+(?:also\s+)?"
    r"(?=(?:(?:add-?on\s+)?(?:codes?|cpt)\s+)?\d{4}[0-9FTUMftum](?![0-9A-Za-z]))",
    _I,
)
_MODIFIER_WORD = re.compile(r"\bmodifiers?\b", _I)
_MODIFIER = re.compile(
    r"(?:(?<![\w-])-\s?|\bmodifiers?\s+-?)(?P<m>[0-9A-Z]{2})(?![0-9A-Za-z])"
    r"(?:\s*\((?P<meaning>[^()]{2,80})\))?"
)
_SHORT_PREFIX_WORDS = 4


class SentenceRule(NamedTuple):
    """One rule a sentence states: ``kind`` for ``subjects`` with ``codes`` (and extras)."""

    kind: str
    subjects: tuple[str, ...]
    codes: tuple[str, ...] = ()
    when: str = ""
    modifiers: tuple[tuple[str, str], ...] = ()


def _last_list(text: str) -> list[str]:
    """The codes of the last code list written in ``text`` (the subject of what follows)."""
    found: list[str] = []
    pos = 0
    for code, start, _ in find_codes(text):
        if start < pos:
            continue
        lst = read_code_list(text, start)
        found, pos = lst.codes, lst.end
    return found


def _refers_back(prefix: str) -> bool:
    bare = _LEAD.sub("", prefix)
    return bool(_REFERENCE.search(prefix) or _IMPERATIVE.match(bare))


def _pair_rules(sentence: str, context: str | None) -> list[SentenceRule]:
    """'X should (not) be reported with LIST' and its imperative forms."""
    rules: list[SentenceRule] = []
    clause_start = 0
    previous: tuple[str, ...] = ()
    for link in _LINK.finditer(sentence):
        if link.start() < clause_start:
            continue
        listed = read_code_list(sentence, link.end())
        if not listed.codes:
            continue
        prefix = sentence[clause_start : link.start()]
        prefix = prefix[prefix.rfind(";") + 1 :]
        subjects: tuple[str, ...] = tuple(_last_list(prefix))
        if not _VERB.search(prefix):
            # "Use 99901 with 99902, not with 99903": a short clause inherits the subject.
            if not previous or len(prefix.split()) > _SHORT_PREFIX_WORDS:
                clause_start = listed.end
                continue
            subjects = subjects or previous
        elif not subjects:
            if context is None or not _refers_back(prefix):
                clause_start = listed.end
                continue
            subjects = (context,)
        kind = "excluded" if _NEGATION.search(prefix) else "primary"
        codes = tuple(c for c in listed.codes if c not in subjects)
        if codes:
            rules.append(SentenceRule(kind, subjects, codes))
        previous, clause_start = subjects, listed.end
    return rules


def read_sentence(sentence: str, context: str | None) -> list[SentenceRule]:
    """The rules one sentence states; ``context`` is the code of the section it sits in."""
    rules = _pair_rules(sentence, context)
    # An explicit "is not an add-on" wins over the add-on phrases it contains.
    for kind, pattern in [("stand_alone", _STAND_ALONE), *(("add_on", p) for p in _ADD_ON)]:
        m = pattern.search(sentence)
        if m is None:
            continue
        subjects = tuple(_last_list(sentence[: m.start()])) or ((context,) if context else ())
        if subjects:
            rules.append(SentenceRule(kind, subjects))
        break
    see = _SEE_ALSO.match(sentence)
    if see is not None and context is not None:
        listed = read_code_list(sentence, see.end())
        when = see.group("when").strip(" ,")
        rules.append(SentenceRule("see_also", (context,), tuple(listed.codes), when=when))
    if _MODIFIER_WORD.search(sentence):
        mods = tuple(
            (m.group("m"), (m.group("meaning") or "").strip()) for m in _MODIFIER.finditer(sentence)
        )
        named = sorted({c for c, _, _ in find_codes(sentence)})
        subjects = tuple(named) if len(named) == 1 else ((context,) if context else ())
        if mods and subjects:
            rules.append(SentenceRule("modifier", subjects, modifiers=mods))
    return rules


# --- examples ------------------------------------------------------------------------

_EXAMPLE_MARK = re.compile(
    r"^[\W_]*(?:clinical\s+)?(?:example|case|scenario|vignette)(?:\s*#?\s*(?:\d+|[A-Z]\b))?\s*[:.)]",
    _I,
)
# Several examples glued into one paragraph: "... catheter. , During a ..."
_EXAMPLE_SEP = re.compile(r"(?<=[.!?])\s+,\s+")
_NARRATIVE = re.compile(r"\b(?:patient|undergo(?:es|ne)?|surgeon|physician|presents)\b", _I)
_PAREN_CODE = re.compile(r"\(\s*\d{4}[0-9FTUMftum]\s*\)")


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
        if not marked and not (
            _NARRATIVE.search(para) and _PAREN_CODE.search(para) and len(codes_in(para)) >= 2
        ):
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


def _code_sentences(text: str, sentences: list[Span], span: Span) -> list[Span]:
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


def _example_claim(chunk: Chunk, codes: list[str], start: int, end: int) -> ExampleClaim:
    return ExampleClaim(
        codes=codes,
        source=chunk.source,
        chunk_id=chunk.chunk_id,
        quote=chunk.text[start:end],
        start=start,
        end=end,
    )


def _place_examples(
    text: str, sentences: list[Span], spans: list[Span], placed: list[tuple[Chunk, int]]
) -> list[ExampleClaim]:
    """Examples found in the document text, each quoted from one chunk.

    The codes are those of the whole example; when a chunk boundary cuts an example, the
    quote is its code sentences inside the chunk that holds most of them.
    """
    claims: list[ExampleClaim] = []
    for span in spans:
        parts = _code_sentences(text, sentences, span)
        codes = sorted({c for a, b in parts for c in codes_in(text[a:b])})
        best: tuple[Chunk, list[Span]] | None = None
        for chunk, base in placed:
            end = base + len(chunk.text)
            inside = [(a - base, b - base) for a, b in parts if base <= a and b <= end]
            if inside and (best is None or len(inside) > len(best[1])):
                best = (chunk, inside)
        if best is not None:
            chunk, inside = best
            claims.append(_example_claim(chunk, codes, inside[0][0], inside[-1][1]))
    return claims


@dataclass
class _Acc:
    """Rules for one code, as they accumulate over a document."""

    add_on: bool = False
    primary: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    see_also: dict[str, set[str]] = field(default_factory=dict)
    modifiers: dict[str, str] = field(default_factory=dict)
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
    elif rule.kind == "see_also":
        acc.see_also.setdefault(rule.when, set()).update(rule.codes)
    elif rule.kind == "modifier":
        for mod, meaning in rule.modifiers:
            if meaning or mod not in acc.modifiers:
                acc.modifiers[mod] = meaning
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
    doc_examples = example_spans(doc.text, doc_sentences)
    ordered = sorted(chunks, key=lambda c: (c.position, c.chunk_id))
    bases = {c.chunk_id: _chunk_base(doc, c) for c in ordered}
    placed = [(c, bases[c.chunk_id]) for c in ordered if bases[c.chunk_id] >= 0]
    examples = _place_examples(doc.text, doc_sentences, doc_examples, placed)
    accs: dict[str, _Acc] = {}
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
                parts = _code_sentences(chunk.text, sentences, span)
                if parts:
                    codes = codes_in(chunk.text[parts[0][0] : parts[-1][1]])
                    examples.append(_example_claim(chunk, codes, parts[0][0], parts[-1][1]))
        for start, end in sentences:
            if _inside(ex_spans, start, end):
                continue
            quote = chunk.text[start:end]
            context = _subject_at(marks, base + start, title_code)
            for rule in read_sentence(quote, context):
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
        see_also=[SeeAlso(when=w, codes=sorted(c)) for w, c in sorted(acc.see_also.items())],
        modifiers=sorted(acc.modifiers),
        modifier_meanings=dict(sorted(acc.modifiers.items())),
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
