"""Hostile and awkward files and questions, end to end through the CLI and the store.

The corpus is generated here (no committed binaries). Each file gets its documented outcome:
rejected with a one-line reason, or ingested with the right text. Afterwards the store holds
no row or vector of a rejected file, no script text, registry and Chroma agree, and the
question asked before the hostile batch gets the same answer after it. Loader details are
unit-tested in tests/ingest/test_loaders.py; this file checks the store's outcome.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import time
import zipfile
from pathlib import Path

import pypdf
import pytest

from ingest import IngestOptions, ingest_bytes, ingest_paths, sample_materials
from knowledge.errors import QuestionError
from knowledge.library import Library, open_library
from knowledge.models import Answer
from knowledge.store import KINDS
from tests.support.pdf import make_pdf

pytestmark = pytest.mark.skipif(
    os.environ.get("CPTCITE_TEST_CHROMA") == "server",
    reason="a child process opens the store's embedded Chroma",
)

RUN_CLI = Path(__file__).resolve().parent / "support" / "run_cli.py"
MB = 1024 * 1024
QUESTION = "Is 99931 an add-on code?"
# Text that must never reach the store: it only appears inside scripts, handlers and iframes.
PAYLOADS = ("<script", "alert(", "onerror", "onload", "onclick", "javascript:", "document.cookie",
            "SCRIPT_PAYLOAD", "HANDLER_PAYLOAD", "IFRAME_PAYLOAD", "STYLE_PAYLOAD", "<iframe")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

LATIN1 = "Código 99981: el médico añade la revisión. Ça coûte très cher, naïve façade."
UTF16 = "UTF-16 note: 代码 99982 的说明。Код 99982 — описание процедуры."
ARABIC = "ملاحظة عن الرمز 99984: يُبلغ عنه مرة واحدة في كل جلسة."
HEBREW = "הערה על קוד 99984: מדווחים עליו פעם אחת בכל מפגש."

HTML_ARTICLE = """<!doctype html><html><head><title>Lavage note 99985</title>
<style>body { color: red } /* STYLE_PAYLOAD */</style>
<script>document.cookie = "SCRIPT_PAYLOAD"; alert(1)</script></head>
<body onload="alert('HANDLER_PAYLOAD')">
<nav><a href="javascript:alert(3)">Home</a> | <a href="#">Sign in</a></nav>
<article><h1>Lavage note 99985</h1>
<p>Code 99985 covers a bladder lavage done through an existing catheter.
It is reported once per day.</p>
<p onclick="alert('HANDLER_PAYLOAD')">Report 99985 only when the lavage is the reason for the
visit, and keep the nursing note that records the volume used.</p>
<img src="x.png" onerror="alert('HANDLER_PAYLOAD')" alt="">
<iframe src="javascript:alert(2)">IFRAME_PAYLOAD fallback text</iframe>
<iframe srcdoc="&lt;p&gt;IFRAME_PAYLOAD inner&lt;/p&gt;"></iframe>
<script type="text/javascript">
  window.SCRIPT_PAYLOAD = function () { alert("SCRIPT_PAYLOAD"); };
