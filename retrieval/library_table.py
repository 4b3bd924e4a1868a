"""The Library page's data: one row per document, the search over them, and what one
document was read as (its headings, tables and lists). Pure functions over a ``LibraryView``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from knowledge.codes import find_codes
from knowledge.library import LibraryView
from knowledge.models import SECTION_SEPARATOR, AuditFinding, CodeRules
from retrieval.source_view import table_row

__all__ = ["DocumentOutline", "DocumentRow", "document_outline", "document_rows", "filter_rows"]

_TYPES = {
    "text/plain": "TXT",
    "text/markdown": "Markdown",
    "text/html": "HTML",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
}


@dataclass(frozen=True)
class DocumentRow:
    """One line of the Library table."""

    doc_id: str
    name: str
    title: str
    kind: str
    size_kb: float
    units: int
    codes: tuple[str, ...]
    rules: int
    updated: str
    status: str  # "added" (first version) or "replaced"


@dataclass(frozen=True)
class DocumentOutline:
    """A document as it was read: headings (with their depth), table rows (cells with their
    headers, by table heading), list items (by heading)."""

    headings: tuple[tuple[int, str], ...]
    tables: tuple[tuple[str, tuple[tuple[tuple[str, str], ...], ...]], ...]
    lists: tuple[tuple[str, tuple[str, ...]], ...]


def document_kind(media_type: str) -> str:
    """A short name for a document's media type ("PDF", "DOCX", ...)."""
    return _TYPES.get(media_type, media_type.split("/")[-1].upper() or "?")


def document_rows(view: LibraryView, updated: Mapping[str, str]) -> list[DocumentRow]:
    """The Library table for ``view``; ``updated`` maps a doc_id to when it was stored."""
    rules_by_doc = {d.doc_id: d.rules for d in view.document_rules}
    rows: list[DocumentRow] = []
    for doc in view.documents:
        codes = tuple(sorted({c for c, _, _ in find_codes(doc.text)}))
        rows.append(
            DocumentRow(
                doc_id=doc.doc_id,
                name=doc.source,
                title=doc.title,
                kind=document_kind(doc.media_type),
                size_kb=round(len(doc.text.encode("utf-8")) / 1024, 1),
                units=len(view.by_doc.get(doc.doc_id, ())),
                codes=codes,
                rules=len(rules_by_doc.get(doc.doc_id, ())),
                updated=updated.get(doc.doc_id, "")[:16].replace("T", " "),
                status="added" if doc.version <= 1 else "replaced",
            )
        )
    return rows


def filter_rows(
    rows: Iterable[DocumentRow], text: str = "", kinds: Iterable[str] = (), code: str = ""
) -> list[DocumentRow]:
    """The rows whose name or title holds ``text`` (or that name it as a code), of one of
    ``kinds`` (any when empty), naming ``code`` (any when empty); case folded."""
    needle = text.strip().casefold()
    wanted = set(kinds)
    code = code.strip().upper()
    out = []
    for row in rows:
        if wanted and row.kind not in wanted:
            continue
        if code and code not in row.codes:
            continue
        if needle and not (
            needle in row.name.casefold() or needle in row.title.casefold()
            or needle.upper() in row.codes
        ):
            continue
        out.append(row)
    return out


def document_outline(view: LibraryView, doc_id: str) -> DocumentOutline:
    """How ``doc_id`` was read: its headings, its table rows with their column headers and its
    list items, each under the heading path it sits in."""
    headings: dict[str, int] = {}
    tables: dict[str, list[tuple[tuple[str, str], ...]]] = {}
    lists: dict[str, list[str]] = {}
    seen: set[str] = set()
    for chunk in sorted(view.by_doc.get(doc_id, ()), key=lambda c: c.position):
        section = str(chunk.meta.get("section", ""))
        parts = [p for p in section.split(SECTION_SEPARATOR) if p.strip()]
        for depth in range(len(parts)):
            headings.setdefault(SECTION_SEPARATOR.join(parts[: depth + 1]), depth)
        where = parts[-1] if parts else ""
        for line in chunk.text.split("\n"):
            stripped = line.strip()
            if not stripped or stripped in seen:
                continue  # overlapping chunks repeat lines
            cells = table_row(stripped)
            if cells is not None:
                seen.add(stripped)
                tables.setdefault(where, []).append(tuple(cells))
            elif stripped.startswith(("- ", "* ", "\u2022 ")) or stripped[:3].rstrip(".)").isdigit():
                seen.add(stripped)
                lists.setdefault(where, []).append(stripped)
    return DocumentOutline(
        headings=tuple((depth, path.split(SECTION_SEPARATOR)[-1]) for path, depth in headings.items()),
        tables=tuple((k, tuple(v)) for k, v in tables.items()),
        lists=tuple((k, tuple(v)) for k, v in lists.items()),
    )


def rules_of(view: LibraryView, doc_id: str) -> Sequence[CodeRules]:
    """The rules read from one document."""
    return next((d.rules for d in view.document_rules if d.doc_id == doc_id), [])


def audit_of(view: LibraryView, source: str) -> list[AuditFinding]:
    """The audit warnings that cite one document."""
    return [f for f in view.audit if any(c.source == source for c in f.citations)]
