"""clean_text: whitespace normalisation and boilerplate lines, on the seed and own fixtures."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from ingest.cleaning import clean_text, is_boilerplate_line

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
LINES = json.loads((DATA / "boilerplate_lines.json").read_text(encoding="utf-8"))
GLUED = re.compile(r"\w+[.?!:][A-Z]\w*")  # "word.This", "51610.It", "NOTE:Do"


@pytest.mark.parametrize("line", LINES["drop"])
def test_boilerplate_lines_are_dropped(line: str) -> None:
    assert is_boilerplate_line(line)
    assert clean_text(f"Intro sentence.\n{line}\nLast sentence.") == "Intro sentence.\nLast sentence."


@pytest.mark.parametrize("line", LINES["keep"])
def test_content_lines_are_kept(line: str) -> None:
    assert not is_boilerplate_line(line)
    assert clean_text(line) == line


def test_web_capture_fixture_matches_its_clean_version() -> None:
    raw = (DATA / "web_capture.txt").read_text(encoding="utf-8")
    expected = (DATA / "web_capture.clean.txt").read_text(encoding="utf-8")
    assert clean_text(raw) == expected.strip("\n")


def test_seed_page_loses_only_its_chrome(seed_text: str) -> None:
    cleaned = clean_text(seed_text)
    # NFKC: "iFrame™" is stored as "iFrameTM", as ligatures are stored as letters.
    seed_lines = [unicodedata.normalize("NFKC", ln.strip())
                  for ln in seed_text.splitlines() if ln.strip()]
    kept = [ln for ln in cleaned.splitlines() if ln]
    dropped = [ln for ln in seed_lines if ln not in kept]

    # The language bar and the version badge are gone; every kept line is a seed line verbatim
    # (compatibility forms folded).
    assert not any("Español" in ln or "Tagalog" in ln for ln in kept)
    assert not any(re.search(r"\bv\.\d", ln) for ln in kept)
    assert set(kept) <= set(seed_lines)
    # Only short chrome lines go; every long paragraph of content survives.
    assert 3 <= len(dropped) <= 5
    assert all(len(ln.split()) < 20 or "Click here" in ln for ln in dropped)
    # The title line is kept and comes first.
    title = next(ln for ln in seed_lines if re.fullmatch(r"\d{4} CPT code \d{5}", ln))
    assert kept[0] == title
    # Glued sentences stay glued: every seam of the seed is still in the text, unchanged.
    seams = GLUED.findall(seed_text)
    assert len(seams) >= 10
    assert [s for s in seams if s not in cleaned] == []


def test_clean_text_is_idempotent(seed_text: str) -> None:
    once = clean_text(seed_text)
    assert clean_text(once) == once
    fixture = clean_text((DATA / "web_capture.txt").read_text(encoding="utf-8"))
    assert clean_text(fixture) == fixture


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("bell\x07 and\x00 nul\x1b", "bell and nul"),
        ("tab\tinside\t\tline", "tab inside line"),
        ("many    spaces  here   ", "many spaces here"),
        ("no\u00a0break\u2009thin\u3000wide", "no break thin wide"),
        ("\ufeffzero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("cafe\u0301 [NFD]", "caf\u00e9 [NFD]"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("a\n  \n\t\n \nb", "a\n\nb"),
        ("\n\n  lead and trail  \n\n", "lead and trail"),
        ("page one\fpage two", "page one\n\npage two"),
        ("glued.Sentences stay,and so do commas.", "glued.Sentences stay,and so do commas."),
        ("NOTE:Keep the colon glued.", "NOTE:Keep the colon glued."),
        ("Codes 61230-61235, 61240.It follows.", "Codes 61230-61235, 61240.It follows."),
        ("中文标题\n\n这是一个句子。", "中文标题\n\n这是一个句子。"),
    ],
)
def test_whitespace_and_characters(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_dropping_a_line_does_not_leave_a_double_gap() -> None:
    raw = "First paragraph.\n\nBETA v.3.0\n\nSecond paragraph."
    assert clean_text(raw) == "First paragraph.\n\nSecond paragraph."


def test_words_are_never_changed(data_dir: Path) -> None:
    raw = (data_dir / "ingest" / "guide.md").read_text(encoding="utf-8")
    cleaned = clean_text(raw)
    assert re.findall(r"\S+", cleaned) == re.findall(r"\S+", raw)


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("Home › CPT Codes › Surgery › Urinary System › 61235", True),
        ("Member login: Log in to view plan-specific pricing.", True),
        ("You have 3 free page views remaining this month.", True),
        ("Want the Widget Digest in your inbox?", True),
        ("Sign up for our free coding newsletter.", True),
        ("61230 / 61231 / 61232", False),
        ("Units: 2 per day / 4 per week", False),
        ("The payer sends updates to its fee schedule every quarter.", False),
        ("Report 61235 once per side.", False),
    ],
)
def test_site_chrome_lines(line: str, chrome: bool) -> None:
    assert is_boilerplate_line(line) is chrome
