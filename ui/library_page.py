"""The Library page: upload many files, find documents by name, type or code, see what each
was read as (headings, tables, lists), the rules read from it and its audit warnings, and
remove one or several after a confirmation. The sidebar shows only counts and a link here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import streamlit as st

from ingest import IngestOptions, ingest_bytes
from knowledge.errors import AssistantError
from knowledge.library import LibraryView
from knowledge.models import AuditFinding, CodeRules, IngestResult
from retrieval.library_table import (
    DocumentRow,
    audit_of,
    document_outline,
    document_rows,
    filter_rows,
    rules_of,
)
from ui.text import escape_md, one_line, row_table, show_error, t

if TYPE_CHECKING:
    from retrieval.service import Assistant

__all__ = ["UPLOAD_TYPES", "audit_panel", "library_page", "library_summary", "rules_panel"]

UPLOAD_TYPES = ["txt", "md", "html", "htm", "pdf", "docx", "csv", "tsv", "xlsx"]
_INGEST_ICON = {"added": ":material/add_circle:", "unchanged": ":material/check:",
                "replaced": ":material/sync:", "rejected": ":material/error:"}
_SHOWN_CODES = 6  # codes listed in a table cell; the rest are counted
# Rows of the table per library generation: 500 documents are read once, not on every click.
_ROWS: dict[tuple[int, int], list[DocumentRow]] = {}
_ROWS_LOCK = threading.Lock()


def library_summary(view: LibraryView) -> str:
    """The sidebar's one line: documents, passages, codes with rules."""
    return t("Documents: {documents} · Passages: {chunks}", documents=len(view.documents),
             chunks=len(view.chunks)) + " · " + t("Codes with rules: {rules}",
                                                 rules=len(view.rules))


def _rows(assistant: Assistant, view: LibraryView) -> list[DocumentRow]:
    key = (id(assistant.library), view.generation)
    with _ROWS_LOCK:
        if key not in _ROWS:
            _ROWS.clear()
            _ROWS[key] = document_rows(view, assistant.library.registry.updated_times())
        return _ROWS[key]


def result_line(result: IngestResult) -> str:
    """One file's ingest result, escaped."""
    icon = _INGEST_ICON.get(result.status, ":material/info:")
    line = f"{icon} {escape_md(result.source)}: **{escape_md(t(result.status))}**"
    if result.error:
        line += f" · {escape_md(one_line(result.error))}"
    elif result.edit_rows:
        line += f" · {escape_md(t('{rows} edit rows', rows=f'{result.edit_rows:,}'))}"
    return line


def _edit_files(view: LibraryView) -> None:
    """The national edit files kept in the edit store (not embedded, not in the table)."""
    files = view.edit_store.files() if view.edit_store is not None else []
    if not files:
        return
    st.subheader(t("National edit files"))
    st.caption(escape_md(t("Kept apart from search: claims are checked against their rows.")))
    st.dataframe({t("Name"): [f.source for f in files], t("Type"): [f.kind for f in files],
                  t("Rows"): [f.rows for f in files],
                  t("Updated"): [f.loaded_at.replace("T", " ")[:16] for f in files]},
                 hide_index=True, width="stretch", key="lib_edit_files")


def _ingest_uploads(assistant: Assistant, files: list[Any], options: IngestOptions) -> None:
    results: list[IngestResult] = []
    with st.status(escape_md(t("Processing files…")), expanded=True) as status:
        bar = st.progress(0.0)
        for i, f in enumerate(files):
            head = f"{i + 1}/{len(files)} {f.name}"
            bar.progress(i / len(files), text=escape_md(head))

            def progress(msg: str, done: int, total: int, i: int = i, head: str = head) -> None:
                part = done / total if total else 1.0
                bar.progress(min((i + part) / len(files), 1.0), text=escape_md(f"{head} · {msg}"))

            try:
                result = ingest_bytes(f.name, f.getvalue(), assistant.library,
                                      assistant.embedder, options, progress=progress)
            except AssistantError as exc:  # e.g. a store built with another model
                result = IngestResult(source=f.name, doc_id="", status="rejected",
                                      error=one_line(str(exc)))
            results.append(result)
            st.session_state.seen_uploads.add(f.file_id)
        bar.progress(1.0)
        failed = any(r.status == "rejected" for r in results)
        status.update(state="error" if failed else "complete", expanded=False)
    st.session_state.ingest_results = results


def _remove_many(assistant: Assistant, sources: list[str]) -> None:
    """Button callback: runs before the page redraws, so the table is already updated."""
    removed = 0
    try:
        with assistant.library.writing():
            for source in sources:
                assistant.library.remove(source)
                removed += 1
    except AssistantError as exc:
        st.session_state.flash_error = str(exc)
    if removed == 1:
        st.session_state.flash_info = t("Removed {source}.", source=sources[0])
    elif removed:
        st.session_state.flash_info = t("Removed {n} documents.", n=removed)
    st.session_state.pop("confirm_remove", None)
    st.session_state.pop("lib_remove", None)


def _ask_to_remove(sources: list[str]) -> None:
    st.session_state.confirm_remove = list(sources)


def _ask_to_remove_chosen() -> None:
    # The selection as the click sent it: arguments bound when the button was drawn can lag
    # a pick made just before the click.
    _ask_to_remove(list(st.session_state.get("lib_remove", [])))


