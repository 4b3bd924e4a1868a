"""Document structure per format: headings with their path, list items under their heading,
table rows that carry their column headers, PDF running heads gone. Real files, our own
fixtures with invented codes."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load_file
from ingest.pipeline import unit_context, vector_records
from ingest.structure import Block, render, table_lines
from tests.support.pdf import make_laid_out_pdf, make_pdf

LIMITS = {"max_bytes": 5 << 20, "max_chars": 200_000}


def load(path: Path):
    loaded = load_file(path, **LIMITS)
    assert loaded.structure is not None and loaded.structure.text == loaded.text
    return loaded


def units(loaded) -> list[str]:
    """Every sentence unit of the stored text, as the chunker and search see it."""
    chunks = chunk_document("d", "s", loaded.text, structure=loaded.structure)
    from knowledge.sentences import split_sentences

    return [c.text[s:e] for c in chunks for s, e in split_sentences(c.text)]


# --- the model -----------------------------------------------------------------------------


def test_a_table_row_reads_with_its_headers() -> None:
    lines = table_lines(("Code", "Work RVU", "Global"), [("61230", "3.71", "ZZZ"), ("", "", "")])
    assert lines == ["Code: 61230 | Work RVU: 3.71 | Global: ZZZ"]
    # a header row printed again (a new page) is no row; a cell naming its column stands alone
    assert table_lines(("Code", "Role"), [("Code", "Role"), ("61230", "role")]) == ["Code: 61230 | role"]


def test_heading_paths_follow_the_levels() -> None:
    r = render([
        Block("heading", "Widget manual", level=1),
        Block("heading", "Preparation", level=2),
        Block("item", "Fast for 6 hours."),
        Block("heading", "Billing", level=2),
        Block("heading", "Units", level=3),
        Block("paragraph", "One unit per side."),
    ])
    assert r.title == "Widget manual"
    assert r.path_at(r.text.index("Fast")) == ("Widget manual", "Preparation")
    assert r.path_at(r.text.index("One unit")) == ("Widget manual", "Billing", "Units")
    assert "- Fast for 6 hours." in r.text


def test_a_link_list_section_goes_but_a_related_note_stays() -> None:
    r = render([
        Block("heading", "Code 61235", level=1),
        Block("paragraph", "Code 61235 is an add-on code."),
        Block("heading", "Related codes", level=2),
        Block("item", "61230 Widget placement"),
        Block("item", "61240 Widget removal"),
        Block("heading", "Notes", level=2),
        Block("paragraph", "Report it once per side."),
    ])
    assert "61240" not in r.text and "Related codes" not in r.text
    assert "Report it once per side." in r.text
    kept = render([
        Block("heading", "Related codes", level=2),
        Block("paragraph", "(For widget removal, see 61240.)"),
    ])
    assert "see 61240" in kept.text


# --- formats -------------------------------------------------------------------------------


MARKDOWN = """---
title: "Widget fee schedule"
publisher: Example Plan
---

[Home](/) > [Providers](/p) > [Fee schedules](/f) > Widgets

# Widget fee schedule

## Relative values

| Code | Work RVU | MUE |
|---|---|---|
| 61230 | 3.71 | 2 |
| 61235 | 1.20 | 1 |

## Preparation

- Fast for **6 hours** before the visit.
- Bring your medicine list.
  - Include vitamins.
