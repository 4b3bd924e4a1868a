"""Code entries as code books lay them out: a line opening with a code and its descriptor, then
the parenthetical notes that belong to it ("(For radiological supervision and interpretation,
see 99932)", "(Do not report ... )"). A note often does not name the code it is a note of:
what it is about is the entry above it.

``entry_code(sentence)`` reads the code an entry opens with, ``is_note(sentence)`` tells a note;
the rule reader (``knowledge.rule_extract``) gives a note's rules to its entry's code with them.
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

__all__ = ["entry_code", "entry_of", "is_note"]

# A code-book entry: a line opening with a code, "+" marking an add-on ("+99931 Laser ...").
_ENTRY = re.compile(rf"^[\s\-*\u2022]*\+?\s?({CODE_PATTERN})(?![0-9A-Za-z])\s+[^\W\d_]", re.IGNORECASE)


def entry_code(sentence: str) -> str | None:
    """The code a code-book entry opens with ("+99931 Laser ..." -> "99931"), or None."""
    opening = _ENTRY.match(sentence)
    return opening.group(1).upper() if opening is not None else None


def is_note(sentence: str) -> bool:
    """A parenthetical note ("(List separately in addition to ...)")."""
    return sentence.lstrip().startswith("(")


def entry_of(text: str, spans: Sequence[tuple[int, int]]) -> dict[int, int]:
    """For each sentence (``text[start:end]`` of ``spans``, in order) that is a parenthetical
    note under a code's descriptor, possibly after other notes, the index of that descriptor."""
    out: dict[int, int] = {}
    head: int | None = None
    for i, (start, end) in enumerate(spans):
        sentence = text[start:end]
        if entry_code(sentence) is not None:
            head = i
        elif is_note(sentence) and head is not None:
            out[i] = head
        else:
            head = None
    return out
