"""cptcite's chat UI: ask about your coding materials, check claims, manage the library.

Run with ``make run`` (``streamlit run app.py``). The page talks to one
``retrieval.service.Assistant`` (built once with ``st.cache_resource``, shared by all sessions)
and to the ingest functions. The test seam: an object put in ``st.session_state["assistant"]``
before the first run is used instead of the cached real one.

Safety: material text (quotes, chunks, file names, and messages that embed them) always goes
through ``_escape_md`` and is rendered as Markdown without HTML. The only raw HTML is the static
CSS below; right-to-left layout comes from keyed containers that this CSS targets.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import streamlit as st
from pydantic import ValidationError

from ingest import IngestOptions, ingest_paths, sample_materials
from knowledge.errors import AssistantError
from knowledge.models import Answer, Chunk, Citation, Verdict
from knowledge.settings import Settings
from retrieval.language import LANGUAGES, RTL
from retrieval.source_view import edit_row_number, heading_path, table_row
from ui.library_page import library_page, library_summary
from ui.performance_page import performance_page
from ui.text import escape_md as _escape_md
from ui.text import lang as _lang
from ui.text import one_line as _one_line
from ui.text import row_table as _row_table
from ui.text import show_error as _show_error
from ui.text import t as _t

if TYPE_CHECKING:
    from retrieval.service import Assistant


# verdict status -> (message key, badge colour, icon)
_STATUS: dict[str, tuple[str, str, str]] = {
    "allowed": ("Allowed", "green", ":material/check_circle:"),
    "not_allowed": ("Not allowed", "red", ":material/block:"),
    "missing_primary": ("Missing primary", "orange", ":material/warning:"),
    "unknown": ("Unknown", "gray", ":material/help:"),
}
_SEVERITY_ICON = {"error": ":material/error:", "warning": ":material/warning:",
                  "info": ":material/info:"}

# Static markup only: containers keyed "rtl-..." read right to left. Each paragraph still
# takes its direction from its own first letter, so English quotes inside stay readable.
_CSS = """<style>
[class*="st-key-rtl-"] { direction: rtl; text-align: right; }
[class*="st-key-rtl-"] p, [class*="st-key-rtl-"] li { unicode-bidi: plaintext; }
</style>"""




_BOLD_LEAD = re.compile(r"\*\*(.+?)\*\*(.*)", re.DOTALL)


def _answer_md(text: str) -> str:
    """Rebuild an answer's Markdown with every piece of text escaped.

    Only the layout the service writes survives: paragraphs, quote paragraphs ("> ...") and
    a bold lead ("**...** [1]"). Anything else, including Markdown inside quotes, is literal.
    """
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = para.split("\n")
        bold = _BOLD_LEAD.fullmatch(para)
        if all(ln.startswith(">") for ln in lines):
            out.append("  \n".join("> " + _escape_md(ln[1:].strip()) for ln in lines))
        elif bold and "\n" not in bold.group(1):
            out.append(f"**{_escape_md(bold.group(1).strip())}** {_escape_md(bold.group(2).strip())}")
        else:
            out.append(_escape_md(para))
    return "\n\n".join(out)


# --- the service, built once -------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    """Settings, read once per process from CPTCITE_* variables or .env."""
    return Settings()


class _WarmUp:
    """The model and indexes load in a background thread while the page draws at once."""

    def __init__(self, assistant: Assistant) -> None:
        self.done = threading.Event()
        self.error: str | None = None
        # Not a daemon: a process ending while the thread is inside the model's runtime
        # aborted ("terminate called without an active exception"); exit waits for it.
        threading.Thread(target=self._run, args=(assistant,), daemon=False,
                         name="cptcite-warm-up").start()

    def _run(self, assistant: Assistant) -> None:
        try:
            assistant.warm_up()
        except Exception as exc:  # noqa: BLE001 - shown on the page, not lost in a thread
            self.error = _one_line(str(exc)) or type(exc).__name__
        finally:
            self.done.set()


@st.cache_resource(show_spinner="Opening the library…")
def _shared_assistant() -> tuple[Assistant, _WarmUp]:
    """The real Assistant, shared by all sessions (its library and embedder are thread-safe),
    and its warm-up, started now: a question asked before it ends waits for the model."""
    # Imported here: the service opens Chroma and the model, which a test's fake replaces.
    from retrieval.service import assistant_from_settings

    assistant = assistant_from_settings(_settings())
    return assistant, _WarmUp(assistant)


def _warm_up_status() -> None:
    """While the model loads, a visible line that checks again every second."""
    if "assistant" in st.session_state:
        return
    warm = _shared_assistant()[1]
    if warm.done.is_set():
        if warm.error:
            _show_error(warm.error)
        return

    @st.fragment(run_every=1.0)
    def status() -> None:
        if warm.done.is_set():
            st.rerun()  # the whole page, without this poll
        st.caption(":material/hourglass_top: " + _escape_md(_t("Loading the model…")))

    status()


def _assistant() -> Assistant:
    """The session's fake (tests) or the shared real Assistant; stops the page on errors."""
    if "assistant" in st.session_state:
        return st.session_state["assistant"]
    try:
        return _shared_assistant()[0]
    except AssistantError as exc:
        _show_error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() ends the run


