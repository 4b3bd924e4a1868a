"""A multilingual glossary of medical-coding concepts: which ones a question is about.

``retrieval/data/glossary.json`` lists, per concept, English terms as they appear in coding
materials and how coders say it in the other nine languages. A question is matched against
the terms of its own language and of English (questions often mix both):

- Latin and Cyrillic scripts: whole words, case- and diacritic-insensitive. A term word of 5+
  letters also matches words up to 3 letters longer that it starts ("balloon" -> "balloons");
  Russian words match across case endings ("почка" -> "почки"); a German term word of 6+
  letters also matches as the tail of a compound ("Striktur" -> "Harnleiterstrikturen"). A
  term word of 7+ letters takes one slip of the keyboard in the question's own language
  ("modifeirs"), unless it is a name or an acronym. Vietnamese compares tone
  marks when the question has any (a tone-less question is compared without them), because
  there they tell different words apart ("thận" kidney, "thân" body); typed without marks,
  a one-syllable term is too ambiguous to match.
- Chinese and Korean: substring of the question with spaces removed.
- Arabic: per word, the term with or without its article ال, inside a question word (short
  terms must equal the word once و ب ل ف ك ال are stripped from it).

Usage::

    concepts_in("¿Qué es el RVU del 50706?", "es")    # ["description", "rvu"]
    expand_query("Wie hoch ist die Vergütung?", "de")  # ["payment", "paid", "pay", ...]
"""

from __future__ import annotations

import functools
import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.errors import ConfigError
from retrieval.language import LANGUAGES, normalize_language

__all__ = [
    "CONCEPT_IDS",
    "GLOSSARY_PATH",
    "concept_terms",
    "concepts_in",
    "expand_query",
    "is_form_concept",
    "is_scope_concept",
    "is_signal_concept",
]

GLOSSARY_PATH = Path(__file__).resolve().parent / "data" / "glossary.json"
"""The glossary data file."""

if TYPE_CHECKING:
    CONCEPT_IDS: tuple[str, ...]
    """Concept ids in glossary order (loaded on first access)."""

# Letters NFKD does not split into base + mark, and Arabic letter variants people mix freely.
_LETTER_MAP = str.maketrans({"đ": "d", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "ı": "i",
                             "ة": "ه", "ى": "ي", "ـ": None})
_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                  r"\uac00-\ud7a3\uf900-\ufaff]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"[^\W_]+")
# Word characters of the space-separated scripts; CJK and Arabic letters act as separators,
# so an English term inside a Chinese question ("add-on code吗") is still a whole word.
_LATIN_WORD = re.compile(r"[0-9a-z\u00c0-\u024f\u1e00-\u1eff\u0400-\u04ff]+")
_RU_VOWELS = "аеиоуыэюяйь"
# Russian case and gender endings (a verb may add -ся): "почка" -> "почки", "почкой"; but
# "доступ" (access) must not take "доступный" (available), so no derivational suffixes.
_RU_ENDINGS_RAW = ("а я о е и ы у ю ь й ой ей ом ем ам ям ах ях ами ями ов ев ий ый ая яя "
                   "ое ее ые ие ого его ому ему ым им ую юю ых их ью ия ии ию ией иям иях иями")
_DE_ENDINGS = ("", "e", "en", "n", "s", "es", "er", "ern")
_AR_ARTICLE = "ال"
# Letters a question word may add to a term word it starts: "balloon" -> "balloons", but
# "basket" is no "basketball".
_MAX_SUFFIX = 3
_TYPO_MIN = 7  # letters a term word needs before a one-letter slip still matches it
# Longest first: a question word loses at most one of these before it is compared.
_AR_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")

_lock = threading.Lock()
_glossary: _Glossary | None = None


@dataclass(frozen=True)
class _Question:
    """A question prepared once for every matcher."""

    words_folded: tuple[str, ...]
    words_plain: tuple[str, ...]
    heads: frozenset[str]  # first 2 and 3 letters of every word, folded and plain: a cheap filter
    vi_marked: bool  # the question carries diacritics: Vietnamese terms then compare them
    squeezed: str  # folded, white space removed (Chinese and Korean terms)
    arabic_words: tuple[str, ...]


