"""The Library page's data: rows, the search over them, a document's outline."""

from __future__ import annotations

from knowledge.library import LibraryView
from knowledge.models import Chunk, CodeRules, DocumentRules, SourceDocument
from retrieval.library_table import document_outline, document_rows, filter_rows

FEES = (
    "Widget fees\n\nRelative values\n\nCode: 99931 | Work RVU: 1.20 | MUE: 2\n\n"
    "Code: 99932 | Work RVU: 0.80 | MUE: 1\n\nPreparation\n\n- Fast for 6 hours.\n- Bring a list."
)


def _view() -> LibraryView:
    fees = SourceDocument(doc_id="d1", source="widget-fees.md", content_hash="a", text=FEES,
                          media_type="text/markdown", title="Widget fees", version=2)
    note = SourceDocument(doc_id="d2", source="note.pdf", content_hash="b",
                          text="Code 99940 is reported alone.", media_type="application/pdf")
    a = FEES.index("Relative values")
    b = FEES.index("Preparation")
    chunks = (
        Chunk(chunk_id="c1", doc_id="d1", source="widget-fees.md", position=0, text=FEES[a:b],
              start=a, end=b, meta={"section": "Widget fees > Relative values"}),
        Chunk(chunk_id="c2", doc_id="d1", source="widget-fees.md", position=1, text=FEES[b:],
              start=b, end=len(FEES), meta={"section": "Widget fees > Preparation"}),
    )
    rules = DocumentRules(doc_id="d1", source="widget-fees.md",
                          rules=[CodeRules(code="99931", unit_limit=2)])
    return LibraryView(generation=3, documents=(fees, note), chunks={c.chunk_id: c for c in chunks},
                       document_rules=(rules,), by_doc={"d1": chunks})


def test_rows_carry_what_the_table_shows() -> None:
    fees, note = document_rows(_view(), {"d1": "2026-12-07T03:42:20+00:00"})
    assert (fees.kind, fees.units, fees.codes, fees.rules, fees.status) == (
        "Markdown", 2, ("99931", "99932"), 1, "replaced")
    assert fees.updated == "2026-12-07 03:42"
    assert (note.kind, note.units, note.codes, note.status) == ("PDF", 0, ("99940",), "added")


def test_search_by_name_title_code_and_type() -> None:
    rows = document_rows(_view(), {})
    assert [r.name for r in filter_rows(rows, "widget")] == ["widget-fees.md"]
    assert [r.name for r in filter_rows(rows, "99940")] == ["note.pdf"]
    assert [r.name for r in filter_rows(rows, kinds=["PDF"])] == ["note.pdf"]
    assert [r.name for r in filter_rows(rows, code="99932")] == ["widget-fees.md"]
    assert filter_rows(rows, "nothing like it") == []


def test_outline_holds_headings_table_rows_and_list_items() -> None:
    outline = document_outline(_view(), "d1")
    assert outline.headings == ((0, "Widget fees"), (1, "Relative values"), (1, "Preparation"))
    [(where, rows)] = outline.tables
    assert where == "Relative values" and rows[0] == (("Code", "99931"), ("Work RVU", "1.20"),
                                                      ("MUE", "2"))
    assert outline.lists == (("Preparation", ("- Fast for 6 hours.", "- Bring a list.")),)
