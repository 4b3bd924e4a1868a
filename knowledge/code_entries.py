"""Code entries as code books lay them out: a line opening with a code and its descriptor, then
the parenthetical notes that belong to it ("(For radiological supervision and interpretation,
see 99932)", "(Do not report ... )"). A note often does not name the code it is a note of:
what it is about is the entry above it.

``entry_of(text, spans)`` maps each note sentence to the descriptor sentence of its entry, so
search can read "(For ..., see 99932)" together with "99931 Injection for widget imaging".

Example::

    spans = split_sentences(text)
    heads = entry_of(text, spans)   # {index of a note: index of its entry's descriptor}
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.codes import CODE_PATTERN

__all__ = ["entry_of"]

# "99931 Injection for ...", "+99932 each additional ...": a code opening a descriptor line.
_DESCRIPTOR = re.compile(rf"^\s*\+?{CODE_PATTERN}(?![0-9A-Za-z])\s+\S")
_NOTE = re.compile(r"^\s*\(.*\)\s*[.;]?\s*$", re.DOTALL)


def entry_of(text: str, spans: Sequence[tuple[int, int]]) -> dict[int, int]:
    """For each sentence (``text[start:end]`` of ``spans``, in order) that is a parenthetical
    note under a code's descriptor, possibly after other notes, the index of that descriptor."""
    out: dict[int, int] = {}
    head: int | None = None
    for i, (start, end) in enumerate(spans):
        sentence = text[start:end]
        if _NOTE.match(sentence):
            if head is not None:
                out[i] = head
        else:
            head = i if _DESCRIPTOR.match(sentence) else None
    return out