@dataclass(frozen=True)
class _Matcher:
    """One term of one concept, pre-normalised for its script."""

    concept: int
    lang: str
    kind: str  # "words", "squeezed" or "arabic"
    words_folded: tuple[str, ...] = ()
    words_plain: tuple[str, ...] = ()
    squeezed: str = ""
    exact: bool = False  # a name or acronym ("Medicare", "CCAM"): no slip of the keyboard


@dataclass(frozen=True)
class _Glossary:
    ids: tuple[str, ...]
    english: dict[str, tuple[str, ...]]
    by_lang: dict[str, tuple[_Matcher, ...]]
    scope: frozenset[str] = frozenset()
    form: frozenset[str] = frozenset()
    signal: frozenset[str] = frozenset()


def _plain(text: str) -> str:
    """Case-folded NFC text with Arabic letter variants unified; diacritics kept."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # Arabic short vowels and shadda are marks the writer may or may not type.
    text = "".join(ch for ch in text if not ("\u064b" <= ch <= "\u065f" or ch == "\u0670"))
    return unicodedata.normalize("NFC", text.translate(_LETTER_MAP))


def _fold(text: str) -> str:
    """``_plain`` without diacritics (recomposed, so Hangul syllables stay whole)."""
    decomposed = unicodedata.normalize("NFKD", _plain(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_LETTER_MAP))


_RU_ENDINGS = frozenset({""} | {_fold(e) for e in _RU_ENDINGS_RAW.split()})


def _prepare(question: str) -> _Question:
    plain = _plain(question)
    folded = _fold(question)
    words_folded = tuple(_LATIN_WORD.findall(folded))
    words_plain = tuple(_LATIN_WORD.findall(plain))
    return _Question(
        words_folded=words_folded,
        words_plain=words_plain,
        heads=frozenset(w[:n] for w in words_folded + words_plain for n in (2, 3)),
        vi_marked=plain != folded,
        squeezed="".join(folded.split()),
        arabic_words=tuple(_WORD.findall(folded)),
    )


def _compile(concept: int, lang: str, term: str) -> _Matcher:
    if _CJK.search(term):
        return _Matcher(concept, lang, "squeezed", squeezed="".join(_fold(term).split()))
    if _ARABIC.search(term):
        return _Matcher(concept, lang, "arabic", words_folded=tuple(_WORD.findall(_fold(term))))
    return _Matcher(concept, lang, "words", words_folded=tuple(_LATIN_WORD.findall(_fold(term))),
                    words_plain=tuple(_LATIN_WORD.findall(_plain(term))),
                    exact=_is_name(term, lang))


def _is_name(term: str, lang: str) -> bool:
    """An acronym ("CCAM") or a name ("Medicare"); German capitalises every noun."""
    capitals = sum(ch.isupper() for ch in term)
    return capitals >= 2 or (capitals == 1 and term[0].isupper() and lang != "de")


def _word_matches(q: str, t: str, lang: str, slips: bool = True) -> bool:
    """Does question word ``q`` stand for term word ``t`` (both normalised alike)?

    A term word of ``_TYPO_MIN`` letters or more also takes one slip of the keyboard (a letter
    missing, added, replaced, or two swapped: "modifeirs", "модифиакторы") when ``slips``:
    only against terms of the question's own language ("médicale" is no slip for "Medicare").
    """
    if q == t:
        return True
    if _CYRILLIC.match(t):
        # Russian inflects by ending: compare the stem, then allow one case ending.
        stem = t.rstrip(_RU_VOWELS)
        stem = stem if len(stem) >= 3 else t
        ending = ""
        if q.startswith(stem):
            ending = q[len(stem):]
        elif slips and len(stem) >= _TYPO_MIN:
            cut = next((n for n in (len(stem), len(stem) - 1, len(stem) + 1)
                        if _one_slip(q[:n], stem)), None)
            if cut is None:
                return False
            ending = q[cut:]
        else:
            return False
        ending = ending[:-2] if ending.endswith(("ся", "сь")) else ending
        return ending in _RU_ENDINGS
    if len(t) >= 5 and q.startswith(t) and len(q) - len(t) <= _MAX_SUFFIX:
        return True
    if slips and len(t) >= _TYPO_MIN:
        # A slip in the first three letters is taken in a whole word only ("exmaple").
        cuts = (len(q), len(t) - 1, len(t), len(t) + 1) if q[:3] == t[:3] else (len(q),)
        if any(_one_slip(q[:n], t) for n in cuts):
            return True
    # German compounds put the head last ("Harnleiter|striktur|en"): match it as the tail.
    return lang == "de" and len(t) >= 6 and any(q.endswith(t + e) for e in _DE_ENDINGS)


def _head(term_word: str, slips: bool) -> str:
    """What a question word must start with to stand for ``term_word``: its first 3 letters,
    or 2 when a slip may fall on the third ("exmaple" for "example")."""
    return term_word[:2] if slips and len(term_word) >= _TYPO_MIN else term_word[:3]


def _one_slip(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by exactly one edit or one swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def _words_match(
    qwords: tuple[str, ...], twords: tuple[str, ...], lang: str, slips: bool = True
) -> bool:
    n = len(twords)
    if not n:
        return False
    # Every rule but the German compound tail needs the question word to start like the term.
    head = None if lang == "de" and len(twords[0]) >= 6 else _head(twords[0], slips)
    for i in range(len(qwords) - n + 1):
        if head is not None and not qwords[i].startswith(head):
            continue
        if all(_word_matches(qwords[i + j], twords[j], lang, slips) for j in range(n)):
            return True
    return False


def _arabic_word_matches(q: str, t: str) -> bool:
    if not _ARABIC.match(t):
        return _word_matches(q, t, "ar")  # a Latin acronym inside an Arabic term ("رمز HCPCS")
    cores = {t}
    if t.startswith(_AR_ARTICLE) and len(t) - 2 >= 3:
        cores.add(t[2:])
    variants = {q} | {q[len(p):] for p in _AR_PREFIXES if q.startswith(p) and len(q) - len(p) >= 2}
    return any(c in variants or (len(c) >= 4 and c in q) for c in cores)


def _matches(m: _Matcher, q: _Question, slips: bool = True) -> bool:
    slips = slips and not m.exact
    if m.kind == "squeezed":
        return m.squeezed in q.squeezed
    if m.kind == "arabic":
        words, n = q.arabic_words, len(m.words_folded)
        return any(
            all(_arabic_word_matches(words[i + j], m.words_folded[j]) for j in range(n))
            for i in range(len(words) - n + 1)
        )
    first = m.words_folded[0] if m.words_folded else ""
    # Every rule but the German compound tail needs the question word to start like the term.
    if _head(first, slips) not in q.heads and not (m.lang == "de" and len(first) >= 6):
        return False
    if m.lang == "vi" and q.vi_marked:
        return _words_match(q.words_plain, m.words_plain, m.lang, slips)
    if m.lang == "vi" and len(m.words_plain) == 1 and m.words_plain != m.words_folded:
        return False  # typed without marks, one syllable is ambiguous ("soi": sỏi or nội soi)
    return _words_match(q.words_folded, m.words_folded, m.lang, slips)


def _parse(raw: Any) -> _Glossary:
    """Check the file's shape and compile every term."""
    concepts = raw.get("concepts") if isinstance(raw, dict) else None
    if not isinstance(concepts, list) or not concepts:
        raise ConfigError(f"{GLOSSARY_PATH} must hold {{\"concepts\": [...]}}; restore it from git")
    ids: list[str] = []
    english: dict[str, tuple[str, ...]] = {}
    matchers: dict[str, list[_Matcher]] = {lang: [] for lang in LANGUAGES}
    for index, concept in enumerate(concepts):
        cid = concept.get("id") if isinstance(concept, dict) else None
        if not isinstance(cid, str) or not cid or cid in english:
            raise ConfigError(f"{GLOSSARY_PATH}: concept #{index} has a missing or repeated id")
        for lang in LANGUAGES:
            terms = concept.get(lang)
            if not isinstance(terms, list) or not terms or not all(
                isinstance(t, str) and t.strip() for t in terms
            ):
                raise ConfigError(f"{GLOSSARY_PATH}: concept {cid!r} needs non-empty {lang!r} terms")
            matchers[lang].extend(_compile(index, lang, t) for t in terms)
        ids.append(cid)
        english[cid] = tuple(concept["en"])
    scope = frozenset(c["id"] for c in concepts if c.get("scope") is True)
    form = frozenset(c["id"] for c in concepts if c.get("form") is True)
    signal = frozenset(c["id"] for c in concepts if c.get("signal") is True)
    return _Glossary(tuple(ids), english, {k: tuple(v) for k, v in matchers.items()}, scope, form,
                     signal)


