"""Drive app.py once with AppTest in a child process: load the page, ask one question.

    python app_probe.py --fake   # an Assistant over the samples with the tests' FakeEmbedder
    python app_probe.py          # the app's own shared Assistant (real model) over CPTCITE_STORE

Prints "answered" and the number of chat messages. Run by test_privacy.py under the network
guard, never imported by pytest.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]
QUESTION = "Can 99931 be billed with 99921?"


def _fake_assistant() -> object:
    spec = importlib.util.spec_from_file_location("_root_conftest", TESTS / "conftest.py")
    assert spec is not None and spec.loader is not None
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    from ingest import ingest_paths, sample_materials
    from knowledge.library import open_library
    from retrieval.coverage import Thresholds
    from retrieval.service import Assistant

    library = open_library(Path(os.environ["CPTCITE_STORE"]))
    embedder = conftest.FakeEmbedder()
    ingest_paths(sample_materials(), library, embedder)
    return Assistant(library, embedder, thresholds=Thresholds(dense_min=0.05, dense_sure=0.5))


def main() -> int:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(TESTS.parent / "app.py"), default_timeout=240)
    if "--fake" in sys.argv:
        at.session_state["assistant"] = _fake_assistant()
    at.run()
    assert not at.exception, at.exception
    at.chat_input(key="question").set_value(QUESTION).run()
    assert not at.exception, at.exception
    print("answered", len(at.chat_message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
