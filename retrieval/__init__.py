"""The read path: language detection, hybrid search, grounded answers and verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.service import Assistant, assistant_from_settings

__all__ = ["Assistant", "assistant_from_settings"]


def __getattr__(name: str) -> Any:
    # Lazy: `import retrieval.language` must not load the model stack.
    if name in __all__:
        from retrieval import service

        return getattr(service, name)
    raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
