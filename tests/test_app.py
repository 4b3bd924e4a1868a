"""The Streamlit app, driven by AppTest with a fake Assistant in session_state (the seam).

Chat, claim checker, language switch and escaping use a fake view; upload, remove and the
sample-material button use a real Library in tmp_path with the fake embedder.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ingest import doc_id_for, sample_materials
from knowledge.errors import ClaimError, QuestionError
from knowledge.library import Library, LibraryView, open_library
from knowledge.models import (
    Answer,
    AuditFinding,
    Chunk,
    Citation,
    CodeRules,
    DocumentRules,
    Finding,
    Provenance,
    SourceDocument,
    Verdict,
)
from retrieval.messages import message

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"
NOTE = Path(__file__).resolve().parent / "data" / "app" / "coding-note.txt"

# Our own fictional material (not the seed's prose).
TEXT = (
    "Code 99931 is an add-on code for laser fragmentation. "
    "Do not report 99931 with 99977. "
    "For kidney stones use 99950."
)
EXCLUSION = "Do not report 99931 with 99977."
HOSTILE = (
    "Click [here](http://evil.example/x) or ![pic](http://evil.example/p.png) "
    "<script>alert(1)</script> **bold** :red[red] $x^2$ www.evil.example"
)


def _cite(n: int, chunk: Chunk, quote: str) -> Citation:
    start = chunk.text.index(quote)
    return Citation(n=n, source=chunk.source, chunk_id=chunk.chunk_id, quote=quote,
                    start=start, end=start + len(quote))


def _chunk(cid: str, text: str, source: str = "note.txt") -> Chunk:
    return Chunk(chunk_id=cid, doc_id="d-" + source, source=source, position=0, text=text,
                 start=0, end=len(text))


CHUNK = _chunk("c1", TEXT)
ROW_TEXT = "Relative values\n\nCode: 99931 | Work RVU: 3.71 | MUE: 2"
ROW = Chunk(chunk_id="c3", doc_id="d-fees.md", source="fees.md", position=0, text=ROW_TEXT,
            start=0, end=len(ROW_TEXT), meta={"section": "Widget fees > Relative values"})
EVIL = _chunk("c2", "Before. " + HOSTILE + " After.", source="[x](http://evil.example).md")


def _view(empty: bool = False) -> LibraryView:
    if empty:
        return LibraryView(generation=0, documents=(), chunks={}, document_rules=())
    docs = tuple(SourceDocument(doc_id=c.doc_id, source=c.source, content_hash="h", text=c.text)
                 for c in (CHUNK, EVIL))
    rules = (CodeRules(code="99931", add_on=True, primary_codes=["99910"],
                       excluded_codes=["99977"],
                       provenance=[Provenance(rule="excluded", source="note.txt", chunk_id="c1",
                                              quote=EXCLUSION)]),)
    audit = (AuditFinding(kind="example_contradicts_rule", codes=["99931", "99977"],
                          message="An example reports 99931 with 99977.",
                          citations=[_cite(1, CHUNK, EXCLUSION)]),)
    return LibraryView(generation=1, documents=docs, chunks={"c1": CHUNK, "c2": EVIL, "c3": ROW},
                       document_rules=(DocumentRules(doc_id=CHUNK.doc_id, source=CHUNK.source,
                                                     rules=list(rules)),),
                       rules=rules, audit=audit)


CLAIM_Q = "Can 99931 be billed with 99977?"
FACT_Q = "What is 99931?"
REFUSED_Q = "What is the weather?"
ROW_Q = "What is the work RVU of 99931?"
ERROR_Q = "x" * 10
HOSTILE_Q = "Tell me about the link"

_EXCL_CITE = _cite(1, CHUNK, EXCLUSION)
ANSWERS: dict[str, Answer | Exception] = {
    CLAIM_Q: Answer(
        question=CLAIM_Q, language="en", refused=False,
        answer=f"**No. 99931 should not be reported with 99977.** [1]\n\n> {EXCLUSION} [1]",
        verdict=Verdict(status="not_allowed", codes=["99931", "99977"], findings=[
            Finding(severity="error", code="99931", message="99977 is excluded for 99931.",
                    rule="excluded", citations=[_EXCL_CITE])]),
        citations=[_EXCL_CITE], timings_ms={"total": 12.0}),
    FACT_Q: Answer(
        question=FACT_Q, language="en", refused=False,
        answer="According to the uploaded materials:\n\n"
               "> Code 99931 is an add-on code for laser fragmentation. [1]",
        citations=[_cite(1, CHUNK, "Code 99931 is an add-on code for laser fragmentation.")]),
    ROW_Q: Answer(
        question=ROW_Q, language="en", refused=False,
        answer="According to the uploaded materials:\n\n"
               "> Code: 99931 | Work RVU: 3.71 | MUE: 2 [1]",
        citations=[_cite(1, ROW, "Code: 99931 | Work RVU: 3.71 | MUE: 2")]),
    REFUSED_Q: Answer(question=REFUSED_Q, language="en", refused=True,
                      answer="The uploaded materials do not cover this question."),
    ERROR_Q: QuestionError("The question is too long (over 5 characters).\nsecond line"),
    HOSTILE_Q: Answer(question=HOSTILE_Q, language="en", refused=False,
                      answer=f"{HOSTILE} [1]\n\n> {HOSTILE}\n> {HOSTILE} [1]",
                      citations=[_cite(1, EVIL, HOSTILE)]),
}


class FakeAssistant:
    """Answers from tables; records calls. With a real library, view() reads it."""

    def __init__(self, view: LibraryView | None = None, library: Library | None = None,
                 embedder: Any = None) -> None:
        self._view, self.library, self.embedder = view, library, embedder
        if library is None:  # the Library page asks the registry when documents were stored
            self.library = SimpleNamespace(registry=SimpleNamespace(updated_times=dict))
        self.asked: list[tuple[str, str | None, str | None]] = []
        self.checked: list[str | list[str]] = []

    def view(self) -> LibraryView:
        return self._view if self._view is not None else self.library.view()

    def ask(self, question: str, lang: str | None = None, fallback: str | None = None) -> Answer:
        self.asked.append((question, lang, fallback))
        result = ANSWERS[question]
        if isinstance(result, Exception):
            raise result
        return result

    def check(self, claim: str | list[str]) -> Verdict:
        self.checked.append(claim)
        if "XYZ" in str(claim):
            raise ClaimError("bad modifier 'XYZ' in '99931-XYZ': use two characters, like -50")
        return Verdict(status="missing_primary", codes=["99931"], findings=[
            Finding(severity="error", code="99931", rule="primary",
                    message="99931 needs one of its primary codes.",
                    citations=[_cite(1, CHUNK, "Code 99931 is an add-on code")])])


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # AppTest runs in this process: cached Settings would leak one test's env into the next.
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = open_library(tmp_path / "lib")
    yield lib
    lib.close()


def _app(assistant: FakeAssistant | None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    if assistant is not None:
        at.session_state["assistant"] = assistant
    at.run()
    assert not at.exception, at.exception
    return at


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception, at.exception
    return at


def _markdown(block: Any) -> list[str]:
    return [m.value for m in block.markdown]


# A backslash escape, or a code span (URLs and e-mail addresses are put in code spans).
_INERT = re.compile(r"\\([!-/:-@\[-`{-~])|`([^`]*)`")


def _unescape(md: str) -> str:
    """The text a reader sees: escapes and code-span backticks removed."""
    return _INERT.sub(lambda m: m.group(1) or m.group(2), md)


def test_claim_question_shows_badge_first_then_answer_and_quote_in_context() -> None:
    at = _ask(_app(FakeAssistant(_view())), CLAIM_Q)
    user, bot = at.chat_message
    assert user.name == "user" and _markdown(user) == [r"Can 99931 be billed with 99977\?"]
    md = _markdown(bot)
    assert md[0].startswith(":red-badge[") and "Not allowed" in md[0]  # the badge comes first
    assert md[1] == ("**No\\. 99931 should not be reported with 99977\\.** \\[1\\]\n\n"
                     "> Do not report 99931 with 99977\\. \\[1\\]")
    assert not any("is excluded for" in m for m in md)  # findings: the claim checker's job
    [exp] = bot.expander  # the finding refers to [1]; the quote opens once, under Sources
    assert _unescape(exp.label).startswith("[1] note.txt")
    [body] = _markdown(exp)
    before, rest = body.split(":orange-background[", 1)
    quote, after = rest.split("]", 1)
    assert _unescape(before).strip() == TEXT[: TEXT.index(EXCLUSION)].strip()
    assert _unescape(quote) == EXCLUSION
    assert _unescape(after).strip() == "For kidney stones use 99950."
    assert "12 ms" in " ".join(c.value for c in bot.caption)


def test_fact_question_has_no_badge_and_cites_its_quote() -> None:
    fake = FakeAssistant(_view())
    at = _ask(_app(fake), FACT_Q)
    bot = at.chat_message[1]
    assert not any("-badge[" in m for m in _markdown(bot))
    assert "> Code 99931 is an add\\-on code" in _markdown(bot)[0]
    assert len(bot.expander) == 1
    assert fake.asked == [(FACT_Q, None, "en")]


def test_a_cited_table_row_shows_as_a_table_under_its_headings() -> None:
    at = _ask(_app(FakeAssistant(_view())), ROW_Q)
    source = at.chat_message[1].expander[0]
    shown = " ".join(_markdown(source))
    assert "Widget fees › Relative values" in " ".join(c.value for c in source.caption)
    assert "| Code | Work RVU | MUE |" in _unescape(shown)
    assert "| 99931 | 3\\.71 | 2 |" in shown or "| 99931 | 3.71 | 2 |" in _unescape(shown)


def test_history_keeps_every_turn_and_new_conversation_clears_it() -> None:
    at = _ask(_ask(_app(FakeAssistant(_view())), FACT_Q), CLAIM_Q)
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2
    at.button(key="new_conversation").click().run()
    assert len(at.chat_message) == 0


def test_refusal_is_a_warning_not_an_answer() -> None:
    at = _ask(_app(FakeAssistant(_view())), REFUSED_Q)
    bot = at.chat_message[1]
    [warning] = bot.warning
    assert "Refused" in warning.value and "do not cover" in warning.value
    assert not bot.expander and not any("-badge[" in m for m in _markdown(bot))


def test_package_error_is_one_line_without_traceback() -> None:
    at = _ask(_app(FakeAssistant(_view())), ERROR_Q)
    [error] = at.chat_message[1].error
    assert _unescape(error.value) == "The question is too long (over 5 characters)."
    assert not at.exception


def test_language_switch_translates_the_interface_and_sets_the_fallback() -> None:
    fake = FakeAssistant(_view())
    at = _app(fake)
    assert at.chat_input(key="question").placeholder == (
        "Ask a question about your coding materials")
    at.sidebar.selectbox(key="ui_lang").set_value("es").run()
    spanish = message("es", "Ask a question about your coding materials")
    assert spanish != "Ask a question about your coding materials"
    assert at.chat_input(key="question").placeholder == spanish
    assert at.sidebar.header[0].value == message("es", "Library")
    assert [t.label for t in at.tabs] == [message("es", "Question"),
                                          message("es", "Check a claim")]
    _ask(at, CLAIM_Q)
    assert fake.asked[-1] == (CLAIM_Q, None, "es")
    assert message("es", "Not allowed") in _markdown(at.chat_message[1])[0]


def test_arabic_lays_the_page_out_right_to_left() -> None:
    at = _app(FakeAssistant(_view()))
    ids = [b.proto.id for b in at.sidebar.children.values()]
    assert any(i.endswith("-sidebar") and "rtl-" not in i for i in ids)
    at.sidebar.selectbox(key="ui_lang").set_value("ar").run()
    assert any(b.proto.id.endswith("rtl-sidebar") for b in at.sidebar.children.values())
    assert any(b.proto.id.endswith("rtl-main") for b in at.main.children.values())
    assert any("direction: rtl" in h.value for h in at.get("html"))


def test_hostile_quote_and_source_name_are_escaped() -> None:
    at = _ask(_app(FakeAssistant(_view())), HOSTILE_Q)
    bot = at.chat_message[1]
    [exp] = bot.expander
    rendered = _markdown(bot) + [exp.label] + _markdown(exp)
    for md in rendered:
        live = _INERT.sub("", md)  # what Markdown may still interpret
        for bad in ("](", "<script", "http", "www", "**", ":red[", "$x"):
            assert bad not in live, (bad, md)
    assert HOSTILE in _unescape(_markdown(exp)[0])
    assert "[x](http://evil.example).md" in _unescape(exp.label)


def test_claim_checker_shows_status_findings_and_citations() -> None:
    fake = FakeAssistant(_view())
    at = _app(fake)
    at.text_input(key="claim_text").set_value("99931-50 99940x2")
    next(b for b in at.button if b.key.startswith("FormSubmitter:claim_form")).click().run()
    assert fake.checked == ["99931-50 99940x2"]
    tab = at.tabs[1]
    assert tab.markdown[0].value.startswith(":orange-badge[")
    assert "Missing primary" in tab.markdown[0].value
    assert any("primary codes" in m.value for m in tab.markdown)
    [exp] = tab.expander
    assert ":orange-background[Code 99931 is an add\\-on code]" in exp.markdown[0].value


def test_claim_checker_malformed_claim_is_one_line_error() -> None:
    at = _app(FakeAssistant(_view()))
    at.text_input(key="claim_text").set_value("99931-XYZ")
    next(b for b in at.button if b.key.startswith("FormSubmitter:claim_form")).click().run()
    [error] = at.tabs[1].error
    assert "bad modifier" in error.value and "\n" not in error.value


def _to_library(at: AppTest) -> AppTest:
    at.sidebar.button(key="to_library").click().run()
    assert not at.exception, at.exception
    return at


def test_rules_and_audit_panels_show_quotes() -> None:
    at = _to_library(_app(FakeAssistant(_view())))
    assert at.selectbox(key="lib_detail").value == "note.txt"
    rule, sources = at.expander
    assert rule.label.startswith("99931") and "Add-on code" in _unescape(rule.label)
    assert any(_unescape(m.value) == f"> {EXCLUSION}" for m in rule.markdown)
    [warning] = at.warning
    assert "An example reports 99931 with 99977" in _unescape(warning.value)
    assert [_unescape(m.value) for m in sources.markdown] == [f"> {EXCLUSION}"]


def test_upload_reports_each_file_and_lists_the_document(library: Library,
                                                         fake_embedder: Any) -> None:
    at = _app(FakeAssistant(library=library, embedder=fake_embedder))
    assert at.info  # empty store
    _to_library(at)
    note = NOTE.read_bytes()
    at.file_uploader(key="uploader").set_value(
        [("coding-note.txt", note, "text/plain"), ("broken.pdf", b"no pdf here", "application/pdf")]
    ).run()
    assert not at.exception, at.exception
    lines = [_unescape(m.value) for m in at.markdown]
    assert any("coding-note.txt: **added**" in ln for ln in lines), lines
    rejected = next(ln for ln in lines if "broken.pdf: **rejected**" in ln)
    assert rejected.split("**rejected**")[1].strip(" ·")  # a reason is given
    assert [d.source for d in library.view().documents] == ["coding-note.txt"]
    assert at.button(key=f"remove-{doc_id_for('coding-note.txt')}")
    assert "Documents: 1" in _unescape(at.sidebar.caption[0].value)
    # A rerun does not ingest the same upload again; a new upload of the same bytes is unchanged.
    at.run()
    at.file_uploader(key="uploader").set_value([("coding-note.txt", note, "text/plain")]).run()
    lines = [_unescape(m.value) for m in at.markdown]
    assert any("coding-note.txt: **unchanged**" in ln for ln in lines), lines
    at.sidebar.button(key="to_chat").click().run()
    assert at.chat_input  # no longer empty: the chat is shown


def test_remove_button_asks_then_removes_the_document(library: Library,
                                                      fake_embedder: Any) -> None:
    at = _to_library(_app(FakeAssistant(library=library, embedder=fake_embedder)))
    at.file_uploader(key="uploader").set_value(
        [("coding-note.txt", NOTE.read_bytes(), "text/plain")]).run()
    assert len(library.view().documents) == 1
    at.button(key=f"remove-{doc_id_for('coding-note.txt')}").click().run()
    assert len(library.view().documents) == 1  # not before the confirmation
    at.button(key="confirm_remove_no").click().run()
    assert len(library.view().documents) == 1
    assert "confirm_remove_yes" not in [b.key for b in at.button]
    at.button(key=f"remove-{doc_id_for('coding-note.txt')}").click().run()
    at.button(key="confirm_remove_yes").click().run()
    assert not at.exception, at.exception
    assert library.view().empty
    assert "coding-note.txt" in _unescape(at.success[0].value)
    at.sidebar.button(key="to_chat").click().run()
    assert at.info and at.button(key="load_samples")  # back to the empty state


def test_empty_state_loads_the_sample_material(library: Library, fake_embedder: Any) -> None:
    at = _app(FakeAssistant(library=library, embedder=fake_embedder))
    assert "No materials yet" in _unescape(at.info[0].value)
    assert not at.chat_input
    at.button(key="load_samples").click().run()
    assert not at.exception, at.exception
    names = sorted(d.source for d in library.view().documents)
    assert names == sorted(p.name for p in sample_materials()) and names
    assert not at.info and at.chat_input(key="question")
    lines = [_unescape(m.value) for m in _to_library(at).markdown]
    assert sum("**added**" in ln for ln in lines) == len(names)


def test_bad_setting_is_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPTCITE_TOP_K", "0")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    [error] = at.error
    assert _unescape(error.value).startswith("CPTCITE_TOP_K:") and "\n" not in error.value
    assert not at.exception


# --- _escape_md on its own, checked with a real CommonMark renderer ----------------------


def _load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cptcite_app_under_test", APP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # __name__ is not "__main__": the page is not drawn
    return module


def test_answer_md_keeps_only_the_service_layout() -> None:
    answer_md = _load_app()._answer_md
    text = (f"**Lead {HOSTILE}** [1]\n\n> {HOSTILE}\n> # not a heading [1]\n\n"
            f"Caution: {HOSTILE} [1][2]\n\n- [x](http://evil.example)")
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(answer_md(text))
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags == {"p", "strong", "blockquote", "br", "code"}, html
    assert html.count("<blockquote>") == 1 and html.count("<strong>") == 1
    assert "Lead Click [here](" in html


@pytest.mark.parametrize("text", [
    HOSTILE,
    "mail me@evil.example or see HTTPS://evil.example/a_b*c*, www.evil.example/`x`",
    "[a](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<https://evil.example>",
    "    four spaces make code\n# heading\n> quote\n- item\n1. item",
    "back\\slash \\[not a link\\](x)",
])
def test_escape_md_keeps_text_verbatim_and_inert(text: str) -> None:
    escape_md = _load_app()._escape_md
    out = escape_md(text)
    assert _unescape(out).replace("  \n", "\n") == "\n".join(
        re.sub(r"^[ \t]+", " ", ln) for ln in text.split("\n"))
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(out)
    for tag in ("<a ", "<img", "<script", "<pre", "<h1", "<blockquote", "<ul", "<ol", "<em"):
        assert tag not in html, (tag, html)
    # GFM autolinks bare URLs and e-mail addresses in text: they must sit in code spans.
    outside_code = re.sub(r"<code>.*?</code>", "", html)
    for linkable in ("http", "HTTP", "www.", "@"):
        assert linkable not in outside_code, (linkable, html)


# --- the Library page ------------------------------------------------------------------

FEES = Path(__file__).resolve().parent / "data" / "rules" / "edit_tables.md"


@pytest.fixture
def two_documents(library: Library, fake_embedder: Any) -> AppTest:
    at = _to_library(_app(FakeAssistant(library=library, embedder=fake_embedder)))
    at.file_uploader(key="uploader").set_value(
        [("coding-note.txt", NOTE.read_bytes(), "text/plain"),
         ("widget-fees.md", FEES.read_bytes(), "text/markdown")]).run()
    assert not at.exception, at.exception
    return at


def _names(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value.iloc[:, 0])


def test_library_finds_documents_by_name_type_and_code(two_documents: AppTest) -> None:
    at = two_documents
    assert _names(at) == ["coding-note.txt", "widget-fees.md"]
    table = at.dataframe[0].value
    assert list(table.columns)[:4] == ["Name", "Type", "Size (KB)", "Units"]
    assert "99961" in table.iloc[1]["Codes"] or "(+" in table.iloc[1]["Codes"]
    at.text_input(key="lib_search").set_value("99961").run()
    assert _names(at) == ["widget-fees.md"]
    at.text_input(key="lib_search").set_value("CODING").run()
    assert _names(at) == ["coding-note.txt"]
    at.text_input(key="lib_search").set_value("").run()
    at.multiselect(key="lib_types").set_value(["Markdown"]).run()
    assert _names(at) == ["widget-fees.md"]
    at.multiselect(key="lib_types").set_value([]).run()
    at.text_input(key="lib_code").set_value("99999").run()
    assert not at.dataframe and "No document matches" in _unescape(at.info[0].value)


def test_library_shows_a_documents_tables_and_rules_as_read(two_documents: AppTest) -> None:
    at = two_documents
    at.selectbox(key="lib_detail").set_value("widget-fees.md").run()
    shown = [m.value for m in at.markdown]
    # a PTP row as a small table under its column headers
    assert any(v.startswith("| Column 1 | Column 2 |") and "99961" in v for v in shown), shown
    labels = [_unescape(e.label) for e in at.expander]
    assert any(label.startswith("99951") and "Add-on code" in label for label in labels)
    rule_quotes = [_unescape(m.value) for e in at.expander for m in e.markdown]
    assert any("Column 2: 99961" in q for q in rule_quotes)


def test_library_removes_several_documents_after_a_confirmation(
    two_documents: AppTest, library: Library
) -> None:
    at = two_documents
    at.multiselect(key="lib_remove").set_value(["coding-note.txt", "widget-fees.md"]).run()
    at.button(key="lib_remove_ask").click().run()
    assert len(library.view().documents) == 2
    assert "Remove 2 documents?" in _unescape(at.warning[0].value)
    at.button(key="confirm_remove_yes").click().run()
    assert not at.exception, at.exception
    assert library.view().empty
    assert "Removed 2 documents." in _unescape(at.success[0].value)


def test_library_page_in_arabic_reads_right_to_left(two_documents: AppTest) -> None:
    at = two_documents
    at.sidebar.selectbox(key="ui_lang").set_value("ar").run()
    assert not at.exception, at.exception
    assert at.text_input(key="lib_search").label == message("ar", "Search by name or code")
    assert next(iter(at.dataframe[0].value.columns)) == message("ar", "Name")
    assert at.sidebar.button(key="to_chat").label == message("ar", "Back to questions")
    assert any(b.proto.id.endswith("rtl-main") for b in at.main.children.values())


def test_the_interface_language_survives_a_page_switch() -> None:
    at = _app(FakeAssistant(_view()))
    at.sidebar.selectbox(key="ui_lang").set_value("es").run()
    _to_library(at)
    assert at.sidebar.selectbox(key="ui_lang").value == "es"
    assert at.header[0].value == message("es", "Library")


# --- the Performance page --------------------------------------------------------------

GOLD_LINES = [
    {"id": "p1", "lang": "en", "question": "Can 99931 be billed with 99921?", "answerable": True,
     "evidence": [], "contains": [], "verdict": "not_allowed", "codes": ["99931", "99921"]},
    {"id": "p2", "lang": "es", "question": "¿Qué tiempo hace hoy en Madrid?",
     "answerable": False, "evidence": [], "contains": [], "verdict": None, "codes": []},
    {"id": "p3", "lang": "en", "question": "What does 99931 describe?", "answerable": True,
     "evidence": ["a passage that no material holds"], "contains": [], "verdict": None,
     "codes": [], "source": "fictional-99931-laser-lithotripsy-addon.html"},
]


def _gold_bytes(lines: list[object]) -> bytes:
    import json

    return "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines).encode()


def _to_performance(at: AppTest) -> AppTest:
    at.sidebar.button(key="to_performance").click().run()
    assert not at.exception, at.exception
    return at


def _wait_for_run(at: AppTest, assistant: Any) -> AppTest:
    from eval.live import current_job

    job = current_job(assistant)
    assert job is not None and job.thread is not None
    job.thread.join(timeout=120)
    assert not job.running and job.error is None, job.error
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_performance_page_runs_an_uploaded_gold_file(
    library: Library, fake_embedder: Any, lang: str
) -> None:
    fake = FakeAssistant(library=library, embedder=fake_embedder)
    at = _app(fake)
    at.button(key="load_samples").click().run()
    at.sidebar.selectbox(key="ui_lang").set_value(lang).run()
    _to_performance(at)
    assert at.header[0].value == message(lang, "Performance")
    at.radio(key="perf_gold").set_value(message(lang, "Upload a gold file (JSON Lines)")).run()
    at.file_uploader(key="perf_upload").set_value(
        [("small-gold.jsonl", _gold_bytes(GOLD_LINES), "application/json")]).run()
    at.button(key="perf_run").click().run()
    _wait_for_run(at, fake)
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["all", "en", "es"]
    assert message(lang, "Fact accuracy") in table.columns
    # the bar chart per language and the chart of the runs over time
    assert len(at.get("vega_lite_chart")) == 2
    runs = library.registry.eval_runs()
    assert runs[-1]["gold"] == "small-gold.jsonl" and runs[-1]["metrics"]["all"]["n"] == 3
    failures = [e for e in at.expander if _unescape(e.label).startswith("p3")]
    assert failures, [e.label for e in at.expander]
    # the failure's source opens in the Library
    source = "fictional-99931-laser-lithotripsy-addon.html"
    at.button(key="perf_src_0" if failures else "").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="lib_detail").value == source
    if lang == "ar":
        assert any(b.proto.id.endswith("rtl-main") for b in at.main.children.values())


def test_a_bad_gold_file_shows_a_reason_per_line_and_runs_nothing(
    library: Library, fake_embedder: Any
) -> None:
    at = _to_performance(_app(FakeAssistant(library=library, embedder=fake_embedder)))
    bad = [GOLD_LINES[0], "{not json", {**GOLD_LINES[1], "lang": "xx"},
           {k: v for k, v in GOLD_LINES[2].items() if k != "answerable"}]
    at.radio(key="perf_gold").set_value(message("en", "Upload a gold file (JSON Lines)")).run()
    at.file_uploader(key="perf_upload").set_value(
        [("bad.jsonl", _gold_bytes(bad), "application/json")]).run()
    errors = [_unescape(e.value) for e in at.error]
    assert len(errors) == 3, errors
    assert errors[0].startswith("bad.jsonl:2: not valid JSON")
    assert "bad.jsonl:3" in errors[1] and "ten languages" in errors[1]
    assert "bad.jsonl:4" in errors[2] and "answerable" in errors[2]
    assert all("\n" not in e for e in errors)
    assert "perf_run" not in [b.key for b in at.button]
    assert library.registry.eval_runs() == []


class _EditRowAssistant(FakeAssistant):
    """A claim decided by a row of a national edit file (kept in the edit store)."""

    QUOTE = ("Column 1: 99950 | Column 2: 99961 | Effective Date: 20190101 | "
             "Modifier 0=not allowed 1=allowed 9=not applicable: 0")

    def check(self, claim: str | list[str]) -> Verdict:
        self.checked.append(claim)
        cite = Citation(n=1, source="ptp-v263r0-f1.txt", chunk_id="edits:1:36",
                        quote=self.QUOTE, start=0, end=len(self.QUOTE))
        return Verdict(status="not_allowed", codes=["99950", "99961"], findings=[
            Finding(severity="error", code="99950", rule="pair_edit",
                    message="a PTP edit never pays 99961 with 99950 (modifier indicator 0)",
                    citations=[cite])])


def test_claim_checker_names_the_edit_table_and_row_that_decided() -> None:
    at = _app(_EditRowAssistant(_view()))
    at.text_input(key="claim_text").set_value("99950 99961")
    next(b for b in at.button if b.key.startswith("FormSubmitter:claim_form")).click().run()
    assert not at.exception, at.exception
    [exp] = at.tabs[1].expander
    assert "ptp\\-v263r0\\-f1.txt" in exp.label or "ptp-v263r0-f1.txt" in _unescape(exp.label)
    captions = [_unescape(c.value) for c in exp.caption]
    assert "Row 36 of the edit table ptp-v263r0-f1.txt" in captions, captions
    assert any("Column 2" in m.value and "99961" in m.value for m in exp.markdown)  # as a table


def test_library_lists_national_edit_files(
    library: Library, fake_embedder: Any, tmp_path: Path
) -> None:
    from ingest.pipeline import IngestOptions, ingest_paths

    edits = Path(__file__).resolve().parent / "data" / "edits"
    ingest_paths([edits / "ptp-practitioner.tsv"], library, fake_embedder,
                 IngestOptions(edit_store_rows=1))
    at = _to_library(_app(FakeAssistant(library=library, embedder=fake_embedder)))
    assert "National edit files" in [s.value for s in at.subheader], [s.value for s in at.subheader]
    frame = at.dataframe[0].value
    [stored] = library.edits.files()
    assert list(frame.iloc[0][:3]) == ["ptp-practitioner.tsv", "PTP edits", stored.rows]
    assert stored.rows > 0
