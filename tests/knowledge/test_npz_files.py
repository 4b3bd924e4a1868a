"""Arrays written for a later process: whole or not at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.npz_files import write_npz


class _FailsToSave:
    def __array__(self, *args: object, **kwargs: object) -> np.ndarray:
        raise OSError("no space left on device")


def test_written_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "a.npz"
    write_npz(path, x=np.arange(3), name=np.array("k"))
    with np.load(path) as saved:
        assert saved["x"].tolist() == [0, 1, 2] and str(saved["name"]) == "k"


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.npz"
    write_npz(path, x=np.arange(3))
    with pytest.raises(OSError, match="no space"):
        write_npz(path, x=_FailsToSave())  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]
    with np.load(path) as saved:
        assert saved["x"].tolist() == [0, 1, 2]