def _options() -> IngestOptions:
    s = _settings()
    return IngestOptions(max_bytes=s.max_upload_bytes, max_chars=s.max_text_chars,
                         chunk_size=s.chunk_size, chunk_overlap=s.chunk_overlap,
                         batch_size=s.embed_batch_size)


# --- citations, verdicts, answers ---------------------------------------------------


def _highlight(quote: str) -> str:
    # One line: the highlight directive cannot span paragraphs.
    return f":orange-background[{_escape_md(' '.join(quote.split()))}]"


def _quote_in_context(citation: Citation, chunks: Mapping[str, Chunk]) -> str:
    """Markdown of the cited chunk with the quote highlighted (the quote alone if not found)."""
    chunk = chunks.get(citation.chunk_id)
    if chunk is None:
        return _highlight(citation.quote)
    text, start, end = chunk.text, citation.start, citation.end
    if text[start:end] != citation.quote:  # offsets from an older version: find the quote
        start = text.find(citation.quote)
        if start < 0:
            return _highlight(citation.quote)
        end = start + len(citation.quote)
    return _escape_md(text[:start]) + _highlight(text[start:end]) + _escape_md(text[end:])


def _citation(citation: Citation, chunks: Mapping[str, Chunk]) -> None:
    """A source: the headings the quote sits under, a quoted table row as a small table with
    its column headers, then the quote highlighted in its passage."""
    label = _escape_md(f"[{citation.n}] {citation.source}")
    with st.expander(f"{label} · {_escape_md(_t('Show in context'))}"):
        if path := heading_path(chunks.get(citation.chunk_id)):
            st.caption(_escape_md(" › ".join(path)))
        if (row := edit_row_number(citation.chunk_id)) is not None:
            st.caption(_escape_md(_t("Row {row} of the edit table {source}", row=row,
                                     source=citation.source)))
        if cells := table_row(citation.quote):
            st.markdown(_row_table(cells))
        st.markdown(_quote_in_context(citation, chunks))


def _verdict(verdict: Verdict, chunks: Mapping[str, Chunk], findings: bool = True) -> None:
    """The status badge and the codes, then the findings with their citations."""
    key, color, icon = _STATUS[verdict.status]
    st.badge(_escape_md(f"{_t('Verdict')}: {_t(key)}"), color=color, icon=icon)
    if verdict.codes:
        st.caption(_escape_md(f"{_t('Codes on the claim')}: {' '.join(verdict.codes)}"))
    if not findings:
        return
    if verdict.findings:
        st.caption(_escape_md(_t("Findings")))
    for finding in verdict.findings:
        icon = _SEVERITY_ICON.get(finding.severity, ":material/info:")
        st.markdown(f"{icon} {_escape_md(finding.message)}")
        for citation in finding.citations:
            _citation(citation, chunks)