</script>
<p>The plan pays 99985 without prior authorization when a physician orders it.</p>
</article><footer>Copyright 2025 Example. All rights reserved.</footer></body></html>
"""
# Too small for trafilatura, so the plain-parser fallback reads it.
HTML_TINY = """<html><body><script>alert("SCRIPT_PAYLOAD")</script>
<iframe srcdoc="<b>IFRAME_PAYLOAD</b>">IFRAME_PAYLOAD</iframe>
<p onmouseover="alert('HANDLER_PAYLOAD')">Code 99986 is a short tiny fact.</p></body></html>
"""


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf([["Secret 99987"]]))))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def write_zip_bomb(path: Path, inflated_mb: int = 300) -> None:
    """A .docx whose document.xml inflates to ``inflated_mb`` MB of zeros (streamed, < 1 s)."""
    zero = bytes(MB)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(inflated_mb):
                member.write(zero)


def long_lines() -> str:
    sentences = " ".join(f"Sentence {i} about rinse code 99988 gives detail number {i}."
                         for i in range(2500))
    return f"{sentences}\n\n{'x' * 30_000} trailing words about 99988.\n"


# name -> (expected status, a substring of the reason, or a text the registry must hold)
EXPECTED: dict[str, tuple[str, str]] = {
    "empty.txt": ("rejected", "empty file"),
    "blank.md": ("rejected", "no text"),
    "random.pdf": ("rejected", "not a readable PDF"),
    "truncated.pdf": ("rejected", "truncated"),
    "encrypted.pdf": ("rejected", "encrypted PDF"),
    "bomb.docx": ("rejected", "zip bomb"),
    "too-big.txt": ("rejected", "limit"),
    "notes.xyz": ("rejected", "unsupported file type"),
    "no-extension": ("rejected", "unsupported file type"),
    "latin1.txt": ("added", LATIN1),
    "utf16.txt": ("added", UTF16),
    "article.html": ("added", "Code 99985 covers a bladder lavage"),
    "tiny.html": ("added", "Code 99986 is a short tiny fact."),
    "long-lines.txt": ("added", "Sentence 2499 about rinse code 99988"),
    "control.txt": ("added", "Bell bold"),
    "rtl.md": ("added", ARABIC),
}


def write_corpus(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "blank.md": b"  \n\n\t \n",
        "random.pdf": random.Random(7).randbytes(8192),
        "truncated.pdf": make_pdf([["Truncated 99989 text"] * 20])[:300],
        "encrypted.pdf": encrypted_pdf(),
        "too-big.txt": b"Big file about 99990.\n" * (2 * MB // 22 + 5000),
        "notes.xyz": b"Plain words in an unknown kind of file.",
        "no-extension": b"Plain words without an extension.",
        "latin1.txt": LATIN1.encode("latin-1"),
        "utf16.txt": UTF16.encode("utf-16"),
        "article.html": HTML_ARTICLE.encode(),
        "tiny.html": HTML_TINY.encode(),
        "long-lines.txt": long_lines().encode(),
        # A few control characters in ordinary text (past 5 % a file counts as binary).
        "control.txt": ("Control note for code 99983.\x07 Bell\x1b bold\x1b and \x0bvertical tab."
                        "\x0cNext page about 99983.\x7f Done.\n"
                        + "Plain sentence about the rinse procedure and its records.\n" * 4
                        ).encode(),
        "rtl.md": (f"# RTL 99984\n\n{ARABIC}\n\n{HEBREW}\n\n"
                   "Spoof \u202eline 99984\u202c end.\n").encode(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    write_zip_bomb(folder / "bomb.docx")
    return sorted(folder.iterdir())


def fake_assistant(lib: Library, fake_embedder):  # -> Assistant
    from retrieval.coverage import Thresholds
    from retrieval.service import Assistant

    return Assistant(lib, fake_embedder, thresholds=Thresholds(dense_min=0.05, dense_sure=0.5))


def comparable(answer: Answer) -> dict[str, object]:
    """An answer without its timings and scores (BM25 scores move when documents are added)."""
    return {
        "refused": answer.refused, "answer": answer.answer, "language": answer.language,
        "verdict": answer.verdict.model_dump() if answer.verdict else None,
        "citations": [c.model_dump() for c in answer.citations],
    }


def all_stored_texts(lib: Library) -> list[str]:
    """Document texts, chunk texts and the texts kept beside the vectors in Chroma."""
    docs = [d.text for d in lib.registry.documents()]
    chunks = [c.text for c in lib.registry.chunks()]
    stored = []
    for kind in KINDS:  # test-only peek at Chroma
        got = lib.vectors._collection(kind).get(include=["documents"])
        stored += [t or "" for t in got["documents"] or []]
    return docs + chunks + stored


def test_hostile_files_through_the_cli(tmp_path: Path, fake_embedder, invariants, run_python,
                                       network_log) -> None:
    store = tmp_path / "store"
    lib = open_library(store)
    ingest_paths(sample_materials(), lib, fake_embedder)
    before = comparable(fake_assistant(lib, fake_embedder).ask(QUESTION))
    assert not before["refused"] and before["citations"]
    lib.close()  # the child writes the store: no second embedded client open meanwhile

    files = write_corpus(tmp_path / "hostile")
    t0 = time.perf_counter()
    proc = run_python([str(RUN_CLI), "ingest", *map(str, files), "--store", str(store), "--json"],
                      CPTCITE_MAX_UPLOAD_MB="2")
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 1, proc.stderr[-2000:]  # 1: something was rejected
    assert "Traceback" not in proc.stderr and not proc.stderr.strip(), proc.stderr[-2000:]
    assert elapsed < 30, f"the hostile batch took {elapsed:.1f} s"
    assert network_log() == []
    report = json.loads(proc.stdout)
    got = {d["source"]: d for d in report["documents"]}
    assert set(got) == set(EXPECTED)
    for name, (status, detail) in EXPECTED.items():
        d = got[name]
        assert d["status"] == status, (name, d)
        if status == "rejected":
            assert detail in d["error"], (name, d["error"])
            assert "\n" not in d["error"] and len(d["error"]) < 300
            assert d["chunks"] == 0
        else:
            assert d["error"] is None and d["chunks"] > 0

    lib = open_library(store)
    try:
        accepted = {n for n, (s, _) in EXPECTED.items() if s == "added"}
        samples = {p.name for p in sample_materials()}
        assert {d.source for d in lib.registry.documents()} == accepted | samples
        meta = [
            m
            for kind in KINDS
            for m in lib.vectors._collection(kind).get(include=["metadatas"])["metadatas"] or []
        ]
        assert {m["source"] for m in meta} == accepted | samples  # no vector of a rejected file
        invariants.consistent(lib)
        invariants.whole_versions(lib)
        texts = {d.source: d.text for d in lib.registry.documents()}
        for name, (status, must_hold) in EXPECTED.items():
            if status == "added":
                assert must_hold in texts[name], name
        assert HEBREW in texts["rtl.md"] and "Spoof line 99984 end." in texts["rtl.md"]
        for text in all_stored_texts(lib):
            assert not any(p in text for p in PAYLOADS), text[:200]
            assert not _CONTROL.search(text)
            assert "\u202e" not in text  # bidi overrides could make a quote read backwards
        assert max(len(c.text) for c in lib.registry.chunks()) <= 700
        after = comparable(fake_assistant(lib, fake_embedder).ask(QUESTION))
        held = invariants.fingerprint(lib)
    finally:
        lib.close()
    # New documents move BM25 weights, so "the same answer" means: the same verdict and the
    # same first quote from the same material as before.
    assert (after["refused"], after["verdict"]) == (before["refused"], before["verdict"])
    assert after["citations"][0] == before["citations"][0]
    assert {c["source"] for c in after["citations"]} <= samples
    # The rejected files left nothing: the store holds exactly the documents, chunks and
    # vectors of a store that got only the accepted files. (Not its answers compared word for
    # word: HNSW graphs built in another order may rank tied or near vectors differently.)
    reference = open_library(tmp_path / "reference")
    try:
        ingest_paths(sample_materials(), reference, fake_embedder)
        ingest_paths([p for p in files if p.name in accepted], reference, fake_embedder)
        assert invariants.fingerprint(reference) == held
    finally:
        reference.close()


@pytest.mark.parametrize(
    ("name", "stored"),
    [("../../x.txt", "x.txt"), ("..\\..\\win.txt", "win.txt"), ("/etc/cron.d/job.md", "job.md"),
     ("a/../../../b.html", "b.html"), ("evil\nname\x00.txt", "evilname.txt"),
     ("\u202etxt.exe.md", "txt.exe.md")],
)
def test_upload_names_cannot_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    fake_embedder, invariants, name: str, stored: str) -> None:
    monkeypatch.chdir(tmp_path)
    lib = open_library(tmp_path / "deep" / "store")
    try:
        body = b"<p>Upload about code 99991 and its use.</p>" if stored.endswith(".html") \
            else b"Upload about code 99991 and its use."
        result = ingest_bytes(name, body, lib, fake_embedder)
        assert (result.status, result.source) == ("added", stored)
        assert [d.source for d in lib.registry.documents()] == [stored]
        invariants.consistent(lib)
    finally:
        lib.close()
    written = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert not written & {"x.txt", "win.txt", "job.md", "b.html", stored}


def test_oversized_and_bomb_uploads_leave_no_trace(tmp_path: Path, fake_embedder,
                                                   invariants) -> None:
    lib = open_library(tmp_path / "store")
    try:
        ingest_paths(sample_materials(), lib, fake_embedder)
        before = invariants.fingerprint(lib)
        write_zip_bomb(tmp_path / "bomb.docx")
        options = IngestOptions(max_bytes=2 * MB)
        t0 = time.perf_counter()
        bomb = ingest_bytes("bomb.docx", (tmp_path / "bomb.docx").read_bytes(), lib,
                            fake_embedder, options)
        assert time.perf_counter() - t0 < 5  # refused from the zip directory, never inflated
        big = ingest_bytes("big.txt", b"a" * (2 * MB + 1), lib, fake_embedder, options)
        assert bomb.status == big.status == "rejected"
        assert "zip bomb" in (bomb.error or "") and "limit" in (big.error or "")
        assert invariants.fingerprint(lib) == before
        invariants.consistent(lib)
    finally:
        lib.close()


@pytest.fixture
def sample_store(tmp_path: Path, fake_embedder):  # -> tuple[Library, Assistant]
    lib = open_library(tmp_path / "store")
    ingest_paths(sample_materials(), lib, fake_embedder)
    yield lib, fake_assistant(lib, fake_embedder)
    lib.close()


def test_awkward_questions(sample_store) -> None:
    _, assistant = sample_store
    clean = comparable(assistant.ask(QUESTION))
    assert not clean["refused"] and clean["citations"]

    for empty in ("", "   ", "\x00\x07\x1b"):
        with pytest.raises(QuestionError):
            assistant.ask(empty)
    limit = assistant.max_question_chars
    with pytest.raises(QuestionError, match="limit"):
        assistant.ask("Is 99931 an add-on code? " * (limit // 20))
    assistant.ask("x" * (limit - 20) + " 99931?")  # just under the limit is a question

    noisy = assistant.ask("Is 99931\x07 an add-on\x1b[0m code?\x00")
    assert not noisy.refused and noisy.citations
    assert not _CONTROL.search(noisy.answer)

    script = "<script>alert(1)</script> Is 99931 an add-on code?"
    answer = assistant.ask(script)
    assert not answer.refused and answer.citations
    assert any("99931" in c.quote for c in answer.citations)
    rest = answer.model_dump(mode="json")
    rest.pop("question")
    dumped = json.dumps(rest, ensure_ascii=False)
    assert "<script" not in dumped and "alert(1)" not in dumped


def test_cli_question_limits(tmp_path: Path, run_python) -> None:
    store = str(tmp_path / "store")
    empty = run_python(["-m", "retrieval", "ask", "--store", store, ""])
    assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1
    long = run_python(["-m", "retrieval", "ask", "--store", store, "why " * 600])
    assert long.returncode == 2 and "Traceback" not in long.stderr
    assert len(long.stderr.strip().splitlines()) == 1 and "2000" in long.stderr.replace(",", "")