"""


def test_markdown_table_rows_and_list_items(tmp_path: Path) -> None:
    path = tmp_path / "fees.md"
    path.write_text(MARKDOWN)
    loaded = load(path)
    assert loaded.title == "Widget fee schedule"
    assert "Home" not in loaded.text  # the breadcrumb trail is chrome
    found = units(loaded)
    assert "Code: 61235 | Work RVU: 1.20 | MUE: 1" in found
    assert "- Fast for 6 hours before the visit." in found
    at = loaded.text.index("Fast for")
    assert loaded.structure.path_at(at) == ("Widget fee schedule", "Preparation")
    assert "  - Include vitamins." in loaded.text


HTML = """<html><head><title>Code 61235 | Widget Codes</title></head><body>
<nav><a href="/">Home</a> <a href="/codes">Codes</a></nav>
<main><article>
<p>Home &gt; Codes &gt; Surgery &gt; 61235</p>
<h1>Code 61235: widget imaging add-on</h1>
<p>You have 2 free page views remaining.</p>
<p>Code 61235 describes extra imaging while the widget is moved. It is reported with the
main widget code and never alone; each side is reported on its own line.</p>
<h2>Indications</h2>
<ul><li>Widget moved more than once</li><li>Imaging needed to confirm the site</li></ul>
<h2>Fees</h2>
<table><tr><th>Setting</th><th>Allowed</th></tr>
<tr><td>Facility</td><td>$193.62</td></tr><tr><td>Office</td><td>$241.10</td></tr></table>
<p>Amounts are for the 2025 schedule and change each year without notice to members.</p>
</article></main>
<footer>Copyright 2025 Widget Codes. All rights reserved.</footer>
</body></html>"""


def test_html_table_rows_and_list_items_and_no_chrome(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML)
    loaded = load(path)
    found = units(loaded)
    assert "Setting: Office | Allowed: $241.10" in found
    assert "- Imaging needed to confirm the site" in found
    at = loaded.text.index("Imaging needed")
    assert loaded.structure.path_at(at)[-1] == "Indications"
    for chrome in ("page views", "Copyright", "Home"):
        assert chrome not in loaded.text


def test_docx_headings_lists_and_a_table_in_place(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("Widget manual", level=1)
    d.add_heading("Billing", level=2)
    d.add_paragraph("Report the widget code once per side.")
    table = d.add_table(rows=3, cols=2)
    for r, row in enumerate([("Code", "Work RVU"), ("61230", "3.71"), ("61235", "1.20")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("Check the note first.", style="List Bullet")
    d.add_paragraph("After the table.")
    path = tmp_path / "manual.docx"
    d.save(str(path))
    loaded = load(path)
    text = loaded.text
    assert "Code: 61235 | Work RVU: 1.20" in units(loaded)
    assert text.index("once per side") < text.index("61235 | Work") < text.index("After the")
    assert "- Check the note first." in text
    assert loaded.structure.path_at(text.index("61235 |")) == ("Widget manual", "Billing")


def test_pdf_running_heads_and_page_numbers_are_no_unit(tmp_path: Path) -> None:
    head = "Example Plan - Policy WID-7 - Widget placement"
    pages = [
        [head, "Widget placement is covered when the site is confirmed by imag-",
         "ing before the widget is moved.", "Page 1 of 3"],
        [head, "Imaging is reported with the widget code on one claim.", "Page 2 of 3"],
        [head, "Prior review is needed for a second widget in one year.", "Page 3 of 3"],
    ]
    path = tmp_path / "policy.pdf"
    path.write_bytes(make_pdf(pages))
    loaded = load(path)
    assert "WID-7" not in loaded.text and "Page" not in loaded.text
    assert "imaging before the widget is moved." in loaded.text  # the broken word joined
    assert all("WID-7" not in u for u in units(loaded))


def test_ligatures_and_no_break_spaces_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "lig.txt"
    path.write_text("The \ufb01rst e\ufb00ective date is 1\u00a0March.\n", encoding="utf-8")
    assert load(path).text == "The first effective date is 1 March."


# --- search context ------------------------------------------------------------------------


def test_units_are_embedded_with_their_title_and_section(tmp_path: Path) -> None:
    path = tmp_path / "fees.md"
    path.write_text(MARKDOWN)
    loaded = load(path)
    chunks = chunk_document("d", "fees.md", loaded.text, structure=loaded.structure)
    row = next(c for c in chunks if "61235 | Work" in c.text)
    assert row.meta["section"] == "Widget fee schedule > Relative values"
    records = vector_records(chunks, loaded.title)
    embedded = next(r.text for r in records if r.kind == "sentence" and "61235 | Work" in r.text)
    assert embedded.endswith("(Widget fee schedule · Relative values)")


@pytest.mark.parametrize(
    ("title", "section", "expected"),
    [
        ("Fees | Example", "Fees > Units", "Fees | Example · Units"),
        ("", "A > B", "A · B"),
        ("T", "", "T"),
    ],
)
def test_unit_context_names_each_part_once(title: str, section: str, expected: str) -> None:
    assert unit_context(title, section) == expected


def test_running_heads_inside_a_table_frame_stay_out_of_its_cells(tmp_path: Path) -> None:
    # A table that fills its pages: its frame reaches over the running head and foot, which a
    # cell must not swallow; the revision table after a heading on the next page keeps its
    # own header instead of continuing the scenario table's.
    def running(page: int) -> list[tuple]:
        return [("text", 60, 770, 7, "Example Clinic - Widget Protocol WX-4 - controlled copy"),
                ("text", 60, 30, 7, f"Printed copies are uncontrolled - page {page}")]

    head = ("Scenario", "Code to capture", "Notes")
    first = [head, *((f"Widget case {i}", f"6123{i}", f"Note {i} for the widget.")
                     for i in range(6))]  # the frame reaches the foot
    more = [head, ("Widget removed, nothing placed", "61299", "Once per side.")]
    pages = [
        [*running(1), ("bold", 60, 745, 14, "Scenario table"),
         ("text", 60, 732, 10, "Capture each widget case from the final report, not the order."),
         ("table", 50, 725, (200, 100, 200), 99, first, 9)],
        [*running(2), ("table", 50, 780, (200, 100, 200), 40, more, 9),
         ("bold", 60, 680, 14, "Revision history"),
         ("text", 60, 665, 10, "Each version of the protocol is approved by the lead coder."),
         ("table", 50, 650, (200, 100, 200), 30,
          [("Version", "Date", "Change"), ("1.1", "March 2, 2026", "Added widget removal")], 9)],
    ]
    path = tmp_path / "protocol.pdf"
    path.write_bytes(make_laid_out_pdf(pages))
    text = load(path).text
    assert "WX-4" not in text and "uncontrolled" not in text
    assert "Scenario: Widget case 5 | Code to capture: 61235 | Notes: Note 5 for the widget." in text
    assert "Scenario: Widget removed, nothing placed | Code to capture: 61299" in text
    assert "Version: 1.1 | Date: March 2, 2026 | Change: Added widget removal" in text


def test_pdf_lines_wrapped_at_the_margin_read_on_and_short_lines_stay_apart(tmp_path: Path) -> None:
    # The first line is the page's widest: the next line's first word did not fit on it, so
    # the sentence goes on (a line opening with a code is no new unit); short lines were
    # ended by their author.
    lines = [
        "Imaging is bundled into the widget codes and never captured apart. Injection codes",
        "99931 and 99932 do not include imaging, so 99938 is captured with them.",
        "Owner: widget coordinator",
        "Approved by the lead coder",
    ]
    page = [("bold", 60, 720, 14, "Widget protocol")]
    page += [("text", 60, 700 - 12 * i, 10, line) for i, line in enumerate(lines)]
    path = tmp_path / "protocol.pdf"
    path.write_bytes(make_laid_out_pdf([page]))
    loaded = load(path)
    assert ("Injection codes 99931 and 99932 do not include imaging, so 99938 is captured "
            "with them.") in units(loaded)
    assert "Owner: widget coordinator\nApproved by the lead coder" in loaded.text


def test_pdf_headings_by_size_and_numbered_criteria_as_items(tmp_path: Path) -> None:
    head = (8, "Example Plan - Policy WID-9 - printed from the portal")
    pages = [
        [head, (20, "Widget placement policy"), "Widget placement is covered when imaging",
         "confirms the site.", (15, "Coverage criteria"), "1. The site is confirmed on imaging.",
         "2. A second widget is not placed within 12 months."],
        [head, (15, "Coding"), "Report 61230 once per side with modifier RT or LT."],
    ]
    path = tmp_path / "policy.pdf"
    path.write_bytes(make_pdf(pages))
    loaded = load(path)
    assert "WID-9" not in loaded.text
    at = loaded.text.index("2. A second widget")
    assert loaded.structure.path_at(at) == ("Widget placement policy", "Coverage criteria")
    assert "2. A second widget is not placed within 12 months." in units(loaded)
    at = loaded.text.index("Report 61230")
    assert loaded.structure.path_at(at) == ("Widget placement policy", "Coding")


def test_a_pdf_table_without_rules_is_read_by_its_layout(tmp_path: Path) -> None:
    pages = [[
        (16, "Widget fee schedule"),
        "Code        Work RVU        MUE        Price",
        "61230        3.71        2        807.29",
        "61235        1.20        1        139.84",
        "61240        0.95        4        98.10",
        "Prices are for 2026.",
    ]]
    path = tmp_path / "fees.pdf"
    path.write_bytes(make_pdf(pages))
    loaded = load(path)
    assert "Code: 61235 | Work RVU: 1.20 | MUE: 1 | Price: 139.84" in units(loaded)
    assert "Prices are for 2026." in units(loaded)  # prose stays prose


def test_html_text_loose_in_a_div_and_bold_leads_are_kept(tmp_path: Path) -> None:
    page = """<html><head><title>Widget newsletter | Example Digest</title></head><body><main>
