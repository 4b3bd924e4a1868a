"""Loaders on real files written by each test (txt encodings, html, pdf, docx, bad files)."""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, LoadedText, iter_paths, load_file, walk_paths
from knowledge.errors import IngestError
from tests.support.pdf import make_pdf

MB = 1024 * 1024
LIMITS = {"max_bytes": 5 * MB, "max_chars": 200_000}

TEXT = (
    "Widget guide – “helper” code 61235\n\n"
    "The helper code is reported with the main code. Café, naïve, Größe, año, €5.\n"
)


def load(path: Path, **limits: int) -> LoadedText:
    return load_file(path, **{**LIMITS, **limits})


def rejected(path: Path, **limits: int) -> str:
    with pytest.raises(IngestError) as info:
        load(path, **limits)
    assert info.value.path == str(path)
    assert "\n" not in info.value.reason
    return info.value.reason


# --- a minimal PDF writer: pypdf reads and encrypts PDFs but cannot lay out text ------------


def encrypt_pdf(raw: bytes, user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(raw)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret",
                   algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


PDF_PAGES = [["Widget coding notes", "The helper code 61235 is an add-on code."],
             ["Report it only with a main code such as 61230."]]


# --- text files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("utf8.txt", lambda s: s.encode("utf-8")),
        ("utf8-bom.txt", lambda s: b"\xef\xbb\xbf" + s.encode("utf-8")),
        ("utf16-le-bom.txt", lambda s: s.encode("utf-16")),  # Python writes a LE BOM
        ("utf16-be-bom.txt", lambda s: b"\xfe\xff" + s.encode("utf-16-be")),
        ("cp1252.txt", lambda s: s.encode("cp1252")),
        ("notes.md", lambda s: s.encode("utf-8")),
    ],
)
def test_text_encodings_decode_exactly(tmp_path: Path, name: str, encode) -> None:
    path = tmp_path / name
    path.write_bytes(encode(TEXT))
    loaded = load(path)
    assert loaded.text == TEXT.strip()  # BOM stripped, every accent and quote intact
    assert loaded.media_type == ("text/markdown" if name.endswith(".md") else "text/plain")


def test_latin1_text_falls_back_to_a_western_code_page(tmp_path: Path) -> None:
    text = "Niño, déjà vu, façade, über: the helper code is reported once.\n"
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("latin-1"))
    assert load(path).text == text.strip()


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("cp1251", "Код является дополнительным. Его нельзя использовать отдельно."),
     ("gb18030", "该代码是附加代码。它必须与主要代码一起报告。")],
)
def test_other_legacy_encodings_are_detected(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))
    assert load(path).text == text


def test_markdown_title_is_the_first_heading(tmp_path: Path, data_dir: Path) -> None:
    loaded = load(data_dir / "ingest" / "guide.md")
    assert loaded.title == "Coding the fictional widget procedure"
    # a pipe-table row carries its column headers; a list item its number
    assert "Code: 61230 | Role: main" in loaded.text
    assert "1. Check that a main code is on the claim." in loaded.text
    assert "- the operative note" in loaded.text


@pytest.mark.parametrize("low", [0, 1, 0x80])
def test_binary_garbage_in_a_txt_is_rejected(tmp_path: Path, low: int) -> None:
    rng = random.Random(low)
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(rng.randrange(low, 256) for _ in range(3000)))
    assert "binary" in rejected(path)


def test_utf8_with_one_broken_byte_stays_utf8(tmp_path: Path) -> None:
    good = ("Le code supplémentaire doit être déclaré avec le code principal. " * 10).encode()
    path = tmp_path / "almost.txt"
    path.write_bytes(good[:301] + b"\xff" + good[301:])
    text = load(path).text
    assert "supplémentaire" in text and "\ufffd" in text


# --- html ----------------------------------------------------------------------------------


