"""Fact questions the edit store answers: a code's unit limit from a national MUE file.

"How many units of 99951 per day?" asked of a library holding CMS's MUE file (kept in the edit
store, never embedded, so never found by search) is answered by the file's row for the code,
quoted with its headers and cited by file and row. Claims are checked against the same rows by
``retrieval.verdicts.claim_rules``.
"""

from __future__ import annotations

from knowledge.library import LibraryView
from retrieval.citing import CitationList, quote_block
from retrieval.messages import message
from retrieval.query import Question

__all__ = ["edit_rows_answer"]


def edit_rows_answer(question: Question, view: LibraryView, cites: CitationList) -> str | None:
    """The stored MUE rows of the question's codes when it asks for a unit limit, quoted; None
    when it asks for something else or the store holds no such row."""
    store = view.edit_store
    if store is None or "unit_limit" not in question.concepts or not question.codes:
        return None
    docs, rows = store.document_rules(question.codes)
    wanted = set(question.codes)
    cited = [p.chunk_id for d in docs for r in d.rules if r.code in wanted
             for p in r.provenance if p.rule == "unit_limit"]
    if not cited:
        return None
    cites.admit(rows)
    lines = []
    for chunk_id in dict.fromkeys(cited):
        chunk = rows[chunk_id]
        if (n := cites.add(chunk_id, 0, len(chunk.text))) is not None:
            lines.append(quote_block(cites.quote(n), n))
    if not lines:
        return None
    return "\n\n".join([message(question.language, "According to the uploaded materials:"), *lines])
