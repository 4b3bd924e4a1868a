"""Turn an HTML page (already decoded to ``str``) into ``ingest.structure`` blocks and a title.
Pure; no I/O.

trafilatura finds the main content (scripts, styles, iframes, objects and templates are pruned
first; navigation and footers are left out); its headings, paragraphs, lists and tables become
blocks. When trafilatura finds nothing, a plain ``html.parser`` walk that drops
script/style/nav/footer/iframe/... gives paragraphs instead. The title is the page's
``<title>``, else trafilatura's, else the first ``<h1>``.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import NamedTuple

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from ingest.structure import Block, blocks_from_plain_text, guess_header

__all__ = ["HtmlBlocks", "html_blocks"]

# Pruned before trafilatura reads a page: on short pages it would keep an iframe's fallback
# text (and a script is never material).
_HTML_PRUNE = [f"//{tag}" for tag in ("script", "style", "noscript", "template", "iframe",
                                      "frame", "object", "embed", "applet")]


class HtmlBlocks(NamedTuple):
    """The blocks of one HTML page (``ingest.structure``) and its title."""

    blocks: list[Block]
    title: str


def html_blocks(html: str) -> HtmlBlocks:
    """The main content of ``html`` as blocks: trafilatura's headings (with their level),
    paragraphs, lists (nested) and tables (header cells kept apart from body rows)."""
    doc = _extract(html)
    blocks = _structure(doc.body) if doc is not None and doc.body is not None else []
    # The page's own <title> names the site too ("Code 99931 - ... | Example Codes"), and a
    # question may name the site as its source; trafilatura's title leaves the site out.
    title = _page_title(html) or (doc.title if doc is not None else None) or ""
    if not blocks or not title:
        fallback = _HtmlText()
        fallback.feed(html)
        fallback.close()
        blocks = blocks or blocks_from_plain_text(fallback.text())
        title = title or fallback.title()
    return HtmlBlocks(blocks, title.strip())


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_NO_DATE_SEARCH = {"original_date": True, "extensive_search": False}


def _page_title(html: str) -> str:
    found = _TITLE.search(html[:65536])
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def _extract(html: str):  # trafilatura's Document, or None
    # Formatting kept: trafilatura drops some blocks that open with bold text ("Tip:
    # ..."); the text of <hi> elements is read like any other (``_inline``). Metadata is read
    # for the title, but not the page's date by an extensive search of its text: that search
    # took most of the extraction's time (16 pages: 1.6 s -> 0.1 s) and the date is unused.
    return trafilatura.bare_extraction(
        _wrap_loose_text(html), favor_recall=True, include_comments=False, include_tables=True,
        include_formatting=True, include_links=False, include_images=False, with_metadata=True,
        date_extraction_params=_NO_DATE_SEARCH, prune_xpath=_HTML_PRUNE,
    )


def _wrap_loose_text(html: str) -> str | lxml_html.HtmlElement:
    """The parsed page, with the text a <div> holds before its first child put in a <p> of its
    own: trafilatura drops such text ("<div>Line 1: ...<br>Line 2: ...</div>" loses line 1).
    The tree goes to trafilatura as it is (no second parse); ``html`` itself when lxml cannot
    parse it."""
    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for div in tree.iter("div"):
        if div.text and div.text.strip() and len(div):
            para = lxml_html.Element("p")
            para.text, div.text = div.text, None
            div.insert(0, para)
    _definition_lists_as_items(tree)
    _keep_fact_lines(tree)
    return tree


# Class names trafilatura reads as page furniture ("meta", "info" bars, widgets). A code page
# may put the code's facts in one: "Status: active | Global period: 090 | MUE: 2".
_FURNITURE_CLASS = re.compile(r"meta|info|widget|rating", re.IGNORECASE)
_FACT = re.compile(r"(?:^|[|\n;])\s*([A-Za-z][\w ()/-]{1,40}?):\s*[^|\n;]+")
# A byline or a post's data is furniture indeed ("By J. Doe | Updated: May 2, 2025").
_BYLINE = re.compile(
    r"\b(?:by|author|posted|published|updated|date|reading time|read time|comments?|views?|"
    r"share|tags?|categor(?:y|ies))\b", re.IGNORECASE)


def _keep_fact_lines(tree: lxml_html.HtmlElement) -> None:
    """An element whose class marks page furniture but whose text is two or more "Label:
    value" facts (none of them a byline's) loses that class, so that its facts are read."""
    for el in tree.iter():
        cls = el.get("class") if isinstance(el.tag, str) else None
        if not cls or not _FURNITURE_CLASS.search(cls):
            continue
        labels = _FACT.findall(" ".join(el.text_content().split()))
        if len(labels) >= 2 and not any(_BYLINE.search(label) for label in labels):
            del el.attrib["class"]


