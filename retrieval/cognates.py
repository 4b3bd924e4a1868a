"""The materials' words that a question's foreign word is a spelling of: medical terms are
cognates across the Latin-script languages ("uretrocistografía", "urétrocystographie",
"Urethrozystographie" -> "urethrocystography"), and a drug or device name written in Cyrillic
is the same name transliterated ("апиксабан" -> "apixaban").

A word is reduced to a skeleton that spelling conventions do not change (accents, Cyrillic
letters, ph/f, th/t, y/i, k/c, z/s, x/cs, qu/c, -cion/-tion, double letters), and matched to the
materials' words whose skeleton starts alike and is nearly the same (a similarity ratio of at
least 0.85 over words of 6 letters or more). Only words the materials never write are looked
up: an English question's words are already found as they are.

Example::

    index = CognateIndex(["urethrocystography", "injection", "retrograde"])
    index.matches("uretrocistografia")   # ["urethrocystography"]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

__all__ = ["CognateIndex", "skeleton"]

_MIN_LETTERS = 6
_RATIO = 0.85
_PREFIX = 3

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))
# Applied in order, on lower-case ASCII.
_SPELLINGS = (
    (re.compile(r"ph"), "f"), (re.compile(r"th"), "t"), (re.compile(r"kh"), "h"),
    (re.compile(r"qu"), "c"), (re.compile(r"x"), "cs"), (re.compile(r"k"), "c"),
    (re.compile(r"[yj]"), "i"), (re.compile(r"z"), "s"), (re.compile(r"w"), "v"),
    (re.compile(r"c(?=i[oó]n)|cc(?=i)"), "ct"), (re.compile(r"h"), ""),
    (re.compile(r"(.)\1+"), r"\1"), (re.compile(r"[aeiou]+$"), ""),
)


def skeleton(word: str) -> str:
    """``word`` spelled the way its cognates in other languages spell alike."""
    word = "".join(_CYRILLIC.get(ch, ch) for ch in word.lower())
    word = unicodedata.normalize("NFKD", word)
    word = "".join(ch for ch in word if ch.isascii() and ch.isalpha())
    for pattern, repl in _SPELLINGS:
        word = pattern.sub(repl, word)
    return word


class CognateIndex:
    """The words of a vocabulary, by skeleton; ``matches`` finds a foreign word's cognates."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known = set()
        self._seen: dict[str, list[str]] = {}
        self._by_prefix: dict[str, list[tuple[str, str]]] = {}
        for word in vocabulary:
            self._known.add(word)
            if len(word) >= _MIN_LETTERS and word.isalpha():
                key = skeleton(word)
                self._by_prefix.setdefault(key[:_PREFIX], []).append((key, word))

    def matches(self, word: str) -> list[str]:
        """The vocabulary's words that ``word`` is a spelling of (none for a word the
        vocabulary has, or a short one), best first."""
        if word in self._known or len(word) < _MIN_LETTERS or not word.isalpha():
            return []
        if word not in self._seen:
            self._seen[word] = self._match(skeleton(word))
        return self._seen[word]

    def _match(self, key: str) -> list[str]:
        if len(key) < _MIN_LETTERS - 1:
            return []
        found = []
        for other, original in self._by_prefix.get(key[:_PREFIX], ()):
            # The ratio is 2 * matches / total length: lengths far apart cannot reach it.
            if 2 * min(len(key), len(other)) < _RATIO * (len(key) + len(other)):
                continue
            matcher = SequenceMatcher(None, key, other, autojunk=False)
            if matcher.quick_ratio() >= _RATIO and (ratio := matcher.ratio()) >= _RATIO:
                found.append((-ratio, original))
        return [w for _, w in sorted(found)]