<h1>Widget coding newsletter</h1>
<p>This issue walks through two widget claims that our readers sent in last month.</p>
<h2>Worked example</h2>
<p>A surgeon places widgets on both sides in one session and documents both sites.</p>
<div class="claim">Line 1: 61230 x 1 (left side)<br>Line 2: 61230 x 1 (right side)</div>
<div class="tip"><strong>Coding tip:</strong> Any part of a second widget counts as one
more unit of 61235, never as a half unit.</div>
<p>Write to the editor with your own widget questions and we will answer them here.</p>
</main></body></html>"""
    path = tmp_path / "news.html"
    path.write_text(page)
    loaded = load(path)
    assert "Line 1: 61230 x 1 (left side)" in loaded.text
    assert "Any part of a second widget counts as one" in loaded.text
    assert loaded.title == "Widget newsletter | Example Digest"


def test_loose_div_text_is_given_a_paragraph_of_its_own() -> None:
    from lxml import html as lxml_html

    from ingest.html_text import _wrap_loose_text

    def wrapped(page: str) -> str:  # the tree trafilatura is given, as HTML
        return lxml_html.tostring(_wrap_loose_text(page), encoding="unicode")

    out = wrapped('<div class="claim">Line 1: 61230 x 1<br>Line 2: 61235 x 1</div>')
    assert "<p>Line 1: 61230 x 1</p>" in out and "Line 2: 61235 x 1" in out
    plain = "<div><p>Already in a paragraph.</p></div>"
    assert wrapped(plain) == plain


def test_html_definition_list_terms_keep_their_values(tmp_path: Path) -> None:
    page = """<html><head><title>Code 61235 | Example Codes</title></head><body><main>
