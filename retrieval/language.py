"""Which of the ten supported languages a question is written in.

Detection runs in three steps, cheapest and most certain first:

1. Scripts: Hangul -> ko, Arabic script -> ar, Cyrillic -> ru, Han without kana -> zh, and
   Vietnamese-only Latin letters (ư ơ ă đ ạ ả ấ ...) -> vi.
2. py3langid, limited to the ten languages, on the question with codes, modifiers, digits,
   acronyms and punctuation removed.
3. Short or uncertain Latin-script questions ("add-on code?") keep the caller's fallback
   (the language picked in the UI) unless a strong marker word or letter says otherwise,
   because n-gram models misread two-word questions (notes/offline-models.md).

Usage::

    detect_language("¿Se puede facturar 50706 con 52341?")   # "es"
    detect_language("add-on code?", fallback="de")           # "de"
"""

from __future__ import annotations

import re
import threading
import unicodedata
import zipfile
from array import array
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from knowledge.errors import ConfigError
from knowledge.npz_files import write_npz

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = ["LANGUAGES", "RTL", "detect_language", "load_identifier", "normalize_language"]

LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "zh": "中文",
    "ru": "Русский",
    "ar": "العربية",
    "vi": "Tiếng Việt",
    "fr": "Français",
    "de": "Deutsch",
    "ko": "한국어",
    "tl": "Tagalog",
}
"""Supported languages: ISO 639-1 code -> endonym, in the order the UI lists them."""

RTL: frozenset[str] = frozenset({"ar"})
"""Languages written right to left."""

# Codes people type for the same languages (BCP 47 regions, ISO 639-2/3, Filipino).
_ALIASES = {"fil": "tl", "tgl": "tl", "zho": "zh", "chi": "zh", "cmn": "zh", "kor": "ko",
            "rus": "ru", "ara": "ar", "vie": "vi", "fra": "fr", "fre": "fr", "deu": "de",
            "ger": "de", "spa": "es", "eng": "en"}

# A question needs this many words and this confidence before py3langid alone decides.
_MIN_WORDS = 4
_MIN_CONFIDENCE = 0.9
# A marker-word lead must be this big to override py3langid on a long, uncertain question.
_MIN_MARKER_LEAD = 2

# CPT-like codes with optional modifier/units (50706-50, 0213Tx2), bare modifiers (-50, -XS),
# ICD-10 codes (N13.5), URLs: all language-neutral noise for an n-gram model.
_NOISE = re.compile(
    r"https?://\S+"
    r"|\b\d{4}[0-9A-Z]\b(?:[-–]\w{2})*(?:\s*[x×]\s*\d+)?"
    r"|(?<!\w)[-–][0-9A-Z]{2}\b"
    r"|\b[A-TV-Z]\d{2}(?:\.\w{1,4})?\b"
    r"|\d+"
)
# Acronyms (CPT, RVU, KUB, ICD) are English in every language's questions.
_ACRONYM = re.compile(r"\b[A-Z]{2,5}s?\b")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Letters only Vietnamese uses among the ten languages: ă đ ơ ư and the Latin Extended
# Additional block (dot below, hook above and their combinations).
_VIETNAMESE = re.compile(r"[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")

