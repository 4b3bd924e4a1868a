"""Read a file from disk into its structured text: txt, md, html, pdf, docx, and csv/tsv/xlsx claim-edit
tables (``ingest.edit_files``). The only file
I/O of ingest. Every format is read into ``ingest.structure`` blocks (headings, paragraphs, list
items, tables) and rendered into the text that is stored, with its heading marks.

Every refusal is an ``IngestError(path, reason)`` whose reason is one line that says how to fix
it. Limits are checked before parsing (size), and again on the extracted text (characters).

Decisions:

- Text files: a BOM decides (UTF-8/16/32, BOM stripped); else strict UTF-8; else the charset
  that charset-normalizer finds, except that cp1252 wins over other Latin-script code pages
  (short Western text fools the detector; Central European cp1250 text loses), and mostly-valid UTF-8 with a
  few broken bytes stays UTF-8 (U+FFFD for the broken bytes). NUL bytes, or more than 5 %
  control or undecodable characters, mean a binary file and are refused.
- Markdown: ``ingest.markdown_blocks`` (markdown-it-py); plain text: blank-line paragraphs,
  short title-like lines as headings (``ingest.structure.blocks_from_plain_text``).
- HTML: decoded like text, but a ``<meta charset>`` in the first 4 KB is tried before UTF-8;
  the blocks and title come from ``ingest.html_text`` (trafilatura, with a plain
  ``html.parser`` fallback).
- PDF: pypdf. A PDF encrypted with an empty user password (only permissions set) opens in
  every viewer, so it is read; any other encrypted PDF is refused. A file without the
  ``%%EOF`` marker near its end is refused as truncated, even if pypdf could recover a part.
  Running headers, footers and page numbers go, broken words are joined (``ingest.pdf_text``).
- DOCX: the zip is inspected before python-docx opens it (zip-bomb guard); headings, list
  items and tables are read in document order (``ingest.docx_blocks``); headers, footers and
  comments are not.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import charset_normalizer
import docx
import pdfplumber
import pypdf
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree
from pypdf.errors import DependencyError, PyPdfError

from ingest.docx_blocks import docx_blocks
from ingest.edit_files import EditFileError, edit_file_blocks, rows_blocks, xlsx_rows
from ingest.html_text import html_blocks
from ingest.markdown_blocks import markdown_blocks
from ingest.pdf_blocks import pdf_blocks
from ingest.pdf_text import clean_pdf_pages
from ingest.structure import Block, Rendered, blocks_from_plain_text, render
from knowledge.errors import IngestError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadedText",
    "iter_paths",
    "load_file",
    "unsupported_reason",
    "walk_paths",
]

#: File name endings that can be ingested (lower case).
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".csv", ".docx", ".htm", ".html", ".markdown", ".md", ".pdf", ".tsv", ".txt", ".xlsx"
)

_MB = 1024 * 1024
_ZIP_HARD_LIMIT = 200 * _MB
_ZIP_MAX_RATIO = 250  # deflate cannot beat ~1030:1; real Word XML stays well under 100:1
_ZIP_MAX_ENTRIES = 5000
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
# pypdf raises more than its own errors on broken files.
_PDF_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
               AssertionError, OSError, RecursionError, zlib.error)
_DOCX_ERRORS = (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.LxmlError)


class LoadedText(NamedTuple):
    """One file as read: its rendered structure (cleaned text and heading marks)."""

    media_type: str
    structure: Rendered

    @property
    def text(self) -> str:
        """The cleaned text that is stored and cited."""
        return self.structure.text

    @property
    def title(self) -> str:
        """The document's title (its metadata's, else its first heading)."""
        return self.structure.title


def _loaded(blocks: list[Block], media_type: str, title: str) -> LoadedText:
    return LoadedText(media_type, render(blocks, title))


def load_file(path: Path, *, max_bytes: int, max_chars: int) -> LoadedText:
    """Read ``path`` and return its text; raise IngestError when it cannot be ingested.

    ``max_bytes`` bounds the file (CPTCITE_MAX_UPLOAD_MB), ``max_chars`` the extracted text
    (CPTCITE_MAX_TEXT_CHARS). Example: ``load_file(Path("a.pdf"), max_bytes=50 << 20,
    max_chars=2_000_000).text``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if (unsupported := unsupported_reason(path)) is not None:
        raise IngestError(path, unsupported)
    if not path.is_file():
        raise IngestError(path, "no such file")
    try:
        size = path.stat().st_size
        if size == 0:
            raise IngestError(path, "empty file")
        if size > max_bytes:
            raise IngestError(path, f"file is {size / _MB:.1f} MB, over the {max_bytes / _MB:.1f} "
                              "MB limit; raise CPTCITE_MAX_UPLOAD_MB to ingest it")
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read the file ({exc.strerror or exc}); check its "
                          "permissions") from exc
    if suffix == ".pdf":
        loaded = _load_pdf(path, raw, max_chars)
    elif suffix == ".docx":
        loaded = _load_docx(path, raw, max_bytes)
    elif suffix in (".html", ".htm"):
        loaded = _load_html(path, raw)
    elif suffix == ".xlsx":
        loaded = _load_xlsx(path, raw, max_bytes)
    else:
        text = _decode_text(path, raw)
        _check_chars(path, len(text), max_chars)
        if suffix == ".txt":
            loaded = _loaded(blocks_from_plain_text(text), "text/plain", "")
        elif suffix in (".csv", ".tsv"):
            try:
                _, blocks = edit_file_blocks(text, path.name, tab=suffix == ".tsv")
            except EditFileError as exc:
                raise IngestError(path, str(exc)) from exc
            loaded = _loaded(blocks, "text/csv", "")
        else:
            md = markdown_blocks(text)
            loaded = _loaded(md.blocks, "text/markdown", md.title)
    if not loaded.text.strip():
        hint = " (a scanned PDF needs OCR first)" if suffix == ".pdf" else ""
        raise IngestError(path, f"no text could be extracted{hint}")
    _check_chars(path, len(loaded.text), max_chars)
    return loaded


