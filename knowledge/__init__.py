"""The knowledge base: models, settings, errors, embedder, store and the rule module.

Only light names are re-exported here; the store, library and embedder live in their modules
(``knowledge.library``, ``knowledge.embedder``) so that importing models stays cheap.
"""

from knowledge.errors import (
    AssistantError,
    ClaimError,
    ConfigError,
    EmptyIndexError,
    IngestError,
    QuestionError,
    UnknownSourceError,
)
from knowledge.models import (
    Answer,
    AuditFinding,
    Chunk,
    Citation,
    ClaimLine,
    CodeRules,
    DocumentRules,
    ExampleClaim,
    Finding,
    Hit,
    IngestReport,
    IngestResult,
    Provenance,
    RetrievedChunk,
    SeeAlso,
    SourceDocument,
    Verdict,
)
from knowledge.settings import Settings

__all__ = [
    "Answer",
    "AssistantError",
    "AuditFinding",
    "Chunk",
    "Citation",
    "ClaimError",
    "ClaimLine",
    "CodeRules",
    "ConfigError",
    "DocumentRules",
    "EmptyIndexError",
    "ExampleClaim",
    "Finding",
    "Hit",
    "IngestError",
    "IngestReport",
    "IngestResult",
    "Provenance",
    "QuestionError",
    "RetrievedChunk",
    "SeeAlso",
    "Settings",
    "SourceDocument",
    "UnknownSourceError",
    "Verdict",
]