def _answer(answer: Answer, chunks: Mapping[str, Chunk]) -> None:
    if answer.refused:
        st.warning(f"**{_escape_md(_t('Refused'))}** · {_escape_md(answer.answer)}",
                   icon=":material/block:")
        return
    if answer.verdict is not None:
        # The answer text explains the verdict in the question's language and cites it.
        _verdict(answer.verdict, chunks, findings=False)
    st.markdown(_answer_md(answer.answer))
    if answer.citations:
        st.caption(_escape_md(_t("Sources")))
        for citation in answer.citations:
            _citation(citation, chunks)
    for warning in answer.warnings:
        st.caption(f":material/warning: {_escape_md(warning)}")
    caption = _t("Detected language: {language}",
                 language=LANGUAGES.get(answer.language, answer.language))
    total = answer.timings_ms.get("total")
    if total is not None:
        caption += " · " + _t("Answered in {ms} ms", ms=f"{total:.0f}")
    st.caption(_escape_md(caption))


def _turn(i: int, turn: dict[str, Any], chunks: Mapping[str, Chunk]) -> None:
    with st.chat_message("user"):
        st.markdown(_escape_md(turn["question"]))
    with st.chat_message("assistant"):
        if "error" in turn:
            _show_error(turn["error"])
            return
        answer: Answer = turn["answer"]
        rtl = "rtl-" if answer.language in RTL else ""
        with st.container(key=f"{rtl}answer-{i}"):
            _answer(answer, chunks)


def _chat(assistant: Assistant, chunks: Mapping[str, Chunk]) -> None:
    history: list[dict[str, Any]] = st.session_state.messages
    box = st.container()
    question = st.chat_input(_t("Ask a question about your coding materials"), key="question")
    if question:
        turn: dict[str, Any] = {"question": question}
        with box, st.spinner(_t("Searching the materials…")):
            try:
                # The picked language only decides for questions too short to detect.
                turn["answer"] = assistant.ask(question, lang=None, fallback=_lang())
            except AssistantError as exc:
                turn["error"] = str(exc)
        history.append(turn)
    with box:
        for i, turn in enumerate(history):
            _turn(i, turn, chunks)


def _claim_checker(assistant: Assistant, chunks: Mapping[str, Chunk]) -> None:
    with st.form("claim_form", border=False):
        claim = st.text_input(_t("Codes on the claim"), key="claim_text",
                              placeholder="12345-50 67890x2", help=_t(
            "Separate codes with spaces or commas. Add a modifier with a hyphen and units with x."))
        submitted = st.form_submit_button(_t("Check"), type="primary")
    if submitted and not claim.strip():
        st.session_state.claim_result = None
        st.session_state.claim_error = _t("The claim is empty: enter at least one code.")
    elif submitted:
        try:
            st.session_state.claim_result = assistant.check(claim)
            st.session_state.claim_error = None
        except AssistantError as exc:
            st.session_state.claim_result, st.session_state.claim_error = None, str(exc)
    if st.session_state.get("claim_error"):
        _show_error(st.session_state.claim_error)
    elif st.session_state.get("claim_result") is not None:
        _verdict(st.session_state.claim_result, chunks)


# --- library ------------------------------------------------------------------------