def _definition_lists_as_items(tree: lxml_html.HtmlElement) -> None:
    """Each term of a <dl> with its definitions becomes one list item, "Work RVU: 1.94": read
    apart (as trafilatura does), a value loses the term it is the value of."""
    for dl in list(tree.iter("dl")):
        items: list[tuple[str, list[str]]] = []
        for child in dl:
            text = " ".join(child.text_content().split()) if isinstance(child.tag, str) else ""
            if child.tag == "dt":
                items.append((text, []))
            elif child.tag == "dd" and items:
                items[-1][1].append(text)
            elif child.tag == "dd":
                items.append(("", [text]))
        if not items:
            continue
        ul = lxml_html.Element("ul")
        for term, values in items:
            li = lxml_html.Element("li")
            value = "; ".join(v for v in values if v)
            li.text = f"{term}: {value}" if term and value else (term or value)
            ul.append(li)
        ul.tail = dl.tail
        dl.getparent().replace(dl, ul)


def _structure(body: etree._Element) -> list[Block]:
    out: list[Block] = []
    for el in body:
        if el.tag == "head":
            rend = str(el.get("rend") or "h2")
            level = int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 2
            out.append(Block("heading", _inline(el), level=level))
        elif el.tag == "list":
            out.extend(_list_items(el, 0))
        elif el.tag == "table":
            out.append(_table(el))
        else:
            out.append(Block("paragraph", _inline(el)))
    return out


def _list_items(lst: etree._Element, depth: int) -> list[Block]:
    out: list[Block] = []
    ordered = str(lst.get("rend") or "") == "ol"
    for n, item in enumerate(lst.findall("item"), start=1):
        nested = item.findall("list")
        for sub in nested:
            item.remove(sub)
        text = _inline(item)
        if text:
            out.append(Block("item", text, level=depth, marker=f"{n}." if ordered else "-"))
        for sub in nested:
            out.extend(_list_items(sub, depth + 1))
    return out


def _table(table: etree._Element) -> Block:
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    for row in table.iter("row"):
        cells = row.findall("cell")
        values = tuple(_inline(c) for c in cells)
        if not header and not rows and cells and all(c.get("role") == "head" for c in cells):
            header = values
        else:
            rows.append(values)
    if not header:
        header, rows = guess_header(rows)
    return Block("table", header=header, rows=tuple(rows))


def _inline(el: etree._Element) -> str:
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "lb" else _inline(child))
        parts.append(child.tail or "")
    return re.sub(r"[^\S\n]+", " ", "".join(parts)).strip()


class _HtmlText(HTMLParser):
    """Plain-text fallback: block tags become line breaks; chrome and code are dropped."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "nav", "footer",
                       "header", "aside", "form", "button", "svg", "select", "object", "head"})
    _BLOCK = frozenset({"p", "div", "section", "article", "main", "li", "tr", "table", "ul", "ol",
                        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._skip = 0
        self._in = {"title": False, "h1": False}
        self._found = {"title": "", "h1": ""}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._in:
            self._in[tag] = True
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self._parts.append("\n\n")
        elif tag in ("br", "td", "th"):
            self._parts.append("\n" if tag == "br" else " | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            self._in[tag] = False
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self._parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        for tag, inside in self._in.items():
            if inside and not self._found[tag]:
                self._found[tag] = data.strip()
        if not self._skip:
            self._parts.append(data)

    def text(self) -> str:
        """The collected text, one blank line between blocks."""
        lines = (re.sub(r"[^\S\n]+", " ", ln).strip(" |") for ln in "".join(self._parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    def title(self) -> str:
        """The <title>, else the first <h1>."""
        return self._found["title"] or self._found["h1"]
