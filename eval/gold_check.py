"""Validate gold Q&A files (JSON Lines) against the schema in CONTRACT.md and the materials.

A gold file is only useful when every evidence passage can actually be found in the materials:
otherwise a perfect citation would be scored wrong. So besides the schema, this checks that
each evidence passage occurs in some material text (case and whitespace folded).

Usage::

    python -m eval.gold_check                        # eval/gold/*.jsonl over the default materials
    python -m eval.gold_check eval/gold/seed-a.jsonl --materials ../shared/seeds ingest/samples
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path

__all__ = [
    "ALLOWED_LANGS",
    "ALLOWED_VERDICTS",
    "default_gold_files",
    "default_material_paths",
    "fold",
    "html_to_text",
    "load_materials",
    "main",
    "validate_gold",
]

ALLOWED_LANGS = frozenset({"en", "es", "zh", "ru", "ar", "vi", "fr", "de", "ko", "tl"})
ALLOWED_VERDICTS = frozenset({"allowed", "not_allowed", "missing_primary", "unknown"})
REQUIRED_FIELDS = (
    "id",
    "lang",
    "question",
    "answerable",
    "evidence",
    "contains",
    "verdict",
    "codes",
)

REPO = Path(__file__).resolve().parents[1]
GOLD_DIR = REPO / "eval" / "gold"
SAMPLES_DIR = REPO / "ingest" / "samples"
MATERIAL_SUFFIXES = (".txt", ".md", ".html", ".htm")

# A one-word passage such as "50706" would make almost any chunk count as correct evidence.
MIN_EVIDENCE_WORDS = 4
_CODE = re.compile(r"^[0-9A-Z]{5}$")
# Loaders strip Markdown/HTML markup, so a passage holding it may not survive ingestion.
_MARKUP = re.compile(r"[*_`<>#|\[\]]")
# "interpretation.This": the seed glues sentences; a passage across the seam is fragile.
_GLUED = re.compile(r"[a-z)]\.[A-Z]")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lowercase and collapse runs of whitespace to one space (the contract's folding)."""
    return _SPACE.sub(" ", text.lower()).strip()


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page; block elements end a line so words never run together."""

    _BLOCKS = frozenset(
        ["p", "div", "li", "ul", "ol", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table", "section", "article", "main", "header", "footer", "title", "blockquote"]
    )
    _SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain visible text of an HTML document (stdlib only; good enough to find passages)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def default_material_paths() -> list[Path]:
    """Return the seed page (``$CPTCITE_SHARED`` or ``../shared``) and ingest/samples/."""
    shared = Path(os.environ.get("CPTCITE_SHARED", REPO.parent / "shared"))
    return [shared / "seeds" / "cpt-50706-iframe-page.txt", SAMPLES_DIR]


def default_gold_files() -> list[Path]:
    """Every ``*.jsonl`` under eval/gold/, sorted."""
    return sorted(GOLD_DIR.glob("*.jsonl"))


def _walk(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*")) if p.suffix.lower() in MATERIAL_SUFFIXES
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"material {path} not found; pass an existing file or folder")
    return files


def load_materials(paths: Iterable[str | Path]) -> dict[str, str]:
    """Read material files (folders are walked) into ``{file name: plain text}``.

    HTML is reduced to its visible text; txt and md are read as they are.
    Raises FileNotFoundError for a path that does not exist.
    """
    texts: dict[str, str] = {}
    for path in _walk(paths):
        raw = path.read_text(encoding="utf-8", errors="replace")
        texts[path.name] = html_to_text(raw) if path.suffix.lower() in (".html", ".htm") else raw
    return texts


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_item(item: dict, where: str, folded: list[str]) -> list[str]:
    """Problems of one gold object (schema, evidence found, internal consistency)."""
    problems: list[str] = []
    missing = [f for f in REQUIRED_FIELDS if f not in item]
    if missing:
        return [f"{where}: missing field(s) {', '.join(missing)}"]
    if not isinstance(item["id"], str) or not item["id"].strip():
        problems.append(f"{where}: id must be a non-empty string")
    if item["lang"] not in ALLOWED_LANGS:
        problems.append(
            f"{where}: lang {item['lang']!r} not one of {' '.join(sorted(ALLOWED_LANGS))}"
        )
    if not isinstance(item["question"], str) or not item["question"].strip():
        problems.append(f"{where}: question must be a non-empty string")
    if not isinstance(item["answerable"], bool):
        problems.append(f"{where}: answerable must be true or false")
    for field in ("evidence", "contains", "codes"):
        if not _is_str_list(item[field]):
            problems.append(f"{where}: {field} must be a list of strings")
    verdict = item["verdict"]
    if verdict is not None and verdict not in ALLOWED_VERDICTS:
        problems.append(
            f"{where}: verdict {verdict!r} not null or one of {sorted(ALLOWED_VERDICTS)}"
        )
    if problems:
        return problems  # the checks below assume the types are right

    evidence, contains, codes = item["evidence"], item["contains"], item["codes"]
    for code in codes:
        if not _CODE.match(code):
            problems.append(f"{where}: code {code!r} is not 5 characters (digits/capitals)")
    if not item["answerable"]:
        if evidence or verdict is not None:
            problems.append(f"{where}: unanswerable item must have evidence [] and verdict null")
        if contains:
            # A refusal is written in the asker's language: no material string can be required.
            problems.append(f"{where}: unanswerable item must have contains []")
        return problems
    if verdict is not None:
        if not codes:
            problems.append(f"{where}: claim (verdict {verdict}) must list its codes")
        for code in codes:
            if code not in item["question"]:
                problems.append(f"{where}: claim code {code} does not appear in the question")
    elif not evidence:
        problems.append(f"{where}: answerable item needs at least one evidence passage")
    for passage in evidence:
        problems.extend(_check_passage(passage, where, folded))
    folded_evidence = " | ".join(fold(p) for p in evidence)
    for needle in contains:
        if not needle.strip():
            problems.append(f"{where}: contains holds an empty string")
        elif fold(needle) not in folded_evidence:
            problems.append(f"{where}: contains {needle!r} is not in any of its evidence passages")
    return problems


def _check_passage(passage: str, where: str, folded: list[str]) -> list[str]:
    problems: list[str] = []
    if len(passage.split()) < MIN_EVIDENCE_WORDS:
        problems.append(f"{where}: evidence {passage!r} is shorter than {MIN_EVIDENCE_WORDS} words")
    if _MARKUP.search(passage):
        problems.append(f"{where}: evidence {passage!r} holds markup characters a loader may strip")
    if _GLUED.search(passage):
        problems.append(f"{where}: evidence {passage!r} spans two glued sentences; keep to one")
    needle = fold(passage)
    if not any(needle in text for text in folded):
        problems.append(f"{where}: evidence not found in any material: {passage!r}")
    return problems


def validate_gold(
    path_or_paths: str | Path | Sequence[str | Path], materials_texts: dict[str, str]
) -> list[str]:
    """Check gold JSONL file(s); return one line per problem (``file:line: ...``), [] when valid.

    ``materials_texts`` maps a material name to its plain text; every evidence passage must
    occur (case and whitespace folded) in at least one of them. Ids must be unique across all
    the files given.
    """
    paths = [path_or_paths] if isinstance(path_or_paths, (str, Path)) else list(path_or_paths)
    folded = [fold(t) for t in materials_texts.values()]
    problems: list[str] = []
    seen: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read ({exc})")
            continue
        for number, line in enumerate(lines, start=1):
            where = f"{path.name}:{number}"
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(item, dict):
                problems.append(f"{where}: a line must be a JSON object")
                continue
            problems.extend(_check_item(item, where, folded))
            item_id = item.get("id")
            if isinstance(item_id, str):
                if item_id in seen:
                    problems.append(f"{where}: duplicate id {item_id!r} (first at {seen[item_id]})")
                else:
                    seen[item_id] = where
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print one problem a line; exit 0 when valid, 1 with problems, 2 on bad usage."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.gold_check",
        description="Validate gold Q&A JSONL files against the contract and the materials.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="gold JSONL files (default: eval/gold/*.jsonl)",
    )
    parser.add_argument(
        "--materials",
        nargs="+",
        action="extend",
        type=Path,
        metavar="PATH",
        help="material files or folders (default: the seed page and ingest/samples/); "
        "put FILES before this option or end it with --",
    )
    args = parser.parse_args(argv)
    files = args.files or default_gold_files()
    if not files:
        print(f"no gold files given and none under {GOLD_DIR}", file=sys.stderr)
        return 2
    try:
        materials = load_materials(args.materials or default_material_paths())
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    problems = validate_gold(files, materials)
    for problem in problems:
        print(problem)
    status = f"{len(problems)} problem(s)" if problems else "OK"
    print(f"{len(files)} gold file(s), {len(materials)} material(s): {status}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
