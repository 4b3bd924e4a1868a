"""The ten message catalogs: complete, placeholder-safe, formatted, English fallback."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from knowledge.errors import ConfigError
from retrieval import messages
from retrieval.language import LANGUAGES
from retrieval.messages import MESSAGE_KEYS, catalog, format_list, message


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_english_catalog_equals_the_key_list() -> None:
    assert list(catalog("en")) == list(MESSAGE_KEYS)
    assert all(catalog("en")[key] == key for key in MESSAGE_KEYS)
    assert len(set(MESSAGE_KEYS)) == len(MESSAGE_KEYS)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_key_is_translated(lang: str) -> None:
    table = catalog(lang)
    missing = [key for key in MESSAGE_KEYS if not table.get(key, "").strip()]
    assert not missing, f"{lang}.po lacks {missing}"
    assert set(table) == set(MESSAGE_KEYS), f"{lang}.po has keys the code does not know"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_placeholders_match_english(lang: str) -> None:
    table = catalog(lang)
    wrong = [key for key in MESSAGE_KEYS if _placeholders(table[key]) != _placeholders(key)]
    assert not wrong, f"{lang}.po changes placeholders in {wrong}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_po_files_are_clean(lang: str) -> None:
    with (messages.LOCALES_DIR / f"{lang}.po").open("rb") as fh:
        parsed = read_po(fh)
    assert parsed.locale_identifier in (lang, "fil")  # Babel calls Tagalog's standard Filipino
    for msg in parsed:
        if not msg.id:
            continue
        assert not msg.fuzzy, f"{lang}.po: fuzzy entry {msg.id!r}"
        if _placeholders(msg.id):
            assert "python-brace-format" in msg.flags, f"{lang}.po: flag {msg.id!r}"
    # The modifier's hyphen belongs to the code ("-50"), so translations keep it.
    assert "-{modifier}" in catalog(lang)["Modifier -{modifier} is not mentioned in the materials."]


def test_message_formats_parameters() -> None:
    assert (
        message("es", "The materials say the following about {code}:", code="50706")
        == "Los materiales indican lo siguiente sobre 50706:"
    )
    assert message("en", "Answered in {ms} ms", ms=12) == "Answered in 12 ms"


@pytest.mark.parametrize(
    ("lang", "joined"),
    [("en", "50706 and 52341"), ("es", "50706 y 52341"), ("de", "50706 und 52341"),
     ("fr", "50706 et 52341")],
)
def test_list_parameters_are_joined_in_the_language(lang: str, joined: str) -> None:
    key = "Based on the uploaded materials, {codes} can be reported together."
    assert joined in message(lang, key, codes=["50706", "52341"])
    assert joined in message(lang, key, codes=("50706", "52341"))


def test_format_list() -> None:
    assert format_list("en", []) == ""
    assert format_list("zh", ["50706"]) == "50706"
    assert format_list("en", ["A", "B", "C"]) == "A, B, and C"
    assert format_list("es", ["A", "B", "C"]) == "A, B y C"


def test_every_language_formats_every_message() -> None:
    for lang in LANGUAGES:
        for key in MESSAGE_KEYS:
            params = {name: "X" for name in _placeholders(key)}
            text = message(lang, key, **params)
            assert text and "{" not in text


def test_unknown_key_raises_key_error() -> None:
    with pytest.raises(KeyError, match="unknown message key"):
        message("en", "This sentence is not in the catalog.")


def test_missing_parameter_raises_key_error() -> None:
    with pytest.raises(KeyError, match="code"):
        message("fr", "The materials give no rules for {code}.")


def test_unsupported_language_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        message("pt", "Sources")
    with pytest.raises(ConfigError):
        catalog("xx")


def test_catalog_is_read_only() -> None:
    with pytest.raises(TypeError):
        catalog("de")["Sources"] = "changed"  # type: ignore[index]


def test_missing_or_fuzzy_translation_falls_back_to_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    english = (messages.LOCALES_DIR / "en.po").read_text("utf-8")
    (tmp_path / "en.po").write_text(english, "utf-8")
    spanish = (messages.LOCALES_DIR / "es.po").read_text("utf-8")
    # Drop one translation and mark another fuzzy: both must read in English.
    spanish = spanish.replace('msgid "Sources"\nmsgstr "Fuentes"', 'msgid "Sources"\nmsgstr ""')
    spanish = spanish.replace('msgid "Quote"\n', '#, fuzzy\nmsgid "Quote"\n')
    assert 'msgstr ""\n\n' in spanish and "#, fuzzy" in spanish
    (tmp_path / "es.po").write_text(spanish, "utf-8")
    monkeypatch.setattr(messages, "LOCALES_DIR", tmp_path)
    monkeypatch.setattr(messages, "_catalogs", {})

    assert message("es", "Sources") == "Sources"
    assert message("es", "Quote") == "Quote"
    assert message("es", "Score") != "Score"  # the rest is still Spanish
