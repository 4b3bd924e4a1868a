"""User-facing sentences in the ten languages, read from gettext catalogs.

Each language has ``retrieval/locales/<lang>.po``. A msgid is the English sentence itself,
with ``{name}`` placeholders (``python-brace-format``), so code reads like the output::

    message("es", "The materials say the following about {code}:", code="99931")
    # 'Los materiales indican lo siguiente sobre 99931:'

Catalogs are parsed with Babel at first use and cached; a missing or fuzzy translation falls
back to English, and a key that the English catalog lacks is a ``KeyError`` (a typo in code).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from babel.lists import format_list as _babel_format_list
from babel.messages.pofile import read_po

from retrieval.language import normalize_language

__all__ = ["LOCALES_DIR", "MESSAGE_KEYS", "catalog", "format_list", "message"]

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
"""Folder of the ``<lang>.po`` catalogs."""

MESSAGE_KEYS: tuple[str, ...] = (
    # lead-ins
    "According to the uploaded materials:",
    "The materials say the following about {code}:",
    # refusals and input errors
    "The uploaded materials do not cover this question.",
    ("The uploaded materials do not cover this question. They contain information about: "
    "{topics}."),
    "The uploaded materials contain no information about code {code}.",
    "The question is empty.",
    "The question is too long (over {limit} characters).",
    "No materials have been uploaded yet.",
    # claim verdicts with an add-on code
    ("Based on the uploaded materials, {codes} can be reported together: {addon} is an add-on "
    "code and {primary} is listed as a primary procedure for it."),
    ("No. Based on the uploaded materials, {addon} should not be reported with {partner}: the "
    "materials list {partner} as a code not to be used with {addon}."),
    ("Not as submitted. {addon} is an add-on code and must be reported with a primary "
    "procedure; none of its listed primary codes ({primaries}) is on the claim."),
    "The uploaded materials hold no pairing rules for the codes on this claim ({codes}).",
    # claim verdicts without an add-on code, decided by what the materials say outright
    ("Based on the uploaded materials, {codes} can be reported together: the materials say "
    "{partner} may be reported separately with {code}."),
    ("Based on the uploaded materials, {codes} can be reported together: the materials say "
    "{code} is reported with {partner}."),
    ("Based on the uploaded materials, {code} may be reported on its own: the materials call "
    "it a stand-alone code."),
    # claim verdicts decided by edit tables: PTP pairs and unit limits (MUE)
    ("No. Based on the uploaded materials, {partner} is not paid with {code}: a procedure-to-procedure (PTP) edit pairs them with modifier indicator 0, which no modifier bypasses."),
    ("Not as submitted. Based on the uploaded materials, {partner} is paid with {code} only when a distinct-service modifier ({modifiers}) is on {partner} and the record supports a separate service (PTP modifier indicator 1); the claim carries none."),
    ("Based on the uploaded materials, {codes} can be reported together with modifier {modifier} on {partner}: the procedure-to-procedure (PTP) edit for this pair has modifier indicator 1, which a distinct-service modifier bypasses."),
    ("No. Based on the uploaded materials, {code} is limited to {limit} units per date of service (MUE); the claim reports {units}."),
    ("Based on the uploaded materials, {codes} can be reported together with modifier {modifier}: the materials let {partner} be reported with {code} when a distinct-service modifier marks the separate service."),
    # plain verdicts and findings
    "Based on the uploaded materials, {codes} can be reported together.",
    "No. Based on the uploaded materials, {codes} should not be reported together.",
    "Not as submitted. {addon} is an add-on code and must be reported with a primary procedure.",
    "The uploaded materials hold no pairing rules for these codes.",
    ("{code} is an add-on code: it is reported in addition to a primary procedure, never on its "
    "own."),
    "The materials list these primary procedures for {addon}: {primaries}.",
    "The materials list these codes as not to be used with {addon}: {codes}.",
    "The materials give no rules for {code}.",
    "See also: {codes} ({when}).",
    "Modifier -{modifier} is mentioned in the materials: {meaning}.",
    "Modifier -{modifier} is not mentioned in the materials.",
    "Caution: the materials contradict themselves here: {detail}",
    # citations
    "Sources",
    "Source: {source}",
    "Quote",
    "Show in context",
    "Rows",
    "National edit files",
    "{rows} edit rows",
    "Kept apart from search: claims are checked against their rows.",
    "Row {row} of the edit table {source}",
    "Retrieved passages",
    "Score",
    # chat UI
    "Ask a question about your coding materials",
    "Question",
    "Answer",
    "Refused",
    "Searching the materials…",
    "Answered in {ms} ms",
    "New conversation",
    "Language",
    "Interface language",
    "Detect automatically",
    "Detected language: {language}",
    # verdict labels
    "Verdict",
    "Allowed",
    "Not allowed",
    "Missing primary",
    "Unknown",
    "Findings",
    "Error",
    "Warning",
    "Note",
    # claim checker
    "Check a claim",
    "Codes on the claim",
    "Separate codes with spaces or commas. Add a modifier with a hyphen and units with x.",
    "Check",
    "The claim is empty: enter at least one code.",
    # library
    "Library",
    "Upload files",
    "Processing files…",
    "Loading the model…",
    "Load sample material",
    "Sample material loaded.",
    "No materials yet. Upload files or load the sample material.",
    "Documents: {documents} · Passages: {chunks}",
    "File",
    "Status",
    "Reason",
    "added",
    "unchanged",
    "replaced",
    "rejected",
    "Remove",
    "Removed {source}.",
    # rules and audit panels
    "Rules",
    "No rules found in the materials yet.",
    "Code",
    "Add-on code",
    "Primary codes",
    "Excluded codes",
    "Modifiers",
    "Audit warnings",
    "No contradictions found in the materials.",
    # the Library page
    "Codes with rules: {rules}",
    "Open the Library",
    "Back to questions",
    "Search by name or code",
    "Type",
    "Name",
    "Size (KB)",
    "Units",
    "Codes",
    "Updated",
    "No document matches the search.",
    "Remove documents",
    "Remove {n} documents? This cannot be undone.",
    "Removed {n} documents.",
    "Confirm",
    "Cancel",
    "Document",
    "Headings",
    "Tables",
    "Lists",
    "Rules read from this document",
    # the Performance page
    "Performance",
    "Gold set",
    "Bundled sample set",
    "Upload a gold file (JSON Lines)",
    "Gold file",
    "Questions",
    "Fact accuracy",
    "Verdict accuracy",
    "Refusal recall",
    "False refusals",
    "p50 ms",
    "p95 ms",
    "Fact accuracy by language",
    "Runs over time",
    "Failures: {n}",
    "Expected",
    "a refusal",
    "Open {source} in the Library",
    "Running: {done}/{total} questions",
    "Results: {gold}",
    "Run",
    # refusals that protect the coder: a typo'd code, medical advice, no code for it
    "The uploaded materials contain no information about code {code}. Did you mean {near}?",
    ("This is a medical question (diagnosis, treatment or medication). The uploaded coding "
     "materials do not cover it; please ask a clinician."),
    "The uploaded materials do not name a code for this procedure.",
)
"""Every message key, in catalog order; ``tests/retrieval/test_messages.py`` keeps the ten
catalogs equal to this list."""

# Babel's CLDR data names Tagalog's written standard Filipino.
_BABEL_LOCALE = {"tl": "fil"}

_lock = threading.Lock()
_catalogs: dict[str, Mapping[str, str]] = {}


def _load(lang: str) -> Mapping[str, str]:
    """Parse one .po file into {msgid: msgstr}, skipping empty and fuzzy entries."""
    path = LOCALES_DIR / f"{lang}.po"
    with path.open("rb") as fh:
        parsed = read_po(fh, locale=_BABEL_LOCALE.get(lang, lang))
    table = {
        msg.id: msg.string
        for msg in parsed
        if msg.id and isinstance(msg.id, str) and isinstance(msg.string, str)
        and msg.string and not msg.fuzzy
    }
    return MappingProxyType(table)


def catalog(lang: str) -> Mapping[str, str]:
    """The translated messages of ``lang`` as a read-only {English key: translation} map.

    Raises:
        ConfigError: ``lang`` is not a supported language.
    """
    lang = normalize_language(lang)
    table = _catalogs.get(lang)
    if table is None:
        with _lock:  # Streamlit serves sessions from threads: parse each file only once
            table = _catalogs.get(lang)
            if table is None:
                table = _catalogs[lang] = _load(lang)
    return table


def format_list(lang: str, items: Sequence[str]) -> str:
    """Join ``items`` the way ``lang`` writes a list ("A, B and C", "A、B和C", "A y B")."""
    lang = normalize_language(lang)
    items = [str(item) for item in items]
    if len(items) < 2:
        return items[0] if items else ""
    return _babel_format_list(items, locale=_BABEL_LOCALE.get(lang, lang))


def message(lang: str, key: str, **params: object) -> str:
    """Return message ``key`` in ``lang`` with ``params`` filled in.

    A list or tuple parameter is joined with ``format_list`` in that language, so
    ``codes=["99931", "99920"]`` reads "99931 y 99920" in Spanish.

    Raises:
        KeyError: ``key`` is not in the English catalog, or a placeholder has no parameter.
        ConfigError: ``lang`` is not a supported language.
    """
    english = catalog("en")
    if key not in english:
        raise KeyError(f"unknown message key {key!r}: add it to retrieval/locales/*.po")
    lang = normalize_language(lang)
    template = catalog(lang).get(key, english[key])
    values = {
        name: format_list(lang, value) if isinstance(value, list | tuple) else value
        for name, value in params.items()
    }
    try:
        return template.format(**values)
    except KeyError as exc:
        raise KeyError(f"message {key!r} needs the parameter {exc.args[0]!r}") from None

