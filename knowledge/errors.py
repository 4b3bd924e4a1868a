"""The one error hierarchy of cptcite.

    AssistantError
    ├── ConfigError          bad settings or a store built with another model
    ├── IngestError          a file cannot be ingested (carries the path)
    ├── EmptyIndexError      nothing has been ingested yet
    ├── ClaimError           a malformed claim line (``5070``, ``50706-XYZ``)
    ├── QuestionError        an empty or over-long question
    └── UnknownSourceError   no document under that source name (also a KeyError)

The core raises these; the edges (CLIs, the app) turn them into one line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AssistantError",
    "ClaimError",
    "ConfigError",
    "EmptyIndexError",
    "IngestError",
    "QuestionError",
    "UnknownSourceError",
]


class AssistantError(Exception):
    """Base class: anything the user can fix, said in one line."""


class ConfigError(AssistantError):
    """A setting is wrong, or the store does not match the settings."""


class IngestError(AssistantError):
    """A file cannot be ingested; ``path`` names it and ``reason`` says why in one line."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class EmptyIndexError(AssistantError):
    """The store holds no documents yet."""


class ClaimError(AssistantError, ValueError):
    """A claim line cannot be parsed (a code is not five characters, a bad modifier, ...)."""


class QuestionError(AssistantError, ValueError):
    """A question is empty or too long."""


class UnknownSourceError(AssistantError, KeyError):
    """No document is registered under that source name."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else "unknown source"