def _load_samples(assistant: Assistant) -> None:
    with st.status(_escape_md(_t("Load sample material")), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(msg: str, done: int, total: int) -> None:
            bar.progress(min(max(done / total, 0.0), 1.0) if total else 1.0, text=_escape_md(msg))

        try:
            report = ingest_paths(sample_materials(), assistant.library, assistant.embedder,
                                  _options(), progress=progress)
        except AssistantError as exc:
            status.update(state="error")
            _show_error(str(exc))
            return
        status.update(label=_escape_md(_t("Sample material loaded.")), state="complete")
    st.session_state.ingest_results = list(report.documents)
    st.rerun()


# --- the page -----------------------------------------------------------------------


def _init_state() -> None:
    if "messages" not in st.session_state:
        st.session_state.messages = []
        st.session_state.seen_uploads = set()
        st.session_state.ingest_results = []
    if "ui_lang" not in st.session_state:
        default = _settings().default_language
        st.session_state.ui_lang = default if default in LANGUAGES else "en"
    # A widget's value is dropped when another page draws it; set anew it survives the switch.
    st.session_state.ui_lang = st.session_state.ui_lang


def _chat_page() -> None:
    """The questions page: the chat and the claim checker (or the empty state)."""
    assistant = _assistant()
    try:
        view = assistant.view()
    except AssistantError as exc:
        _show_error(str(exc))
        st.stop()
    if view.empty and not (view.edit_store is not None and view.edit_store.files()):
        st.info(_escape_md(_t("No materials yet. Upload files or load the sample material.")),
                icon=":material/library_books:")
        if st.button(_t("Load sample material"), key="load_samples", type="primary"):
            _load_samples(assistant)
        st.stop()
    ask, check = st.tabs([_t("Question"), _t("Check a claim")])
    with ask:
        _chat(assistant, view.chunks)
    with check:
        _claim_checker(assistant, view.chunks)


def _library_page() -> None:
    try:
        library_page(_assistant(), _options())
    except AssistantError as exc:
        _show_error(str(exc))


_PAGES: dict[str, Any] = {}


def _performance_page() -> None:
    try:
        performance_page(_assistant(), _PAGES["library"])
    except AssistantError as exc:
        _show_error(str(exc))


def main() -> None:
    """Draw the page: sidebar (language, library counts, the way between the pages), then the
    questions page or the Library page."""
    # No page_icon: icons and emoji favicons are fetched from a CDN, and the app stays offline.
    st.set_page_config(page_title="cptcite", layout="wide")
    try:
        _init_state()
    except ValidationError as exc:  # a bad CPTCITE_* value
        err = exc.errors()[0]
        field = "_".join(str(part) for part in err["loc"]).upper()
        _show_error(f"CPTCITE_{field}: {err['msg']}" if field else f"settings: {err['msg']}")
        st.stop()
    st.html(_CSS)
    rtl = "rtl-" if _lang() in RTL else ""
    chat = st.Page(_chat_page, title=_t("Question"), url_path="ask", default=True)
    library = st.Page(_library_page, title=_t("Library"), url_path="library")
    performance = st.Page(_performance_page, title=_t("Performance"), url_path="performance")
    _PAGES["library"] = library  # where a failure's source link goes
    page = st.navigation([chat, library, performance], position="hidden")
    on_library = page.url_path == "library"
    on_chat = page.url_path not in ("library", "performance")  # the default page's path is ""
    with st.sidebar, st.container(key=f"{rtl}sidebar"):
        st.selectbox(_t("Interface language"), list(LANGUAGES), key="ui_lang",
                     format_func=LANGUAGES.__getitem__)
        if st.session_state.messages and on_chat:
            st.button(_t("New conversation"), key="new_conversation", icon=":material/add:",
                      on_click=st.session_state.messages.clear)
        assistant = _assistant()
        _warm_up_status()
        st.header(_t("Library"))
        summary = st.empty()  # filled after the page ran: an upload there changes the counts
        if not on_chat and st.button(_t("Back to questions"), key="to_chat",
                                     icon=":material/chat:"):
            st.switch_page(chat)
        if not on_library and st.button(_t("Open the Library"), key="to_library",
                                        icon=":material/library_books:"):
            st.switch_page(library)
        if page.url_path != "performance" and st.button(
            _t("Performance"), key="to_performance", icon=":material/monitoring:"
        ):
            st.switch_page(performance)
    _summary(summary, assistant)
    with st.container(key=f"{rtl}main"):
        page.run()  # may stop the run (the empty state): the counts are drawn already
    _summary(summary, assistant)


def _summary(slot: Any, assistant: Assistant) -> None:
    try:
        slot.caption(_escape_md(library_summary(assistant.view())))
    except AssistantError as exc:
        with slot:
            _show_error(str(exc))


if __name__ == "__main__":
    main()
