"""Crash-test driver: the real ingest pipeline with a slow fake embedder, announcing each write.

Run as a subprocess by test_crash_safety.py (never imported by pytest):

    python slow_ingest.py --store DIR [--remove SOURCE] [--pause-at EVENT:N] [--sleep S] PATH...

Prints one event a line, flushed: ``embed`` (a batch embedded), ``upsert`` (vectors written),
``commit`` (registry switched), ``delete`` (vectors deleted), ``unregister`` (registry row
removed), then ``report {json}``. With ``--pause-at upsert:2`` it prints ``paused`` right after
the 2nd upsert and sleeps, so the test can SIGKILL it at exactly that point.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[2]


def _fake_embedder_class() -> type:
    # The same FakeEmbedder the in-process tests use, so both write vectors of one "model".
    spec = importlib.util.spec_from_file_location("_root_conftest", TESTS / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeEmbedder


class _Announcer:
    def __init__(self, pause_at: str | None) -> None:
        self.counts: Counter[str] = Counter()
        event, _, n = (pause_at or ":").partition(":")
        self.pause = (event, int(n)) if event else None

    def __call__(self, event: str) -> None:
        self.counts[event] += 1
        print(event, flush=True)
        if self.pause == (event, self.counts[event]):
            print("paused", flush=True)
            time.sleep(600)  # the test kills us here


def _wrap(obj: Any, name: str, event: str, announce: _Announcer) -> None:
    inner: Callable[..., Any] = getattr(obj, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = inner(*args, **kwargs)
        announce(event)
        return out

    setattr(obj, name, wrapper)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--remove")
    p.add_argument("--pause-at")
    p.add_argument("--sleep", type=float, default=0.02)
    p.add_argument("--batch", type=int, default=4)
    args = p.parse_args()

    from ingest.pipeline import IngestOptions, ingest_paths
    from knowledge.library import open_library

    announce = _Announcer(args.pause_at)
    base = _fake_embedder_class()

    class SlowEmbedder(base):  # type: ignore[misc, valid-type]
        def embed_documents(self, texts):  # type: ignore[no-untyped-def]
            time.sleep(args.sleep)
            out = super().embed_documents(texts)
            announce("embed")
            return out

    library = open_library(args.store)
    _wrap(library.vectors, "upsert", "upsert", announce)
    _wrap(library.vectors, "delete", "delete", announce)
    _wrap(library.registry, "commit", "commit", announce)
    _wrap(library.registry, "remove", "unregister", announce)
    if args.remove:
        with library.writing():
            library.remove(args.remove)
    if args.paths:
        report = ingest_paths(args.paths, library, SlowEmbedder(),
                              IngestOptions(batch_size=args.batch))
        print("report", report.model_dump_json(), flush=True)
    library.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
