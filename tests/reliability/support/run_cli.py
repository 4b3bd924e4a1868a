"""Run one of cptcite's CLIs (``python -m MODULE ARGS``) with the tests' fake embedder.

    python run_cli.py ingest FILE... --store DIR --json
    python run_cli.py retrieval ask --store DIR --json "question"

The CLI code runs unchanged; only ``knowledge.wiring.embedder_from_settings`` returns the
FakeEmbedder of tests/conftest.py (no model load), and the Assistant gets the dense thresholds
the fake needs (tests/retrieval/test_service.py explains them). Used by the reliability tests
as a subprocess, never imported by pytest.
"""

from __future__ import annotations

import importlib.util
import runpy
import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[2]


def _install_fakes() -> None:
    spec = importlib.util.spec_from_file_location("_root_conftest", TESTS / "conftest.py")
    assert spec is not None and spec.loader is not None
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)

    from knowledge import wiring

    wiring.embedder_from_settings = lambda settings, **k: conftest.FakeEmbedder()  # type: ignore[assignment]
    if sys.argv[1] == "retrieval":
        from retrieval import service
        from retrieval.coverage import Thresholds

        real = service.assistant_from_settings

        def with_fake_thresholds(settings: Any, store: Path | None = None, **kw: Any) -> Any:
            kw.setdefault("thresholds", Thresholds(dense_min=0.05, dense_sure=0.5))
            return real(settings, store, **kw)

        service.assistant_from_settings = with_fake_thresholds  # type: ignore[assignment]


if __name__ == "__main__":
    module = sys.argv[1]
    _install_fakes()
    sys.argv = [f"python -m {module}", *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
