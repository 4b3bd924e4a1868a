"""Turn an EvalRun into the report: a dict (report.json), Markdown, a terminal summary, plots.

``build_report`` is pure; ``write_report`` does the file I/O (JSON, Markdown, PNGs drawn with
matplotlib's Agg backend, so no display is needed).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from eval.metrics import METRICS, Outcome, diagnose, score, score_by_language
from eval.runner import EvalRun, SystemRun, to_outcome

__all__ = [
    "DEFINITIONS",
    "build_report",
    "format_summary",
    "git_commit",
    "markdown_report",
    "write_report",
]

DEFINITIONS = {
    "relevant": "a chunk or quote contains an evidence passage (case folded, whitespace runs "
    "collapsed)",
    "recall@k": "share of answerable questions with evidence whose top k retrieved chunks hold "
    "a relevant one",
    "mrr@5": "mean 1/rank of the first relevant chunk in the top 5 (0 when none)",
    "ndcg@5": "binary nDCG@5; the ideal ranking puts the list's relevant chunks first",
    "citation_precision": "share of citations (answerable questions with evidence) whose quote "
    "or cited chunk is relevant",
    "citation_recall": "share of answerable questions with evidence having a correct citation",
    "contains_accuracy": "share of answerable questions whose answer holds every contains string",
    "verdict_accuracy": "share of claim questions whose verdict status equals the gold verdict",
    "refusal_*": "positive = refused; truth = not answerable",
    "false_refusal_rate": "refused answerable questions / answerable questions",
    "fact_accuracy": "answerable non-claim questions not refused, holding every contains "
    "string, with a correct citation",
    "language_accuracy": "the answer's detected language equals the gold lang",
    "latency": "wall time of Assistant.ask in this process, after one warm-up question",
}

# Columns of the terminal summary: (metric key, header).
_SUMMARY = (
    ("n", "n"),
    ("fact_accuracy", "fact"),
    ("verdict_accuracy", "verdict"),
    ("recall@5", "R@5"),
    ("mrr@5", "MRR@5"),
    ("citation_precision", "citeP"),
    ("citation_recall", "citeR"),
    ("refusal_recall", "refuseR"),
    ("false_refusal_rate", "falseRef"),
    ("latency_p50_ms", "p50ms"),
    ("latency_p95_ms", "p95ms"),
)


def git_commit(repo: Path | None = None) -> str | None:
    """``git rev-parse --short HEAD`` of the repository, or None when unavailable."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repo or Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def _row(system: str, o: Outcome, wall_ms: float, sources: list[str]) -> dict:
    rels = o.rels()
    return {
        "system": system,
        "id": o.id,
        "lang": o.lang,
        "answerable": o.answerable,
        "gold_verdict": o.gold_verdict,
        "refused": o.refused,
        "verdict": o.verdict,
        "language": o.language,
        "first_relevant_rank": rels.index(True) + 1 if True in rels else None,
        "citations": len(o.citations),
        "correct_citations": sum(o.correct_citations()),
        "contains_ok": o.contains_ok() if o.answerable else None,
        "fact_ok": o.fact_ok() if o.is_fact else None,
        "failure": diagnose(o),
        "latency_ms": round(wall_ms, 2),
        "error": o.error,
        "answer": o.answer,
        "retrieved_sources": sources,
    }


def build_report(
    run: EvalRun,
    *,
    date: str | None = None,
    commit: str | None = None,
    styles: Mapping[str, str] | None = None,
) -> dict:
    """The whole report as JSON-ready data: metadata, metrics per system and language, rows.

    ``styles`` (a document's file name -> its style, from a corpus manifest): each system's
    metrics are also given per style of the document that answers (the gold ``source``).
    """
    systems: dict[str, dict] = {}
    rows: list[dict] = []
    for sysrun in run.systems:
        outcomes = [to_outcome(r) for r in sysrun.rows]
        systems[sysrun.spec.name] = {
            "description": sysrun.spec.description,
            "mode": sysrun.spec.mode,
            "model": sysrun.model,
            "chunks": sysrun.chunks,
            "ingest_s": round(sysrun.ingest_s, 2),
            "metrics": score_by_language(outcomes),
        }
        if styles:
            systems[sysrun.spec.name]["by_style"] = _by_style(sysrun, outcomes, styles)
        for qr, o in zip(sysrun.rows, outcomes, strict=True):
            sources = [r.source for r in qr.answer.retrieved] if qr.answer else []
            rows.append(_row(sysrun.spec.name, o, qr.wall_ms, sources))
    return {
        "date": date or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "gold_files": run.gold_files,
        "materials": run.materials,
        "questions": len({r["id"] for r in rows}),
        "notes": list(run.notes),
        "definitions": DEFINITIONS,
        "systems": systems,
        "rows": rows,
    }


def _by_style(sysrun: SystemRun, outcomes: Sequence[Outcome],
              styles: Mapping[str, str]) -> dict[str, dict]:
    """Metrics of the questions answered by each style of document (unanswerable questions
    and ``unknown`` claims, which have no source, are left out)."""
    groups: dict[str, list[Outcome]] = {}
    for qr, o in zip(sysrun.rows, outcomes, strict=True):
        style = styles.get(qr.item.source)
        if style:
            groups.setdefault(style, []).append(o)
    return {style: score(groups[style]) for style in sorted(groups)}