# Strong markers for short Latin-script questions: words that are frequent in one language
# and absent (or rare) in the other Latin-script ones, plus letters typical of one language.
_MARKER_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(["what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "do", "did", "is", "are", "can", "could", "should", "would", "must", "the", "this", "that", "these", "those", "with", "without", "billed", "bill", "billing", "report", "reported", "together", "allowed", "need", "needs", "for", "of", "and", "about"]),
    "es": frozenset(["qué", "cuál", "cuáles", "cómo", "cuándo", "dónde", "quién", "quiénes", "puedo", "puede", "pueden", "debo", "debe", "deben", "el", "los", "las", "del", "al", "junto", "juntos", "código", "códigos", "también", "facturar", "facturo", "facturarse", "con", "cuando", "requiere", "necesito", "hay", "modificador", "procedimiento"]),
    "fr": frozenset(["quel", "quelle", "quels", "quelles", "est", "peut", "peuvent", "puis", "dois", "doit", "le", "les", "des", "du", "au", "aux", "avec", "sans", "facturer", "facturé", "ensemble", "aussi", "qui", "quand", "faut", "il", "ce", "cette", "ces", "où"]),
    "de": frozenset(["welche", "welcher", "welches", "wer", "wann", "wie", "warum", "ist", "sind", "kann", "können", "darf", "dürfen", "muss", "müssen", "der", "die", "das", "den", "dem", "und", "mit", "ohne", "nicht", "abrechnen", "abgerechnet", "zusammen", "auch", "ein", "eine", "einen", "gibt", "zusatzcode", "modifikator", "modifikatoren", "eingriff"]),
    "tl": frozenset(["ba", "ng", "mga", "ang", "ano", "anong", "sino", "paano", "kailan", "saan", "puwede", "pwede", "maaari", "ito", "iyan", "iyon", "sa", "na", "ay", "hindi", "po", "kailangan", "dapat", "kasama", "gamit", "nito", "natin", "ko", "mo", "ni"]),
    # Vietnamese typed without tone marks (the script step cannot see it): syllables that
    # are not words of the other Latin-script languages.
    "vi": frozenset(["khong", "duoc", "nguoi", "nhung", "nao", "gi", "cua", "thuc", "hien", "thu", "thuat", "vay", "voi", "phai", "bao", "nhieu", "toi", "cac", "mot", "trong", "dung", "nhu", "lam", "sao", "benh", "nhan", "ma", "bac", "thi"]),
}
_MARKER_CHARS: dict[str, str] = {"es": "¿¡ñ", "de": "ßäöü", "fr": "çœèêëîïûù"}

_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


def normalize_language(code: str) -> str:
    """Return the supported ISO 639-1 code for ``code`` ("ES", "zh-CN", "fil" -> "es", "zh", "tl").

    Raises:
        ConfigError: the language is not one of the ten supported ones.
    """
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    base = _ALIASES.get(base, base)
    if base not in LANGUAGES:
        raise ConfigError(
            f"unsupported language {code!r}: choose from {', '.join(LANGUAGES)}"
        )
    return base


def load_identifier(cache_dir: Path | None = None) -> None:
    """Load the language identifier now (it loads at the first question otherwise).

    py3langid's model ships LZMA-compressed (68 MB unpacked, about 0.6 s to unpack): with
    ``cache_dir``, its arrays limited to the ten languages are kept there uncompressed
    (about 42 MB, read in about 0.1 s) and read from there next time.
    """
    _get_identifier(cache_dir)


def _get_identifier(cache_dir: Path | None = None) -> LanguageIdentifier:
    """Load py3langid's model once, limited to our languages (the lock makes it thread-safe)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                _identifier = _identifier_from(cache_dir)
    # classify() only reads the model arrays, so concurrent calls are safe.
    return _identifier


def _identifier_from(cache_dir: Path | None) -> LanguageIdentifier:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = Path(MODEL_DIR) / MODEL_FILE
    copy = None
    if cache_dir is not None:
        st = source.stat()
        langs = "-".join(sorted(LANGUAGES))
        copy = Path(cache_dir) / f"py3langid-{langs}-{st.st_size}-{st.st_mtime_ns}.npz"
        try:
            with np.load(copy, allow_pickle=False) as saved:
                return LanguageIdentifier(
                    saved["ptc"], saved["pc"], saved["classes"].tolist(),
                    array("I", saved["nextmove"].tobytes()), saved["output"].tolist(),
                    norm_probs=True, tk_row=array("H", saved["row"].tobytes()),
                )
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            pass  # not made yet, or unreadable: made again below
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    if copy is not None and ident.tk_nextmove.typecode == "I" and ident.tk_row.typecode == "H":
        with suppress(OSError):  # a read-only cache: unpacked again next time
            write_npz(copy, ptc=ident.nb_ptc, pc=ident.nb_pc, classes=np.array(ident.nb_classes),
                      nextmove=np.frombuffer(ident.tk_nextmove, dtype=np.uint32),
                      row=np.frombuffer(ident.tk_row, dtype=np.uint16),
                      output=np.array(ident.tk_output, dtype=np.int64))
    return ident


def _script_language(text: str) -> str | None:
    """The language a non-Latin script (or Vietnamese letters) makes certain, else None."""
    counts = {"ko": 0, "ar": 0, "ru": 0, "zh": 0, "kana": 0, "latin": 0}
    for ch in text:
        cp = ord(ch)
        if 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
            counts["ko"] += 1
        elif 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF:
            counts["ar"] += 1 if ch.isalpha() else 0
        elif 0x0400 <= cp <= 0x04FF:
            counts["ru"] += 1
        elif 0x3040 <= cp <= 0x30FF:
            counts["kana"] += 1
        elif 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
            counts["zh"] += 1
        elif ch.isascii() and ch.isalpha():
            counts["latin"] += 1
    # Weigh letters into rough word counts: a Han or Hangul character carries about as much
    # as a whole Latin or Cyrillic word, so an English term inside a Chinese question
    # ("add-on code 是什么") does not outvote the Chinese around it.
    latin_words = counts["latin"] / 5
    scores = {"ko": counts["ko"] / 2, "zh": counts["zh"], "ru": counts["ru"] / 5,
              "ar": counts["ar"] / 4}
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    if best == 0 or best * 2 < latin_words:
        return "vi" if _VIETNAMESE.search(text) else None
    if lang == "zh" and counts["kana"]:
        return None  # Japanese: not supported, let the caller's fallback stand
    return lang


def _clean(text: str) -> str:
    """Drop codes, modifiers, digits, acronyms and punctuation: they say nothing of language."""
    text = _NOISE.sub(" ", text)
    if not text.isupper():
        text = _ACRONYM.sub(" ", text)
    return " ".join(_WORD.findall(text))


def _marker_scores(original: str, words: list[str]) -> dict[str, int]:
    """Count marker words and letters per Latin-script language."""
    scores = dict.fromkeys(_MARKER_WORDS, 0)
    lowered = [w.lower() for w in words]
    for lang, vocab in _MARKER_WORDS.items():
        scores[lang] += sum(1 for w in lowered if w in vocab)
    for lang, chars in _MARKER_CHARS.items():
        if any(c in chars for c in original.lower()):
            scores[lang] += 2
    return scores


def _strong_marker(scores: dict[str, int], min_lead: int) -> str | None:
    """The language whose markers lead all others by ``min_lead`` or more, else None."""
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    (top, top_score), (_, second) = ranked[0], ranked[1]
    return top if top_score >= 1 and top_score - second >= min_lead else None


def detect_language(text: str, fallback: str = "en") -> str:
    """Return the ISO 639-1 code of ``text``, one of ``LANGUAGES``.

    Args:
        text: the question.
        fallback: returned when the text is too short or too ambiguous to tell (usually the
            UI language); normalised with ``normalize_language``.

    Raises:
        ConfigError: ``fallback`` is not a supported language.
    """
    fallback = normalize_language(fallback)
    if not text or not text.strip():
        return fallback
    text = unicodedata.normalize("NFC", text)
    by_script = _script_language(text)
    if by_script is not None:
        return by_script
    cleaned = _clean(text)
    words = cleaned.split()
    if not words:
        return fallback
    lang, confidence = _get_identifier().classify(cleaned)
    markers = _marker_scores(text, words)
    if len(words) >= _MIN_WORDS and confidence >= _MIN_CONFIDENCE:
        # Marker words overrule a confident model only when they clearly disagree.
        override = _strong_marker(markers, _MIN_MARKER_LEAD + 1)
        return override if override is not None and markers[lang] == 0 else lang
    strong = _strong_marker(markers, 1)
    if strong is not None:
        return strong
    if len(words) >= _MIN_WORDS and markers.get(lang, 0) > 0:
        return lang
    return fallback