def rules_panel(rules: Sequence[CodeRules], title: str) -> None:
    """Rules per code, each with the sentences or rows that state it."""
    st.subheader(title)
    if not rules:
        st.caption(escape_md(t("No rules found in the materials yet.")))
    for r in rules:
        tag = f" · {t('Add-on code')}" if r.add_on else ""
        with st.expander(escape_md(f"{r.code}{tag}")):
            for name, codes in (("Primary codes", r.primary_codes),
                                ("Excluded codes", r.excluded_codes),
                                ("Modifiers", r.modifiers)):
                if codes:
                    st.markdown(f"**{escape_md(t(name))}**: {escape_md(', '.join(codes))}")
            for p in r.provenance:
                st.caption(f"{escape_md(p.rule)} · {escape_md(p.source)}")
                st.markdown(f"> {escape_md(p.quote)}")


def audit_panel(findings: Sequence[AuditFinding], title: str) -> None:
    """Audit warnings, each with its sources."""
    st.subheader(title)
    if not findings:
        st.caption(escape_md(t("No contradictions found in the materials.")))
    for f in findings:
        st.warning(escape_md(f.message), icon=":material/warning:")
        if f.citations:
            with st.expander(escape_md(t("Sources"))):
                for c in f.citations:
                    st.caption(escape_md(f"[{c.n}] {c.source}"))
                    st.markdown(f"> {escape_md(c.quote)}")


def _table(rows: list[DocumentRow]) -> None:
    data = {
        t("Name"): [r.name for r in rows],
        t("Type"): [r.kind for r in rows],
        t("Size (KB)"): [r.size_kb for r in rows],
        t("Units"): [r.units for r in rows],
        t("Codes"): [_codes_cell(r.codes) for r in rows],
        t("Rules"): [r.rules for r in rows],
        t("Updated"): [r.updated for r in rows],
        t("Status"): [t(r.status) for r in rows],
    }
    st.dataframe(data, hide_index=True, width="stretch", key="lib_table")


def _codes_cell(codes: tuple[str, ...]) -> str:
    shown = ", ".join(codes[:_SHOWN_CODES])
    return f"{shown} (+{len(codes) - _SHOWN_CODES})" if len(codes) > _SHOWN_CODES else shown


def _detail(assistant: Assistant, view: LibraryView, row: DocumentRow) -> None:
    st.subheader(escape_md(row.title or row.name))
    st.caption(escape_md(f"{row.name} · {row.kind} · {row.units} {t('Units')}"))
    st.button(t("Remove"), key=f"remove-{row.doc_id}", icon=":material/delete:",
              on_click=_ask_to_remove, args=([row.name],))
    outline = document_outline(view, row.doc_id)
    if outline.headings:
        st.markdown(f"**{escape_md(t('Headings'))}**")
        st.markdown("\n".join(f"{'  ' * depth}- {escape_md(text)}"
                              for depth, text in outline.headings))
    if outline.tables:
        st.markdown(f"**{escape_md(t('Tables'))}**")
        for heading, table_rows in outline.tables:
            if heading:
                st.caption(escape_md(heading))
            for cells in table_rows:
                st.markdown(row_table(list(cells)))
    if outline.lists:
        st.markdown(f"**{escape_md(t('Lists'))}**")
        for heading, items in outline.lists:
            if heading:
                st.caption(escape_md(heading))
            st.markdown("  \n".join(escape_md(item) for item in items))
    rules_panel(rules_of(view, row.doc_id), t("Rules read from this document"))
    audit_panel(audit_of(view, row.name), t("Audit warnings"))


def _confirm(assistant: Assistant) -> None:
    sources = st.session_state.get("confirm_remove") or []
    if not sources:
        return
    st.warning(escape_md(t("Remove {n} documents? This cannot be undone.", n=len(sources))),
               icon=":material/delete:")
    st.markdown("  \n".join(escape_md(s) for s in sources))
    yes, no = st.columns(2)
    yes.button(t("Confirm"), key="confirm_remove_yes", type="primary",
               on_click=_remove_many, args=(assistant, sources))
    no.button(t("Cancel"), key="confirm_remove_no",
              on_click=lambda: st.session_state.pop("confirm_remove", None))


def library_page(assistant: Assistant, options: IngestOptions) -> None:
    """Draw the Library page."""
    st.header(t("Library"))
    if st.session_state.get("flash_error"):
        show_error(st.session_state.pop("flash_error"))
    if st.session_state.get("flash_info"):
        st.success(escape_md(st.session_state.pop("flash_info")), icon=":material/delete:")
    files = st.file_uploader(t("Upload files"), type=UPLOAD_TYPES, accept_multiple_files=True,
                             key="uploader")
    new = [f for f in files or [] if f.file_id not in st.session_state.seen_uploads]
    if new:
        _ingest_uploads(assistant, new, options)
    for result in st.session_state.ingest_results:
        st.markdown(result_line(result))
    view = assistant.view()
    st.caption(escape_md(library_summary(view)))
    _edit_files(view)
    _confirm(assistant)
    rows = _rows(assistant, view)
    search, kinds, code = st.columns([3, 2, 1])
    text = search.text_input(t("Search by name or code"), key="lib_search")
    picked = kinds.multiselect(t("Type"), sorted({r.kind for r in rows}), key="lib_types")
    wanted = code.text_input(t("Code"), key="lib_code")
    shown = filter_rows(rows, text, picked, wanted)
    if not shown:
        st.info(escape_md(t("No document matches the search.")), icon=":material/search:")
        return
    _table(shown)
    names = [r.name for r in shown]
    chosen = st.multiselect(t("Remove documents"), names, key="lib_remove")
    if chosen:
        st.button(t("Remove"), key="lib_remove_ask", icon=":material/delete:",
                  on_click=_ask_to_remove_chosen)
    st.divider()
    name = st.selectbox(t("Document"), names, key="lib_detail")
    row = next((r for r in shown if r.name == name), None)
    if row is not None:
        _detail(assistant, view, row)
