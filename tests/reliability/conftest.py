"""Shared pieces of the reliability tests: store invariants and subprocess runs.

Helpers reach the tests as fixtures (``invariants``, ``run_python``): the test folders are not
packages, so a plain helper module could not be imported under ``--import-mode=importlib``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.library import Library, parent_chunk_id

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SUPPORT = HERE / "support"
NETGUARD = HERE / "netguard"  # holds the sitecustomize.py that blocks off-machine connections


@dataclass(frozen=True)
class StoreState:
    """What the registry lists against what Chroma holds."""

    listed: set[str]  # chunk ids the registry lists
    stored: set[str]  # vector ids in Chroma (chunks and sentences)
    orphans: set[str]  # vectors whose chunk the registry does not list
    missing: set[str]  # listed chunks without their chunk vector
    empty_docs: list[str]  # registered documents without chunks


class Invariants:
    """Named checks on a store (chroma's ``invariants.py`` habit)."""

    @staticmethod
    def state(lib: Library) -> StoreState:
        """Registry against Chroma, without repairing anything."""
        listed = lib.registry.chunk_ids()
        stored = lib.vectors.ids()
        counts = lib.registry.chunk_counts()
        return StoreState(
            listed=listed,
            stored=stored,
            orphans={v for v in stored if parent_chunk_id(v) not in listed},
            missing=listed - stored,
            empty_docs=[d.source for d in lib.registry.documents() if not counts.get(d.doc_id)],
        )

    @staticmethod
    def consistent(lib: Library) -> None:
        """No orphan vector, no listed chunk without its vector, no document without chunks."""
        s = Invariants.state(lib)
        assert not s.orphans, f"{len(s.orphans)} orphan vectors, e.g. {sorted(s.orphans)[:2]}"
        assert not s.missing, f"{len(s.missing)} chunks without vectors"
        assert not s.empty_docs, f"documents without chunks: {s.empty_docs}"

    @staticmethod
    def whole_versions(lib: Library) -> None:
        """Every registered chunk is a slice of its own document's registered text."""
        for doc in lib.registry.documents():
            for c in lib.registry.chunks(doc.doc_id):
                assert doc.text[c.start : c.end] == c.text, f"{doc.source}: chunk of another version"

    @staticmethod
    def fingerprint(lib: Library) -> dict[str, object]:
        """What a finished store holds: documents, chunk ids, vector ids."""
        return {
            "docs": {d.source: d.content_hash for d in lib.registry.documents()},
            "chunks": sorted(lib.registry.chunk_ids()),
            "vectors": sorted(lib.vectors.ids()),
        }


@pytest.fixture
def invariants() -> type[Invariants]:
    """The store checks above."""
    return Invariants


def subprocess_env(tmp_path: Path, *, guard: bool = True, **extra: str) -> dict[str, str]:
    """The environment for a child Python: offline, telemetry off, optionally network-guarded.

    With ``guard``, netguard/sitecustomize.py runs first in the child: it refuses (and logs to
    ``tmp_path/net.log``) every connection and name lookup off this machine, and writes the
    names of the loaded modules to ``tmp_path/modules.json`` at exit.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CPTCITE_", "PYTEST"))}
    paths = [str(REPO)] + ([str(NETGUARD)] if guard else [])
    env.update(
        PYTHONPATH=os.pathsep.join(paths),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        CPTCITE_STORE=str(tmp_path / "store"),
        CPTCITE_MODEL_CACHE=str(tmp_path / "models"),  # never the repository's data/
        CPTCITE_NETGUARD_LOG=str(tmp_path / "net.log"),
        CPTCITE_MODULES_LOG=str(tmp_path / "modules.json"),
    )
    env.update(extra)
    return env


@pytest.fixture
def child_env(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """``subprocess_env`` for this test's temp dir: ``child_env(guard=False, NAME=value)``."""

    def make(*, guard: bool = True, **extra: str) -> dict[str, str]:
        return subprocess_env(tmp_path, guard=guard, **extra)

    return make


RunPython = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_python(tmp_path: Path) -> RunPython:
    """Run ``python ARGS`` from the repository root with ``subprocess_env``; returns the result."""

    def run(args: Sequence[str], *, timeout: float = 120, guard: bool = True,
            **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], check=False, cwd=REPO, env=subprocess_env(tmp_path, guard=guard, **extra),
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )

    return run


@pytest.fixture
def network_log(tmp_path: Path) -> Callable[[], list[str]]:
    """The off-machine connection attempts the guarded children logged (one a line)."""

    def read() -> list[str]:
        path = tmp_path / "net.log"
        return path.read_text().splitlines() if path.exists() else []

    return read


@pytest.fixture
def loaded_modules(tmp_path: Path) -> Callable[[], set[str]]:
    """Top-level module names loaded by the last guarded child at its exit."""

    def read() -> set[str]:
        return set(json.loads((tmp_path / "modules.json").read_text()))

    return read
