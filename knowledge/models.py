"""Frozen pydantic models for everything that crosses a package line.

Field names follow ../shared/CONTRACT.md: add fields, never rename or drop one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SECTION_SEPARATOR",
    "Answer",
    "AuditFinding",
    "Chunk",
    "Citation",
    "ClaimLine",
    "CodeRules",
    "DocumentRules",
    "ExampleClaim",
    "Finding",
    "Hit",
    "IngestReport",
    "IngestResult",
    "PairEdit",
    "Provenance",
    "RetrievedChunk",
    "SeeAlso",
    "SentenceHit",
    "SourceDocument",
    "Verdict",
]

MetaValue = str | int | float | bool
#: Between the headings of a chunk's ``meta["section"]`` ("Fee schedule > Payment rules").
SECTION_SEPARATOR = " > "


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- documents and chunks -------------------------------------------------------------


class SourceDocument(_Frozen):
    """One ingested file: its cleaned text and where it came from."""

    doc_id: str
    source: str = Field(description="the name the user knows it by (file name)")
    content_hash: str = Field(description="sha256 of the raw bytes")
    text: str = Field(description="cleaned text; chunk offsets point into it")
    media_type: str = "text/plain"
    title: str = ""
    version: int = 1


class Chunk(_Frozen):
    """A passage of a document; ``start``/``end`` are offsets into the document text."""

    chunk_id: str
    doc_id: str
    source: str
    position: int = Field(ge=0)
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    meta: dict[str, MetaValue] = Field(default_factory=dict)


class Hit(_Frozen):
    """A chunk with a retrieval score (higher is better)."""

    chunk: Chunk
    score: float


class SentenceHit(_Frozen):
    """A sentence of a chunk (``chunk.text[start:end]``) with a retrieval score."""

    chunk: Chunk
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float

    @property
    def text(self) -> str:
        """The sentence, verbatim."""
        return self.chunk.text[self.start : self.end]


# --- citations and rules -------------------------------------------------------------


class Citation(_Frozen):
    """A verbatim quote: ``chunk.text[start:end] == quote``."""

    n: int = Field(ge=1)
    source: str
    chunk_id: str
    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Provenance(_Frozen):
    """Where a rule came from: the rule kind and the verbatim sentence stating it."""

    rule: str = Field(
        description=(
            "add_on | stand_alone | primary | excluded | separate | see_also | modifier"
            " | included | descriptor | pair_edit | unit_limit | separate_modifier"
        )
    )
    source: str
    chunk_id: str
    quote: str
    start: int = Field(0, ge=0, description="offset of quote in the chunk text")
    end: int = Field(0, ge=0)


class SeeAlso(_Frozen):
    """'For <situation> use <codes>'."""

    when: str
    codes: list[str]


class PairEdit(_Frozen):
    """A procedure-to-procedure (PTP) edit read from a table row: the column-2 code is not paid
    with the column-1 code (the ``CodeRules.code`` holding it) unless the modifier indicator
    allows a bypass: ``0`` never, ``1`` with a distinct-service modifier, ``9`` no edit."""

    column2: str
    indicator: Literal["0", "1", "9"]
    effective: str = Field("", description="ISO date the edit starts; empty when not given")
    deleted: str = Field("", description="ISO date the edit ends; empty while active")


class CodeRules(_Frozen):
    """Everything the materials say about one code (CONTRACT.md, `knowledge rules`)."""

    code: str
    add_on: bool = False
    primary_codes: list[str] = Field(default_factory=list)
    excluded_codes: list[str] = Field(default_factory=list)
    # Codes the materials say may be reported separately beside this one (not primaries).
    separate_codes: list[str] = Field(default_factory=list)
    # Codes that may stand beside this one when a distinct-service modifier (59, X{EPSU}) marks
    # the separate service ("report 99991 and 99992 with modifier -59").
    separate_with_modifier: list[str] = Field(default_factory=list)
    see_also: list[SeeAlso] = Field(default_factory=list)
    modifiers: list[str] = Field(default_factory=list)
    modifier_meanings: dict[str, str] = Field(default_factory=dict)
    # Medically unlikely edit: the most units of this code per date of service.
    unit_limit: int | None = Field(None, ge=0)
    pair_edits: list[PairEdit] = Field(default_factory=list)
    provenance: list[Provenance] = Field(default_factory=list)


class ClaimLine(_Frozen):
    """One line of a claim: ``50706-50x2`` is code 50706, modifiers ['50'], 2 units."""

    code: str
    modifiers: list[str] = Field(default_factory=list)
    units: int = Field(1, ge=1)


class Finding(_Frozen):
    """One observation of the claim checker."""

    severity: Literal["error", "warning", "info"]
    code: str
    message: str
    rule: str
    citations: list[Citation] = Field(default_factory=list)


class Verdict(_Frozen):
    """The checker's decision on a claim."""

    status: Literal["allowed", "not_allowed", "missing_primary", "unknown"]
    codes: list[str]
    findings: list[Finding] = Field(default_factory=list)


class AuditFinding(_Frozen):
    """A place where the materials contradict their own rules or each other."""

    kind: str
    codes: list[str]
    message: str
    citations: list[Citation] = Field(default_factory=list)


# --- ingest --------------------------------------------------------------------------


class IngestResult(_Frozen):
    """The outcome for one file."""

    source: str
    doc_id: str
    status: Literal["added", "unchanged", "replaced", "rejected"]
    chunks: int = 0
    error: str | None = None
    # A claim-edit table kept in the edit store (not embedded): its rows stored.
    edit_rows: int = 0


class IngestReport(_Frozen):
    """The outcome of one ingest call (CONTRACT.md)."""

    documents: list[IngestResult]
    chunks_total: int

    @property
    def rejected(self) -> bool:
        """True when any file was rejected."""
        return any(d.status == "rejected" for d in self.documents)


# --- answers -------------------------------------------------------------------------


class RetrievedChunk(_Frozen):
    """A retrieved chunk as shown in an Answer."""

    chunk_id: str
    source: str
    score: float
    text: str


class Answer(_Frozen):
    """A grounded answer (CONTRACT.md, `retrieval ask --json`)."""

    question: str
    language: str
    refused: bool
    answer: str
    verdict: Verdict | None = None
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[RetrievedChunk] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


# --- per-document rule extraction (persisted in the registry) -------------------------


class ExampleClaim(_Frozen):
    """Codes an example in the materials reports together, with the sentence saying so."""

    codes: list[str]
    source: str
    chunk_id: str
    quote: str
    start: int = Field(0, ge=0)
    end: int = Field(0, ge=0)
    # The modifiers written on its codes ("99931-XS"; "on the right" is RT), and whether it
    # says its services were at different sites ("on separate lesions").
    modifiers: dict[str, list[str]] = Field(default_factory=dict)
    apart: bool = False


class DocumentRules(_Frozen):
    """What rule extraction found in one document."""

    doc_id: str
    source: str
    rules: list[CodeRules] = Field(default_factory=list)
    examples: list[ExampleClaim] = Field(default_factory=list)