def _check_chars(path: Path, n: int, max_chars: int) -> None:
    if n > max_chars:
        raise IngestError(path, f"extracted text has {n:,} characters, over the "
                          f"{max_chars:,} limit; raise CPTCITE_MAX_TEXT_CHARS or split the file")


def unsupported_reason(path: Path) -> str | None:
    """Why ``path`` cannot be ingested by its type, or None when its suffix is supported."""
    suffix = path.suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return None
    kind = f"'{suffix}'" if suffix else "without an extension"
    return f"unsupported file type {kind}; supported: {', '.join(SUPPORTED_SUFFIXES)}"


def walk_paths(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to ingest, and files met that will not be read, each with a one-line reason.

    Files are taken as given; folders are walked (sorted). Hidden names (a leading dot) are
    skipped silently, files and folders alike. Inside a folder, a file of an unsupported type
    is refused with the list of supported types, and a symlink is not followed out of the
    folder (a symlinked file is read only if it resolves inside it; symlinked folders are not
    entered). Each file appears once.
    """
    out: list[Path] = []
    refused: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for given in paths:
        given = Path(given)
        if not given.is_dir():
            add(given)
            continue
        root = given.resolve()
        for dirpath, dirnames, filenames in os.walk(given, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                p = Path(dirpath) / name
                if name.startswith("."):
                    continue
                if p.is_symlink() and not p.resolve().is_relative_to(root):
                    refused.append((p, "a link to a file outside the folder; not followed"))
                elif (reason := unsupported_reason(p)) is not None:
                    refused.append((p, reason))
                elif p.is_file():
                    add(p)
    return out, refused


def iter_paths(paths: list[Path]) -> list[Path]:
    """The files ``walk_paths`` would read (supported types; see there)."""
    return walk_paths(paths)[0]


# --- text ------------------------------------------------------------------------------


def _decode_text(path: Path, raw: bytes) -> str:
    text = _decode(raw)
    if text is None or _looks_binary(text):
        raise IngestError(path, "looks like a binary file, not text; save it as UTF-8 text")
    return text


def _decode(raw: bytes, declared: str | None = None) -> str | None:
    """Decode bytes as text, or None when they are not text."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace").lstrip("\ufeff")
    if b"\x00" in raw:
        return None
    for encoding in filter(None, (declared, "utf-8")):
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    # UTF-8 with a few broken bytes is still UTF-8 (a detector would turn it into mojibake).
    lenient = raw.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    if sum(ord(c) > 0x7F for c in lenient) - broken >= 4 * broken:
        return lenient
    matches = charset_normalizer.from_bytes(raw)
    best = matches.best()
    if best is None:  # no code page reads it as text
        return None
    guess = str(best)
    # On short Western text charset-normalizer often prefers a rarer Latin code page (cp1257,
    # cp775); when its guess is Latin script and cp1252 is a candidate, cp1252 (by far the
    # likeliest) wins. Cyrillic, Arabic, Greek and CJK guesses are kept.
    if _latin_only(guess) and any("cp1252" in m.could_be_from_charset for m in matches):
        return raw.decode("cp1252", errors="replace")
    return guess


def _latin_only(text: str) -> bool:
    return all(c.isascii() or not c.isalpha() or unicodedata.name(c, "").startswith("LATIN")
               for c in text)


