"""The kind of number a question asks for ("how many days", "what percent", "the allowed
amount"), and whether a sentence of the materials holds a number of that kind.

A question asking "within how many days must records be sent?" is answered by the sentence
that holds a number of days, not by its neighbour about the policy's effective date. The
question words come in the ten languages; the materials are English and say "30 calendar
days", "50 percent", "$120.00". The table is data (``data/measures.json``), read once.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "MEASURES_PATH", "asked_direction", "asked_measures", "asks_amount", "holds_measure",
    "on_other_side",
]

MEASURES_PATH = Path(__file__).resolve().parent / "data" / "measures.json"


_Words = dict[str, tuple[str, ...]]  # words by language, case folded


@cache
def _raw() -> dict[str, Any]:
    """The measures file, read once."""
    return json.loads(MEASURES_PATH.read_text(encoding="utf-8"))


@cache
def _table() -> tuple[tuple[str, re.Pattern[str], _Words, _Words, _Words], ...]:
    """Per measure: id, pattern in the materials, words asking for it, words asking for the
    amount itself (``amount_ask``, money only), phrases read past (``not_ask``: "at the same
    time" holds "time" and asks for no duration)."""
    raw = _raw()
    return tuple(
        (m["id"], re.compile(m["pattern"], re.IGNORECASE), _folded(m["ask"]),
         _folded(m.get("amount_ask", {})), _folded(m.get("not_ask", {})))
        for m in raw["measures"]
    )


def _folded(words: dict[str, list[str]]) -> _Words:
    return {lang: tuple(w.casefold() for w in ws) for lang, ws in words.items()}


def _asks(text: str, lang: str, words: _Words, past: _Words | None = None) -> bool:
    """``text`` (case folded) holds one of ``words`` of ``lang`` or of English, once the
    phrases ``past`` of those languages are taken out of it."""
    for phrase in _in_languages(past or {}, lang):
        text = text.replace(phrase, " ")
    return any(_has_word(text, w) for w in _in_languages(words, lang))


def _in_languages(words: _Words, lang: str) -> tuple[str, ...]:
    return words.get(lang, ()) + (words.get("en", ()) if lang != "en" else ())


@lru_cache(maxsize=1024)
def asked_measures(question: str, lang: str) -> frozenset[str]:
    """The kinds of number ``question`` (in ``lang``; English words count in any language)
    asks for: ``days``, ``weeks``, ``months``, ``hours``, ``minutes``, ``percent``,
    ``money``, ``volume``, ``area``, ``units``. Cached: reading a question, choosing its
    evidence, deciding its coverage and its claim answer each ask it."""
    text = question.casefold()
    return frozenset(measure for measure, _, ask, _, past in _table()
                     if _asks(text, lang, ask, past))


def asks_amount(question: str, lang: str) -> bool:
    """True when ``question`` asks for an amount of money itself ("how much does ... pay",
    "what is the price"), not whether or when something is paid."""
    text = question.casefold()
    return any(_asks(text, lang, amount, past) for _, _, _, amount, past in _table() if amount)


@cache
def _directions() -> tuple[tuple[str, re.Pattern[str], _Words], ...]:
    """Per side ("before", "after"): how the materials write it, the question words asking it."""
    raw = _raw().get("directions", {})
    return tuple((side, re.compile(d["pattern"], re.IGNORECASE), _folded(d["ask"]))
                 for side, d in raw.items())


@lru_cache(maxsize=1024)
def asked_direction(question: str, lang: str) -> str | None:
    """``"before"`` or ``"after"`` when ``question`` asks about one side only ("how long must
    the band stay on after the procedure?"), else None."""
    text = question.casefold()
    sides = [side for side, _, ask in _directions() if _asks(text, lang, ask)]
    return sides[0] if len(sides) == 1 else None


def on_other_side(sentence: str, side: str) -> bool:
    """True when ``sentence`` speaks of the other side only: "36 hours before the procedure"
    for a question about after."""
    said = {s for s, pattern, _ in _directions() if pattern.search(sentence)}
    return bool(said) and side not in said


def holds_measure(sentence: str, measures: frozenset[str]) -> bool:
    """True when ``sentence`` holds a number of one of the kinds ``measures``."""
    return any(pattern.search(sentence) for measure, pattern, *_ in _table() if measure in measures)


def _has_word(text: str, word: str) -> bool:
    # Latin-script words must stand as words ("days" is not in "holidays"); others are found
    # anywhere (Chinese and Korean write no spaces, Russian and Arabic words take endings),
    # except a word of one or two letters in a script that spaces its words: Arabic "مل" (mL)
    # stands alone, it is not the middle of "العملية" (the operation).
    if word.isascii() and word[:1].isalpha():
        return re.search(rf"(?<![\w]){re.escape(word)}", text) is not None
    if len(word) <= 2 and word.isalpha() and _spaced(word):
        return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None
    return word in text


def _spaced(word: str) -> bool:
    """The word is written in a script that puts spaces between words (not Chinese,
    Japanese or Korean)."""
    return not any("\u1100" <= ch <= "\u11ff" or "\u2e80" <= ch <= "\ua4cf"
                   or "\uac00" <= ch <= "\ud7af" for ch in word)
