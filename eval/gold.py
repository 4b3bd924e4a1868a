"""Load gold Q&A (JSON Lines, schema in CONTRACT.md "Evaluate") into frozen records.

Validation of the files against the materials lives in ``eval/gold_check.py``; this module
only parses, and raises GoldError with ``file:line`` on anything it cannot use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retrieval.language import LANGUAGES

__all__ = ["GOLD_DIR", "GoldError", "GoldItem", "default_gold_files", "load_gold", "parse_gold"]

GOLD_DIR = Path(__file__).resolve().parent / "gold"


class GoldError(ValueError):
    """A gold file cannot be read or a line does not follow the schema."""


@dataclass(frozen=True)
class GoldItem:
    """One gold question."""

    id: str
    lang: str
    question: str
    answerable: bool
    evidence: tuple[str, ...]
    contains: tuple[str, ...]
    verdict: str | None
    codes: tuple[str, ...]
    file: str = ""
    source: str = ""  # the document that answers (optional gold field)


def default_gold_files() -> list[Path]:
    """Every ``eval/gold/*.jsonl``, sorted by name."""
    return sorted(GOLD_DIR.glob("*.jsonl"))


def _str_tuple(obj: dict, key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GoldError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


def _parse(obj: object, where: str, file: str) -> GoldItem:
    if not isinstance(obj, dict):
        raise GoldError(f"{where}: a line must be a JSON object")
    for key in ("id", "lang", "question"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise GoldError(f"{where}: {key!r} must be a non-empty string")
    if obj["lang"] not in LANGUAGES:
        raise GoldError(
            f"{where}: 'lang' {obj['lang']!r} is not one of the ten languages "
            f"({', '.join(LANGUAGES)})"
        )
    if not isinstance(obj.get("answerable"), bool):
        raise GoldError(f"{where}: 'answerable' must be true or false")
    verdict = obj.get("verdict")
    if verdict is not None and not isinstance(verdict, str):
        raise GoldError(f"{where}: 'verdict' must be null or a string")
    return GoldItem(
        id=obj["id"],
        lang=obj["lang"],
        question=obj["question"],
        answerable=obj["answerable"],
        evidence=_str_tuple(obj, "evidence", where),
        contains=_str_tuple(obj, "contains", where),
        verdict=verdict,
        codes=_str_tuple(obj, "codes", where),
        file=file,
        source=obj["source"] if isinstance(obj.get("source"), str) else "",
    )


def load_gold(paths: Iterable[str | Path]) -> list[GoldItem]:
    """Read gold JSONL files in order; blank lines are skipped; ids must be unique.

    Raises:
        GoldError: a file is missing or unreadable, a line is not valid, or an id repeats.
    """
    items: list[GoldItem] = []
    seen: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GoldError(
                f"cannot read gold file {path}: {exc}; pass an existing --gold FILE"
            ) from exc
        for item, error in _read_lines(text, path.name, seen):
            if error:
                raise GoldError(error)
            items.append(item)  # type: ignore[arg-type]
    return items


def parse_gold(text: str, name: str) -> tuple[list[GoldItem], list[str]]:
    """The items of one gold file's text and a one-line reason for every line that is not
    one (bad JSON, a missing or wrong field, a language outside the ten, a repeated id)."""
    items: list[GoldItem] = []
    errors: list[str] = []
    for item, error in _read_lines(text, name, {}):
        if error:
            errors.append(error)
        else:
            items.append(item)  # type: ignore[arg-type]
    return items, errors


def _read_lines(
    text: str, name: str, seen: dict[str, str]
) -> Iterable[tuple[GoldItem | None, str | None]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            item = _parse(json.loads(line), where, name)
        except json.JSONDecodeError as exc:
            yield None, f"{where}: not valid JSON ({exc.msg})"
            continue
        except GoldError as exc:
            yield None, str(exc)
            continue
        if item.id in seen:
            yield None, f"{where}: duplicate id {item.id!r} (first at {seen[item.id]})"
            continue
        seen[item.id] = where
        yield item, None