def load_styles(manifest: Path) -> dict[str, str]:
    """A corpus manifest (JSON Lines with ``file`` and ``style``) as file name -> style."""
    styles: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            if isinstance(entry.get("file"), str) and isinstance(entry.get("style"), str):
                styles[entry["file"]] = entry["style"]
    return styles


def _fmt(key: str, value: object) -> str:
    if value is None:
        return "n/a"
    if key in ("n",) or isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if key.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def _table(headers: Sequence[str], body: Sequence[Sequence[str]], *, markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines)
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in body])


def _main_system(report: dict) -> str | None:
    names = list(report["systems"])
    return "full" if "full" in names else (names[0] if names else None)


def _language_table(
    report: dict, system: str, columns: Sequence[tuple[str, str]], *, markdown: bool
) -> str:
    metrics = report["systems"][system]["metrics"]
    body = [[lang] + [_fmt(k, m.get(k)) for k, _ in columns] for lang, m in metrics.items()]
    return _table(["lang"] + [h for _, h in columns], body, markdown=markdown)


def _style_table(
    report: dict, system: str, columns: Sequence[tuple[str, str]], *, markdown: bool
) -> str:
    styles = report["systems"][system].get("by_style", {})
    body = [[style] + [_fmt(k, m.get(k)) for k, _ in columns] for style, m in styles.items()]
    return _table(["document style", *[h for _, h in columns]], body, markdown=markdown)


def _system_table(report: dict, columns: Sequence[tuple[str, str]], *, markdown: bool) -> str:
    body = [
        [name] + [_fmt(k, s["metrics"]["all"].get(k)) for k, _ in columns]
        for name, s in report["systems"].items()
    ]
    return _table(["system"] + [h for _, h in columns], body, markdown=markdown)


def _header(report: dict) -> str:
    commit = report.get("commit") or "unknown commit"
    return (
        f"cptcite evaluation, {report['date']}, commit {commit}: {report['questions']} question(s) "
        f"from {', '.join(report['gold_files']) or 'no gold file'}; "
        f"{len(report['materials'])} material path(s)"
    )


def format_summary(report: dict) -> str:
    """The terminal summary: the main system per language, then the system comparison."""
    parts = [_header(report)]
    main = _main_system(report)
    if main is not None:
        parts += [
            "",
            f"{main} system, per language:",
            _language_table(report, main, _SUMMARY, markdown=False),
        ]
        if report["systems"][main].get("by_style"):
            parts += ["", f"{main} system, per style of the document that answers:",
                      _style_table(report, main, _SUMMARY, markdown=False)]
        parts += [
            "",
            "systems compared (all languages):",
            _system_table(report, _SUMMARY, markdown=False),
        ]
    parts += [f"note: {n}" for n in report["notes"]]
    return "\n".join(parts)


def markdown_report(report: dict) -> str:
    """report.md: summary tables, every metric per system and language, failures, definitions."""
    columns = [("n", "n")] + [(k, h) for k, h, _ in METRICS]
    out = ["# cptcite evaluation", "", _header(report), ""]
    out += [
        "## Systems compared (all languages)",
        "",
        _system_table(report, columns, markdown=True),
        "",
    ]
    for name, s in report["systems"].items():
        out += [
            f"## {name}: {s['description']}",
            "",
            (
                f"mode `{s['mode']}`, model `{Path(s['model']).name}`, {s['chunks']} chunks, "
                f"ingest {s['ingest_s']} s"
            ),
            "",
            _language_table(report, name, columns, markdown=True),
            "",
        ]
    main = _main_system(report)
    failures = [r for r in report["rows"] if r["system"] == main and r["failure"]]
    if main is not None:
        out += [f"## Failed questions of {main} ({len(failures)})", ""]
        out += [f"- `{r['id']}` ({r['lang']}): {r['failure']}" for r in failures] or ["none"]
        out.append("")
    out += [
        "## Plots",
        "",
        "![fact accuracy](fact_accuracy_by_language.png)",
        "![recall@5](recall5_by_language.png)",
        "![latency](latency_hist.png)",
        "",
    ]
    out += ["## Definitions", ""] + [f"- **{k}**: {v}" for k, v in report["definitions"].items()]
    if report["notes"]:
        out += ["", "## Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(out) + "\n"


def _bars(report: dict, key: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["systems"])
    langs = sorted({lang for s in report["systems"].values() for lang in s["metrics"]} - {"all"})
    langs.append("all")
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(max(6, len(langs) * 0.9), 4))
    for i, name in enumerate(names):
        metrics = report["systems"][name]["metrics"]
        values = [metrics.get(lang, {}).get(key) or 0.0 for lang in langs]
        ax.bar([x + i * width for x in range(len(langs))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(langs))], langs)
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _latency(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name in report["systems"]:
        values = [r["latency_ms"] for r in report["rows"] if r["system"] == name]
        if values:
            ax.hist(values, bins=30, alpha=0.5, label=name)
    ax.set_xlabel("answer latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("latency distribution")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(report: dict, out_dir: Path) -> list[Path]:
    """Write report.json, report.md and three PNG plots into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        out_dir / n
        for n in (
            "report.json",
            "report.md",
            "fact_accuracy_by_language.png",
            "recall5_by_language.png",
            "latency_hist.png",
        )
    ]
    paths[0].write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    paths[1].write_text(markdown_report(report), encoding="utf-8")
    _bars(report, "fact_accuracy", "fact accuracy by language", paths[2])
    _bars(report, "recall@5", "retrieval recall@5 by language", paths[3])
    _latency(report, paths[4])
    return paths
