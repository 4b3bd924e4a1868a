"""Markdown into ``ingest.structure`` blocks, with markdown-it-py (CommonMark and pipe tables).

Headings keep their level, list items their nesting depth and number, pipe tables their
header row. Inline markup is dropped and its text kept: ``**Preparation:**`` reads
"Preparation:", ``[Sign in](/login)`` reads "Sign in". A YAML front-matter block (between
``---`` lines at the top) is kept as a paragraph of its ``key: value`` lines, and its
``title`` is the document's title. Pure; no I/O.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.structure import Block

__all__ = ["MarkdownBlocks", "markdown_blocks"]

_FRONT_MATTER = re.compile(r"\A\ufeff?---[^\S\n]*\n(.*?)\n(?:---|\.\.\.)[^\S\n]*(?:\n|\Z)", re.DOTALL)
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


class MarkdownBlocks(NamedTuple):
    """The blocks of a Markdown text and the title its front matter gives ("" if none)."""

    blocks: list[Block]
    title: str


def markdown_blocks(text: str) -> MarkdownBlocks:
    """Blocks of ``text`` in reading order (see the module docstring)."""
    blocks: list[Block] = []
    title = ""
    front = _FRONT_MATTER.match(text)
    if front:
        lines = []
        for line in front.group(1).splitlines():
            key = _FRONT_KEY.match(line.strip())
            if key:
                value = key.group(2).strip().strip("\"'")
                if key.group(1).lower() == "title" and not title:
                    title = value
                if value:
                    lines.append(f"{key.group(1)}: {value}")
        if lines:
            blocks.append(Block("paragraph", "\n".join(lines)))
        text = text[front.end() :]
    blocks.extend(_walk(_PARSER.parse(text)))
    return MarkdownBlocks(blocks, title)


def _walk(tokens: list[Token]) -> list[Block]:
    out: list[Block] = []
    depth = -1  # list nesting
    numbers: list[int | None] = []  # per open list: next number, None when bulleted
    in_item: list[bool] = []  # per open item: its first paragraph has been read
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind == "heading_open":
            out.append(Block("heading", _inline(tokens[i + 1]), level=int(tok.tag[1:])))
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            start = tok.attrGet("start")
            numbers.append(int(start) if start is not None else 1 if kind.startswith("ordered")
                           else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            numbers.pop()
        elif kind == "list_item_open":
            in_item.append(False)
        elif kind == "list_item_close":
            in_item.pop()
        elif kind == "table_open":
            end = _closing(tokens, i, "table_close")
            out.append(_table(tokens[i:end]))
            i = end + 1
            continue
        elif kind in ("inline", "fence", "code_block"):
            text = _inline(tok) if kind == "inline" else tok.content.rstrip("\n")
            if in_item and not in_item[-1]:
                in_item[-1] = True
                number = numbers[-1] if numbers else None
                marker = "-" if number is None else f"{number}."
                if number is not None:
                    numbers[-1] = number + 1
                out.append(Block("item", text, level=max(depth, 0), marker=marker))
            elif in_item:  # a second paragraph of one item: its own line under it
                out.append(Block("item", text, level=max(depth, 0) + 1))
            else:
                out.append(Block("paragraph", text))
        i += 1
    return out


def _closing(tokens: list[Token], start: int, kind: str) -> int:
    for j in range(start, len(tokens)):
        if tokens[j].type == kind:
            return j
    return len(tokens) - 1


def _table(tokens: list[Token]) -> Block:
    header: list[str] = []
    rows: list[list[str]] = []
    in_head = False
    for tok in tokens:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open" and not in_head:
            rows.append([])
        elif tok.type == "inline":
            (header if in_head else rows[-1] if rows else header).append(_inline(tok))
    return Block("table", header=tuple(header), rows=tuple(tuple(r) for r in rows))


def _inline(tok: Token) -> str:
    """The visible text of an inline token: markup dropped, line breaks kept."""
    if not tok.children:
        return tok.content.strip()
    parts: list[str] = []
    for child in tok.children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()
