"""Arrays saved for a later process to read back quickly (numpy's .npz), written atomically.

Example::

    write_npz(cache / "vectors.npz", key=np.array("generation 7"), matrix=matrix)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["write_npz"]


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """Save ``arrays`` at ``path``: a reader sees the old file or the new one, never a part,
    and nothing is left behind when writing fails (OSError is raised)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
