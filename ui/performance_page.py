"""The Performance page: run a gold set (the bundled sample set or an uploaded JSON Lines file
in the contract's gold format) against the current library, and see how well the assistant
answers on it, per language, over time, and where it failed.

The run is ``eval.live`` (the same code path as ``python -m eval``) in a background thread:
the page can be left, and shows the result when it comes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from eval.gold import GoldItem, default_gold_files, parse_gold
from eval.live import EvalJob, current_job, start_job
from ui.text import escape_md, show_error, t

if TYPE_CHECKING:
    from retrieval.service import Assistant

__all__ = ["performance_page"]

_POLL_S = 1.0
# (metric key, interface label)
_COLUMNS = (
    ("n", "Questions"),
    ("fact_accuracy", "Fact accuracy"),
    ("verdict_accuracy", "Verdict accuracy"),
    ("refusal_recall", "Refusal recall"),
    ("false_refusal_rate", "False refusals"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)
_SHOWN_FAILURES = 30


def _bundled() -> tuple[list[GoldItem], list[str]]:
    items: list[GoldItem] = []
    errors: list[str] = []
    for path in default_gold_files():
        got, bad = parse_gold(path.read_text(encoding="utf-8"), path.name)
        items += got
        errors += bad
    return items, errors


def _chosen_gold() -> tuple[list[GoldItem], list[str], str] | None:
    """The gold set picked on the page, its line errors and its name; None while no file."""
    choices = [t("Bundled sample set"), t("Upload a gold file (JSON Lines)")]
    kind = st.radio(t("Gold set"), choices, key="perf_gold", horizontal=True)
    if kind != choices[1]:
        items, errors = _bundled()
        return items, errors, "bundled"
    upload = st.file_uploader(t("Gold file"), type=["jsonl", "json", "txt"], key="perf_upload")
    if upload is None:
        return None
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        return [], [f"{upload.name}: not UTF-8 text"], upload.name
    items, errors = parse_gold(text, upload.name)
    if not items and not errors:
        errors = [f"{upload.name}: no questions in the file"]
    return items, errors, upload.name


def _metric(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def _language_table(metrics: dict[str, dict[str, Any]]) -> None:
    data: dict[str, list[Any]] = {t("Language"): list(metrics)}
    for key, label in _COLUMNS:
        data[t(label)] = [_metric(metrics[lang].get(key)) for lang in metrics]
    st.dataframe(data, hide_index=True, key="perf_table")


def _charts(metrics: dict[str, dict[str, Any]], assistant: Assistant) -> None:
    langs = [lang for lang in metrics if lang != "all"]
    st.markdown(f"**{escape_md(t('Fact accuracy by language'))}**")
    st.bar_chart({t("Fact accuracy"): [metrics[lang].get("fact_accuracy") or 0.0
                                       for lang in langs]} | {"lang": langs}, x="lang")
    runs = assistant.library.registry.eval_runs()
    if runs:
        st.markdown(f"**{escape_md(t('Runs over time'))}**")
        st.line_chart(
            {
                "run": list(range(1, len(runs) + 1)),
                t("Fact accuracy"): [r["metrics"]["all"].get("fact_accuracy") or 0.0
                                     for r in runs],
                t("Refusal recall"): [r["metrics"]["all"].get("refusal_recall") or 0.0
                                      for r in runs],
            },
            x="run",
        )
        st.caption(escape_md(" · ".join(
            f"{i}: {r['finished_at'][:16].replace('T', ' ')} ({r['gold']}, v{r['generation']})"
            for i, r in enumerate(runs, 1))))


def _open_in_library(source: str) -> None:
    st.session_state.lib_search = source
    st.session_state.lib_detail = source
    st.session_state.perf_open = True


def _failures(report: dict, gold: dict[str, GoldItem]) -> None:
    failed = [r for r in report["rows"] if r.get("failure")]
    st.subheader(t("Failures: {n}", n=len(failed)))
    for i, row in enumerate(failed[:_SHOWN_FAILURES]):
        item = gold.get(row["id"])
        with st.expander(escape_md(f"{row['id']} · {row['lang']} · {row['failure']}")):
            if item is not None:
                st.markdown(f"**{escape_md(t('Question'))}**: {escape_md(item.question)}")
                expected = "; ".join(item.evidence) or item.verdict or t("a refusal")
                st.markdown(f"**{escape_md(t('Expected'))}**: {escape_md(expected)}")
            said = t("Refused") if row["refused"] else row.get("answer", "")
            st.markdown(f"**{escape_md(t('Answer'))}**: {escape_md(said[:600])}")
            source = (item.source if item is not None and item.source else "") or next(
                iter(row.get("retrieved_sources") or []), "")
            if source:
                st.button(t("Open {source} in the Library", source=source), key=f"perf_src_{i}",
                          on_click=_open_in_library, args=(source,))


@st.fragment(run_every=_POLL_S)
def _progress(assistant: Assistant) -> None:
    job = current_job(assistant)
    if job is None or not job.running:
        st.rerun()  # the whole page: the result is drawn
    assert job is not None
    st.progress(job.done / job.total if job.total else 0.0,
                text=escape_md(t("Running: {done}/{total} questions", done=job.done,
                                 total=job.total)))


def _result(job: EvalJob, assistant: Assistant, gold: dict[str, GoldItem]) -> None:
    if job.error:
        show_error(job.error)
        return
    assert job.report is not None
    metrics = job.report["systems"]["full"]["metrics"]
    st.subheader(t("Results: {gold}", gold=job.gold_name))
    _language_table(metrics)
    _charts(metrics, assistant)
    _failures(job.report, gold)


def performance_page(assistant: Assistant, library_page: Any) -> None:
    """Draw the Performance page (``library_page``: where a failure's source link goes)."""
    st.header(t("Performance"))
    if st.session_state.pop("perf_open", False):
        st.switch_page(library_page)
    chosen = _chosen_gold()
    job = current_job(assistant)
    if chosen is not None:
        items, errors, name = chosen
        for error in errors:
            show_error(error)
        if not errors and st.button(t("Run"), key="perf_run", type="primary",
                                    disabled=job is not None and job.running):
            if assistant.view().empty:
                show_error(t("No materials yet. Upload files or load the sample material."))
            else:
                job = start_job(assistant, items, name)
    if job is None:
        return
    if job.running:
        _progress(assistant)
        return
    _result(job, assistant, job.gold)