def test_html_keeps_main_text_and_drops_page_chrome(data_dir: Path) -> None:
    loaded = load(data_dir / "ingest" / "page.html")
    assert loaded.media_type == "text/html"
    assert loaded.title in ("Widget coding notes", "Reporting the widget helper code")
    for marker in ("STYLE", "SCRIPT", "SCRIPT2", "NAV", "HEADER", "ONCLICK", "IFRAME", "FOOTER"):
        assert f"{marker}_MARKER" not in loaded.text
    assert "alert(" not in loaded.text and "display: none" not in loaded.text
    blocks = loaded.text.split("\n\n")
    assert "Reporting the widget helper code" in blocks  # the heading is its own block
    assert "Allowed partners" in blocks
    assert any(b.startswith("Report 61235 together with 61230") for b in blocks)
    assert "Keep the operative note with the claim." in loaded.text


def test_html_falls_back_to_the_plain_parser(data_dir: Path, monkeypatch) -> None:
    from ingest import html_text

    monkeypatch.setattr(html_text.trafilatura, "bare_extraction", lambda *a, **k: None)
    loaded = load(data_dir / "ingest" / "page.html")
    assert loaded.title == "Widget coding notes"
    for marker in ("STYLE", "SCRIPT", "SCRIPT2", "NAV", "HEADER", "ONCLICK", "IFRAME", "FOOTER"):
        assert f"{marker}_MARKER" not in loaded.text
    blocks = loaded.text.split("\n\n")
    assert "Reporting the widget helper code" in blocks
    assert any(b.startswith("The helper code 61235 is an add-on code.") for b in blocks)


def test_html_in_a_legacy_charset(tmp_path: Path) -> None:
    html = ('<html><head><meta charset="windows-1252"><title>Guía</title></head><body>'
            "<p>El código adicional se informa con el código principal, nunca solo.</p>"
            "</body></html>")
    path = tmp_path / "page.htm"
    path.write_bytes(html.encode("cp1252"))
    assert "El código adicional se informa" in load(path).text


def test_html_without_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><script>var a = 1;</script></head><body> </body></html>")
    assert "no text" in rejected(path)


# --- pdf -----------------------------------------------------------------------------------


def test_pdf_text_and_title(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(make_pdf(PDF_PAGES, title="Widget notes"))
    loaded = load(path)
    assert loaded.media_type == "application/pdf"
    assert loaded.title == "Widget notes"
    assert "The helper code 61235 is an add-on code." in loaded.text
    assert "Report it only with a main code such as 61230." in loaded.text
    assert "\n\n" in loaded.text  # pages are separate paragraphs


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypt_pdf(make_pdf(PDF_PAGES), user_password="s3cret"))
    assert "encrypted PDF" in rejected(path)


def test_pdf_encrypted_with_an_empty_password_opens(tmp_path: Path) -> None:
    path = tmp_path / "permissions-only.pdf"
    path.write_bytes(encrypt_pdf(make_pdf(PDF_PAGES), user_password=""))
    assert "61235" in load(path).text