def _looks_binary(text: str) -> bool:
    return len(_BAD_CHARS.findall(text)) > 0.05 * len(text)


# --- html ------------------------------------------------------------------------------


def _load_html(path: Path, raw: bytes) -> LoadedText:
    declared = _META_CHARSET.search(raw[:4096])
    html = _decode(raw, declared.group(1).decode("ascii") if declared else None)
    if html is None or _looks_binary(html):
        raise IngestError(path, "not a readable HTML file (binary content)")
    page = html_blocks(html)
    return _loaded(page.blocks, "text/html", page.title)


# --- pdf -------------------------------------------------------------------------------


def _load_pdf(path: Path, raw: bytes, max_chars: int) -> LoadedText:
    if not raw[:1024].lstrip().startswith(b"%PDF-") and b"%PDF-" not in raw[:1024]:
        raise IngestError(path, "not a readable PDF (no PDF header)")
    if b"%%EOF" not in raw[-4096:]:
        raise IngestError(path, "not a readable PDF (truncated: no end-of-file marker); "
                          "download or export it again")
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not _open_without_password(reader):
            raise IngestError(path, "encrypted PDF; remove the password and upload it again")
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except _PDF_ERRORS as exc:
        raise IngestError(path, f"not a readable PDF ({type(exc).__name__})") from exc
    blocks = _pdf_layout_blocks(raw, max_chars)
    if blocks is None:  # pdfplumber could not lay the pages out: pypdf's plain text
        blocks = _pdf_plain_blocks(path, reader, max_chars)
    return _loaded(blocks, "application/pdf", title)


def _pdf_layout_blocks(raw: bytes, max_chars: int) -> list[Block] | None:
    """Headings, items and tables by the page layout (``ingest.pdf_blocks``), or None."""
    try:
        with pdfplumber.open(io.BytesIO(raw), password="") as pdf:
            return pdf_blocks(pdf, max_chars)
    except Exception:  # noqa: BLE001 - pdfminer raises anything on odd files; pypdf decides
        return None


def _pdf_plain_blocks(path: Path, reader: pypdf.PdfReader, max_chars: int) -> list[Block]:
    try:
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            pages.append((page.extract_text() or "").strip())
            total += len(pages[-1])
            if total > max_chars:
                break  # load_file reports the limit; no need to read the rest
    except _PDF_ERRORS as exc:
        raise IngestError(path, f"not a readable PDF ({type(exc).__name__})") from exc
    return [Block("paragraph", p) for p in clean_pdf_pages(pages) if p]


def _open_without_password(reader: pypdf.PdfReader) -> bool:
    try:
        return reader.decrypt("") != pypdf.PasswordType.NOT_DECRYPTED
    except DependencyError:  # AES needs the cryptography package; treat as locked
        return False


# --- docx ------------------------------------------------------------------------------


def _load_docx(path: Path, raw: bytes, max_bytes: int) -> LoadedText:
    unreadable = "not a readable Word file (.docx); save it again as .docx from Word"
    try:
        if "word/document.xml" not in _zip_names(path, raw, max_bytes, unreadable):
            raise IngestError(path, unreadable)
        document = docx.Document(io.BytesIO(raw))
        blocks = docx_blocks(document)
        title = (document.core_properties.title or "").strip()
    except _DOCX_ERRORS as exc:
        raise IngestError(path, unreadable) from exc
    media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return _loaded(blocks, media, title)


def _load_xlsx(path: Path, raw: bytes, max_bytes: int) -> LoadedText:
    _zip_names(path, raw, max_bytes, "not a readable Excel workbook (.xlsx)")
    try:
        _, blocks = rows_blocks(xlsx_rows(raw), path.name)
    except EditFileError as exc:
        raise IngestError(path, str(exc)) from exc
    return _loaded(blocks, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "")


def _zip_names(path: Path, raw: bytes, max_bytes: int, unreadable: str) -> list[str]:
    """The member names of an Office file's zip, after the zip-bomb check (``unreadable`` is
    the reason given when it is no zip)."""
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise IngestError(path, unreadable)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        _check_zip(path, zf.infolist(), max_bytes)
        return zf.namelist()


def _check_zip(path: Path, infos: list[zipfile.ZipInfo], max_bytes: int) -> None:
    """Refuse archives that would expand absurdly (sizes come from the zip directory)."""
    total = sum(i.file_size for i in infos)
    limit = min(20 * max_bytes, _ZIP_HARD_LIMIT)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > _MB),
                default=0.0)
    if len(infos) > _ZIP_MAX_ENTRIES or total > limit or worst > _ZIP_MAX_RATIO:
        raise IngestError(path, f"looks like a zip bomb ({len(infos)} entries, {total / _MB:.0f} MB "
                          "uncompressed); not opened")
