"""Build extracted rules from text in tests: one chunk per blank-line paragraph."""

from __future__ import annotations

from pathlib import Path

from knowledge.models import Chunk, DocumentRules, SourceDocument
from knowledge.rule_extract import extract_rules
from knowledge.sentences import paragraph_spans

RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"


def paragraph_chunks(text: str, source: str) -> list[Chunk]:
    """One chunk per blank-line paragraph, with offsets into ``text``."""
    return [
        Chunk(chunk_id=f"{source}#{i}", doc_id=source, source=source, position=i,
              text=text[s:e], start=s, end=e)
        for i, (s, e) in enumerate(paragraph_spans(text))
    ]


def build_rules(
    text: str, source: str, chunks: list[Chunk] | None = None, title: str = ""
) -> DocumentRules:
    """The rules extracted from ``text`` (chunked by paragraph unless ``chunks`` is given)."""
    doc = SourceDocument(doc_id=source, source=source, content_hash="0", text=text, title=title)
    return extract_rules(doc, chunks if chunks is not None else paragraph_chunks(text, source))


def fixture_rules(name: str) -> DocumentRules:
    """The rules of a fixture page in tests/data/rules."""
    return build_rules((RULES_DIR / name).read_text(), name)
