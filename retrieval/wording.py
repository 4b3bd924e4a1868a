"""Words that steer how a question is read (``data/claim_words.json``), loaded once.

'alone' and 'only' make a one-code question a claim, 'negation' turns a question about codes
reported together into one about exclusions, 'how_much' with a payment word asks for an
amount. Each kind maps a language to its words, lower-cased.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["steering_words"]

_PATH = Path(__file__).resolve().parent / "data" / "claim_words.json"


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(_PATH.read_text(encoding="utf-8"))


@cache
def steering_words(kind: str) -> dict[str, tuple[str, ...]]:
    """Language -> the lower-cased words of ``kind`` ("alone", "only", "negation", ...)."""
    return {lang: tuple(w.lower() for w in words) for lang, words in _data()[kind].items()}