def _get() -> _Glossary:
    """Load and compile the glossary once per process (the lock makes it thread-safe)."""
    global _glossary
    if _glossary is None:
        with _lock:
            if _glossary is None:
                with GLOSSARY_PATH.open(encoding="utf-8") as fh:
                    _glossary = _parse(json.load(fh))
    return _glossary


def __getattr__(name: str) -> Any:
    # CONCEPT_IDS is read from the data file, so it is loaded on first access, not import.
    if name == "CONCEPT_IDS":
        return _get().ids
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def concepts_in(question: str, lang: str) -> list[str]:
    """Ids of the concepts ``question`` mentions, in its language ``lang`` or in English.

    Returned in glossary order, each once.

    Raises:
        ConfigError: ``lang`` is not a supported language.
    """
    lang = normalize_language(lang)
    if not question or not question.strip():
        return []
    return list(_concepts_in(question, lang))


@functools.lru_cache(maxsize=512)
def _concepts_in(question: str, lang: str) -> tuple[str, ...]:
    glossary = _get()
    prepared = _prepare(question)
    found: set[int] = set()
    for language in dict.fromkeys((lang, "en")):
        slips = language == lang
        by_head, always = _index(language, slips)
        # Only the terms whose first word starts like a word of the question can match.
        for m in [*always, *(m for h in prepared.heads for m in by_head.get(h, ()))]:
            if m.concept not in found and _matches(m, prepared, slips):
                found.add(m.concept)
    return tuple(glossary.ids[i] for i in sorted(found))


