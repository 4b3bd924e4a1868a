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
from functools import cache
from pathlib import Path

__all__ = ["MEASURES_PATH", "asked_measures", "asks_amount", "holds_measure"]

MEASURES_PATH = Path(__file__).resolve().parent / "data" / "measures.json"


@cache
def _table() -> tuple[tuple[str, re.Pattern[str], dict[str, tuple[str, ...]]], ...]:
    raw = json.loads(MEASURES_PATH.read_text(encoding="utf-8"))
    return tuple(
        (m["id"], re.compile(m["pattern"], re.IGNORECASE),
         {lang: tuple(w.casefold() for w in words) for lang, words in m["ask"].items()})
        for m in raw["measures"]
    )


def asked_measures(question: str, lang: str) -> frozenset[str]:
    """The kinds of number ``question`` (in ``lang``; English words count in any language)
    asks for: ``days``, ``weeks``, ``months``, ``hours``, ``minutes``, ``percent``,
    ``money``, ``volume``, ``area``, ``units``."""
    text = question.casefold()
    found = set()
    for measure, _, ask in _table():
        words = ask.get(lang, ()) + (ask.get("en", ()) if lang != "en" else ())
        if any(_has_word(text, w) for w in words):
            found.add(measure)
    return frozenset(found)


def asks_amount(question: str, lang: str) -> bool:
    """True when ``question`` asks for an amount of money itself ("how much does ... pay",
    "what is the price"), not whether or when something is paid."""
    text = question.casefold()
    words = _amount_words()
    ask = words.get(lang, ()) + (words.get("en", ()) if lang != "en" else ())
    return any(_has_word(text, w) for w in ask)


@cache
def _amount_words() -> dict[str, tuple[str, ...]]:
    raw = json.loads(MEASURES_PATH.read_text(encoding="utf-8"))
    money = next(m for m in raw["measures"] if m["id"] == "money")
    return {lang: tuple(w.casefold() for w in words)
            for lang, words in money.get("amount_ask", {}).items()}


def holds_measure(sentence: str, measures: frozenset[str]) -> bool:
    """True when ``sentence`` holds a number of one of the kinds ``measures``."""
    return any(pattern.search(sentence) for measure, pattern, _ in _table() if measure in measures)


def _has_word(text: str, word: str) -> bool:
    # Latin-script words must stand as words ("days" is not in "holidays"); others are found
    # anywhere (Chinese and Korean write no spaces, Russian and Arabic words take endings).
    if word.isascii() and word[:1].isalpha():
        return re.search(rf"(?<![\w]){re.escape(word)}", text) is not None
    return word in text