<h1>Code 61235: widget revision</h1>
<p>Widget revision is reported once per widget, whatever the approach to it.</p>
<h2>Quick facts</h2>
<dl class="facts">
  <dt>Work RVU</dt><dd>1.20</dd>
  <dt>National payment, non-facility</dt><dd>61235: $84.10</dd>
  <dt>Global period</dt><dd>010</dd><dd>Ten days after the revision</dd>
</dl>
<p>Report the revision with the widget's side when the payer asks for it.</p>
</main></body></html>"""
    path = tmp_path / "ref.html"
    path.write_text(page)
    found = units(load(path))
    assert "- Work RVU: 1.20" in found
    assert "- National payment, non-facility: 61235: $84.10" in found
    assert "- Global period: 010; Ten days after the revision" in found
    assert not {"1.20", "- 1.20"} & set(found)  # a value never stands without its term


def test_html_facts_in_a_furniture_class_are_read_and_bylines_are_not(tmp_path: Path) -> None:
    page = """<!DOCTYPE html><html lang="en"><head><title>CPT 61235 | Example Codes</title></head>
<body><header><nav><a href="/">Example Codes</a> | <a href="/lookup">Code Lookup</a> |
<a href="/blog">Blog</a></nav></header>
<div class="breadcrumb">Home &raquo; CPT &raquo; Widgets &raquo; 61235</div>
<main>
<h1>61235</h1>
<p class="meta">Status: active | Add-on code: No | Global period: 010 | MUE: 2</p>
<p class="post-meta">By: Ann Example | Updated: 2 May 2026 | Reading time: 4 min</p>
<h2>Official description</h2>
<p>Widget revision, open approach, each widget, including the imaging that guides it and the
closure of the access site.</p>
<h2>Coding guidelines</h2>
<ul>
<li>Report 61235 once per widget revised; a second widget on the other side is a second unit.</li>
<li>(Do not report 61235 in conjunction with 61230 for the same widget)</li>
<li>Imaging guidance is included and is not reported separately with 61235.</li>
</ul>
<h2>Documentation</h2>
<p>The note names the widget, its side, the approach and the reason for the revision, with the
imaging that guided it.</p>
</main>
<footer><p>Copyright 2026 Example Codes. All rights reserved.</p></footer>
</body></html>"""
    path = tmp_path / "ref.html"
    path.write_text(page)
    text = load(path).text
    assert "Status: active | Add-on code: No | Global period: 010 | MUE: 2" in text
    assert "Ann Example" not in text and "Reading time" not in text


PLAIN_TABLE = """Edit narrative for widget codes

4. The pairs below illustrate the policy above.

  Column 1   Column 2   Modifier   Note
  --------   --------   --------   ------------------------------
  61235      61240      0          Both sides: 61235 only
  61235      61241      1          Allowed for a separate widget

Modifier indicator 0 means no modifier bypasses the edit.
"""


def test_an_aligned_plain_text_table_becomes_rows_with_headers(tmp_path: Path) -> None:
    path = tmp_path / "narrative.txt"
    path.write_text(PLAIN_TABLE)
    found = units(load(path))
    assert "Column 1: 61235 | Column 2: 61240 | Modifier: 0 | Note: Both sides: 61235 only" in found
    assert "Column 1: 61235 | Column 2: 61241 | Modifier: 1 | Note: Allowed for a separate widget" in found
    assert "4. The pairs below illustrate the policy above." in found
    assert not any("--------" in u for u in found)


def test_a_dash_line_without_a_table_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Intro line\n\nA header line\n--- ---\n\nText after the rule.\n")
    assert "A header line\n--- ---" in load(path).text
