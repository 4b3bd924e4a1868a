"""Language detection and language codes, table-driven from data/language_cases.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import ConfigError
from retrieval.language import LANGUAGES, RTL, detect_language, normalize_language
from tests.support.procs import run_fresh

CASES = json.loads((Path(__file__).parent / "data" / "language_cases.json").read_text("utf-8"))
FULL = CASES["full"]
SHORT = CASES["short"]


def _other(lang: str) -> str:
    """A fallback that is not ``lang``, so a pass cannot come from the fallback."""
    return "ko" if lang != "ko" else "de"


def test_cases_cover_every_language() -> None:
    counts = {lang: sum(1 for c in FULL if c["lang"] == lang) for lang in LANGUAGES}
    assert all(n >= 5 for n in counts.values()), counts
    assert {c["lang"] for c in FULL} <= set(LANGUAGES)
    assert {c["expected"] for c in SHORT} <= set(LANGUAGES)


@pytest.mark.parametrize("case", FULL, ids=lambda c: f"{c['lang']}:{c['text'][:30]}")
def test_full_question_is_detected(case: dict[str, str]) -> None:
    assert detect_language(case["text"], fallback=_other(case["lang"])) == case["lang"]
    assert detect_language(case["text"]) == case["lang"]


@pytest.mark.parametrize("case", SHORT, ids=lambda c: f"{c['fallback']}:{c['text'][:30]}")
def test_short_question_keeps_fallback_unless_marked(case: dict[str, str]) -> None:
    assert detect_language(case["text"], fallback=case["fallback"]) == case["expected"]


def test_short_unmarked_question_follows_the_fallback() -> None:
    # The same words under three fallbacks: nothing in them overrules the caller.
    for fallback in ("en", "fr", "tl"):
        assert detect_language("balloon dilation", fallback=fallback) == fallback


def test_codes_and_acronyms_do_not_decide_the_language() -> None:
    text = "Wird 50706-50 x2 mit CPT 52341 und RVU N13.5 zusammen abgerechnet?"
    assert detect_language(text, fallback="en") == "de"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es", "es"), ("ES", "es"), (" de ", "de"), ("zh-CN", "zh"), ("zh_Hant_TW", "zh"),
     ("en-US", "en"), ("fil", "tl"), ("tgl", "tl"), ("fra", "fr"), ("ger", "de"),
     ("kor", "ko"), ("ara", "ar"), ("vie", "vi"), ("rus", "ru")],
)
def test_normalize_language_accepts_variants(code: str, expected: str) -> None:
    assert normalize_language(code) == expected


@pytest.mark.parametrize("code", ["", "  ", "pt", "ja", "xx-YY", "klingon", "-en"])
def test_normalize_language_rejects_unsupported(code: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_language(code)
    message = str(info.value)
    assert "choose from" in message and "en, es, zh" in message
    assert "\n" not in message


def test_detect_language_rejects_bad_fallback() -> None:
    with pytest.raises(ConfigError):
        detect_language("What is 50706?", fallback="pt")


def test_language_table() -> None:
    assert list(LANGUAGES) == ["en", "es", "zh", "ru", "ar", "vi", "fr", "de", "ko", "tl"]
    assert all(name.strip() for name in LANGUAGES.values())
    assert RTL == frozenset({"ar"})
    assert all(normalize_language(code) == code for code in LANGUAGES)


def test_the_identifier_read_from_its_unpacked_copy_decides_alike(tmp_path: Path) -> None:
    from retrieval.language import _identifier_from

    packed = _identifier_from(tmp_path)  # unpacked from py3langid's file, copy written
    copies = list(tmp_path.glob("py3langid-*.npz"))
    assert len(copies) == 1
    unpacked = _identifier_from(tmp_path)  # read from the copy
    assert list(tmp_path.glob("py3langid-*.npz")) == copies
    for case in FULL:
        assert unpacked.classify(case["text"]) == packed.classify(case["text"]), case["text"]
    copies[0].write_bytes(b"damaged")
    again = _identifier_from(tmp_path)  # a damaged copy is made again
    assert again.classify(FULL[0]["text"]) == packed.classify(FULL[0]["text"])
    assert _identifier_from(tmp_path).classify("Guten Tag") == packed.classify("Guten Tag")


def test_an_assistant_asked_without_warm_up_keeps_the_identifier_in_its_model_cache(
    tmp_path: Path,
) -> None:
    # A fresh interpreter: this one has loaded the identifier already.
    code = (
        "from pathlib import Path\n"
        "from knowledge.library import open_library\n"
        "from retrieval.service import Assistant\n"
        "from tests.conftest import FakeEmbedder\n"
        f"root = Path({str(tmp_path)!r})\n"
        "lib = open_library(root / 'store')\n"
        "answer = Assistant(lib, FakeEmbedder(), model_cache=root / 'models').ask("
        "'Welcher Code gilt für das Widget?')\n"
        "print(answer.language)\n"
    )
    assert run_fresh(code) == "de"
    assert len(list((tmp_path / "models").glob("py3langid-*.npz"))) == 1