def test_truncated_pdf_is_rejected(tmp_path: Path) -> None:
    raw = make_pdf(PDF_PAGES * 3)
    path = tmp_path / "cut.pdf"
    path.write_bytes(raw[: len(raw) // 2])
    assert "not a readable PDF" in rejected(path)


@pytest.mark.parametrize(
    "raw",
    [bytes(random.Random(3).randrange(256) for _ in range(5000)),
     b"%PDF-1.7\n" + b"\x00garbage\xff" * 400 + b"\n%%EOF\n"],
    ids=["random-bytes", "header-and-eof-only"],
)
def test_garbage_named_pdf_is_rejected(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(raw)
    reason = rejected(path)
    assert "not a readable PDF" in reason or "no text" in reason


def test_pdf_without_text_says_so(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[]]))
    assert "no text could be extracted" in rejected(path)


# --- docx ----------------------------------------------------------------------------------


def write_docx(path: Path) -> None:
    d = docx.Document()
    d.core_properties.title = "Widget rules"
    d.add_heading("Widget rules", level=1)
    d.add_paragraph("The helper code 61235 is an add-on code.")
    d.add_paragraph("")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate([("Code", "Role"), ("61230", "main")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("Never report 61235 with 61250.")
    d.save(str(path))


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    path = tmp_path / "rules.docx"
    write_docx(path)
    loaded = load(path)
    assert loaded.title == "Widget rules"
    assert loaded.text == (
        "Widget rules\n\nThe helper code 61235 is an add-on code.\n\n"
        "Code: 61230 | Role: main\n\nNever report 61235 with 61250."
    )
    assert loaded.structure is not None
    assert loaded.structure.path_at(loaded.text.index("Never")) == ("Widget rules",)


def test_docx_zip_bomb_is_rejected_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    zero_mb = bytes(MB)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(64):  # 64 MB of zeros, about 64 KB on disk
                member.write(zero_mb)
    assert path.stat().st_size < MB
    assert "zip bomb" in rejected(path, max_bytes=MB)  # 64 MB > 20 x 1 MB
    assert "zip bomb" in rejected(path, max_bytes=50 * MB)  # ratio ~1000:1


@pytest.mark.parametrize(
    "raw", [b"This is plain text, not a Word file.", b"PK\x03\x04broken zip"], ids=["text", "bad-zip"]
)
def test_non_zip_docx_is_rejected(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fake.docx"
    path.write_bytes(raw)
    assert "not a readable Word file" in rejected(path)


def test_zip_without_a_word_document_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("content.xml", "<office:document/>")
    assert "not a readable Word file" in rejected(path)


# --- limits and kinds ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_empty_file_is_rejected(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert rejected(path) == "empty file"


def test_whitespace_only_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\n\t \n")
    assert "no text" in rejected(path)


def test_over_the_size_limit_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 300_000)  # 1.4 MB
    reason = rejected(path, max_bytes=MB)
    assert "1.4 MB" in reason and "1.0 MB" in reason and "CPTCITE_MAX_UPLOAD_MB" in reason


def test_over_the_text_limit_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    path.write_text("word " * 2000)
    reason = rejected(path, max_chars=5000)
    assert "10,000" in reason and "5,000" in reason and "CPTCITE_MAX_TEXT_CHARS" in reason


@pytest.mark.parametrize("name", ["slides.pptx", "scan.png", "README"])
def test_unknown_extension_lists_the_supported_ones(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"something")
    reason = rejected(path)
    assert "unsupported" in reason and all(s in reason for s in SUPPORTED_SUFFIXES)


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    assert "no such file" in rejected(tmp_path / "gone.txt")


# --- folders -------------------------------------------------------------------------------


def test_iter_paths_walks_sorted_and_skips_hidden_unsupported_and_escaping_links(
    tmp_path: Path,
) -> None:
    root = tmp_path / "materials"
    for rel in ["b.txt", "a.md", "sub/c.pdf", "sub/deeper/d.docx", "z.html", "image.png",
                ".hidden.txt", ".git/config.txt", "sub/.cache/e.txt"]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("x")
    os.symlink(outside / "secret.txt", root / "link-out.txt")
    os.symlink(outside, root / "linked-dir")
    os.symlink(root / "b.txt", root / "sub" / "link-in.txt")

    got = [p.relative_to(root).as_posix() for p in iter_paths([root])]
    assert got == ["a.md", "b.txt", "z.html", "sub/c.pdf", "sub/deeper/d.docx"]
    _, refused = walk_paths([root])
    reasons = {p.relative_to(root).as_posix(): why for p, why in refused}
    assert set(reasons) == {"image.png", "link-out.txt"}
    assert reasons["image.png"].startswith("unsupported file type '.png'; supported: ")
    assert "outside the folder" in reasons["link-out.txt"]


def test_iter_paths_keeps_named_files_and_drops_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "notes.rtf").write_text("x")
    got = iter_paths([tmp_path / "notes.rtf", tmp_path / "a.txt", tmp_path, tmp_path / "a.txt"])
    assert got == [tmp_path / "notes.rtf", tmp_path / "a.txt"]