@functools.lru_cache(maxsize=32)
def _index(language: str, slips: bool) -> tuple[dict[str, tuple[_Matcher, ...]], tuple[_Matcher, ...]]:
    """A language's terms by the head a question word must start with (``_matches``' first
    test), and the terms that test does not apply to (CJK, Arabic, German compound tails)."""
    by_head: dict[str, list[_Matcher]] = {}
    always: list[_Matcher] = []
    for m in _get().by_lang[language]:
        first = m.words_folded[0] if m.words_folded else ""
        if m.kind != "words" or (m.lang == "de" and len(first) >= 6):
            always.append(m)
        elif first:
            by_head.setdefault(_head(first, slips and not m.exact), []).append(m)
    return {h: tuple(ms) for h, ms in by_head.items()}, tuple(always)


def expand_query(question: str, lang: str) -> list[str]:
    """English terms of the concepts in ``question``: glossary order, without repeats.

    Raises:
        ConfigError: ``lang`` is not a supported language.
    """
    glossary = _get()
    terms: dict[str, None] = {}
    for cid in concepts_in(question, lang):
        if cid in glossary.signal:
            continue
        for term in glossary.english[cid]:
            terms.setdefault(term, None)
    return list(terms)


def concept_terms(concept_id: str) -> list[str]:
    """The English terms of ``concept_id`` (a new list each call).

    Raises:
        KeyError: no concept has this id.
    """
    english = _get().english
    if concept_id not in english:
        raise KeyError(f"unknown glossary concept {concept_id!r}: see retrieval/data/glossary.json")
    return list(english[concept_id])


def is_scope_concept(concept_id: str) -> bool:
    """True for a concept that marks a kind of question of its own (payment, diagnosis codes,
    medical advice, ...): materials that never mention it do not answer such a question.
    """
    return concept_id in _get().scope


def is_signal_concept(concept_id: str) -> bool:
    """True for a concept that only tells what kind of question it is (advice, coding):
    it is read apart from the others and never moves search (``Question.signals``)."""
    return concept_id in _get().signal


def is_form_concept(concept_id: str) -> bool:
    """True for a concept that only says what kind of question it is ("what is", "who")."""
    return concept_id in _get().form
