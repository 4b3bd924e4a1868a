"""Words that steer how a question is read (``data/claim_words.json``), loaded once.

'alone' and 'only' make a one-code question a claim, 'negation' turns a question about codes
reported together into one about exclusions, 'how_much' with a payment word asks for an
amount, 'open' words ask for something other than yes or no. Each kind maps a language to its
words, lower-cased; ``found`` matches one in a text.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["GAP", "asks_open", "found", "steering_words", "words_for"]

GAP = "\u2026"  # "没有…主代码": the two parts with up to _GAP_CHARS characters between
_GAP_CHARS = 16

_PATH = Path(__file__).resolve().parent / "data" / "claim_words.json"


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(_PATH.read_text(encoding="utf-8"))


@cache
def steering_words(kind: str) -> dict[str, tuple[str, ...]]:
    """Language -> the lower-cased words of ``kind`` ("alone", "only", "negation", ...)."""
    return {lang: tuple(w.lower() for w in words) for lang, words in _data()[kind].items()}


def words_for(kind: str, lang: str) -> tuple[str, ...]:
    """The words of ``kind`` in ``lang``, then in English (questions mix in English words)."""
    words = steering_words(kind)
    return words.get(lang, ()) + (words["en"] if lang != "en" else ())


def found(word: str, text: str) -> bool:
    """``word`` (lower-cased, perhaps "A…B") is in ``text``: as a whole word where words are
    spaced (Latin and Cyrillic scripts), anywhere in others."""
    return _word_pattern(word).search(text) is not None


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    body = f".{{0,{_GAP_CHARS}}}?".join(re.escape(part) for part in word.split(GAP))
    if any(ch.isascii() or "\u0400" <= ch <= "\u04ff" or "\u00c0" <= ch <= "\u024f"
           or "\u1e00" <= ch <= "\u1eff" for ch in word if ch.isalpha()):
        body = rf"(?<!\w){body}(?!\w)"
    return re.compile(body)


def asks_open(text: str, lang: str) -> bool:
    """``text`` asks for something other than yes or no: one of the 'open' question words
    (what, which, how much, when, ...) of ``lang`` or of English is in it."""
    lowered = text.lower()
    return any(found(w, lowered) for w in words_for("open", lang))
