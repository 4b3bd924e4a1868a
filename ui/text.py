"""Text helpers every page of the UI shares: Markdown escaping and the interface strings.

Material text (quotes, chunks, file names, and messages that embed them) always goes through
``escape_md`` and is rendered as Markdown without HTML.
"""

from __future__ import annotations

import re

import streamlit as st

from retrieval.messages import message

__all__ = ["escape_line", "escape_md", "lang", "one_line", "row_table", "show_error", "t"]

# Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped
# one is always literal: no links, images, HTML, emphasis, directives (:red[..]), math ($)
# or emoji shortcodes can come out of the text.
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# GFM's autolinker runs on the parsed text, after escapes are gone, so URLs and e-mail
# addresses go into code spans instead (verbatim, copyable, never linked).
_AUTOLINKABLE = re.compile(
    r"(?:https?://|www\.)[^\s`\[\]]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE
)
# Four leading spaces would start a code block; one is harmless.
_LEADING_SPACE = re.compile(r"^[ \t]+")


def escape_line(line: str) -> str:
    """One line of text escaped for Markdown (see ``escape_md``)."""
    out, pos = [], 0
    for m in _AUTOLINKABLE.finditer(line):
        out += [_MD_SPECIAL.sub(r"\\\1", line[pos : m.start()]), f"`{m.group()}`"]
        pos = m.end()
    out.append(_MD_SPECIAL.sub(r"\\\1", line[pos:]))
    return _LEADING_SPACE.sub(" ", "".join(out))


def escape_md(text: str) -> str:
    """Escape ``text`` so Streamlit's Markdown shows it verbatim, line breaks kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "  \n".join(escape_line(ln) for ln in lines)


def one_line(text: str) -> str:
    """The first non-empty line of an error message."""
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "error")


def lang() -> str:
    """The interface language picked in the sidebar."""
    return str(st.session_state.get("ui_lang", "en"))


def t(key: str, **params: object) -> str:
    """A fixed interface string in the picked language (English if the catalogue lacks it)."""
    try:
        return message(lang(), key, **params)
    except KeyError:
        return key.format(**params)


def show_error(text: str) -> None:
    st.error(escape_md(one_line(text)), icon=":material/error:")


def row_table(cells: list[tuple[str, str]]) -> str:
    """A Markdown table of one row under its column headers, every cell escaped."""
    head = "| " + " | ".join(escape_line(h) or " " for h, _ in cells) + " |"
    rule = "|" + "---|" * len(cells)
    row = "| " + " | ".join(escape_line(v) for _, v in cells) + " |"
    return f"{head}\n{rule}\n{row}"
