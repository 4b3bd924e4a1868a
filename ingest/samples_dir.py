"""The project's own sample material (fictional codes), for a first run with an empty store."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SAMPLES_DIR", "sample_materials"]

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def sample_materials() -> list[Path]:
    """Paths of the bundled sample files, sorted."""
    return sorted(p for p in SAMPLES_DIR.glob("*") if p.is_file() and not p.name.startswith("."))
