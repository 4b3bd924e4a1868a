"""Which documents a question names: by a proper name, an identifier or an acronym only one
document writes (invented pages, a real lexical index)."""

from __future__ import annotations

from pathlib import Path

from retrieval.hints import search_hints
from retrieval.lexical import LexicalIndex
from retrieval.query import analyze_question
from tests.support.library import library_of

MANUAL = """# WXPA widget manual, chapter 4

Under the WXPA manual, a widget biopsy on the day of widget surgery is reported with
modifier 59 only when no earlier pathology report exists for the widget.
The work RVU of 61240 is 7.61.
"""
POLICY = """# Harbor Mutual widget policy

Harbor Mutual pays a widget biopsy with modifier 59 when the record shows a separate site.
The MUE of 61235 is 2 per date of service.
"""
NEWS = """# Widget coding newsletter

Readers asked when modifier 59 applies to a widget biopsy; the MUE of 61235 is 2.
"""


def test_an_acronym_one_document_writes_names_that_document(tmp_path: Path, fake_embedder) -> None:
    with library_of(tmp_path, fake_embedder, manual=MANUAL, policy=POLICY, news=NEWS) as library:
        view = library.view()
        lex = LexicalIndex(view)
        sources = {d.doc_id: d.source for d in view.documents}

        def focus(question: str) -> set[str]:
            hints = search_hints(analyze_question(question), view, lex)
            return {Path(sources[d]).name for d in hints.focus_docs}

        assert focus("WXPA 매뉴얼은 위젯 생검의 modifier 59를 언제 허용하나요?") == {"manual.md"}
        assert focus("When does the WXPA manual allow modifier 59 on a widget biopsy?") == {
            "manual.md"}
        # an acronym several documents write names none of them
        assert focus("What is the MUE for a widget biopsy with modifier 59?") == set()
        # nor does coding vocabulary one document alone writes ("RVU")
        assert focus("What is the RVU for a widget biopsy with modifier 59?") == set()
