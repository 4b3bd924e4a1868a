"""Boilerplate sentences: disclaimers and pointers elsewhere that answer nothing.

"Always refer to the most current CPT codebook ...", "The information provided here is for
educational purposes only ...", "Consult your payer ...": every coding page carries such
sentences, and they sit close to any question in meaning (they talk about codes, coding and
payers). They never make a question covered
and are quoted only when the question asks where to look or about the disclaimer itself.
Written for English materials, by the standard phrasings of such notices.
"""

from __future__ import annotations

import re

__all__ = ["is_boilerplate"]

_I = re.IGNORECASE
_NOTICE = re.compile(
    r"\b(?:always\s+(?:refer\s+to|consult|check|verify)|refer\s+to\s+the\s+(?:most\s+)?current|"
    r"for\s+(?:educational|informational|training|reference)\s+purposes(?:\s+only)?|"
    r"(?:is|are)\s+not\s+(?:intended\s+(?:as|to\s+be)|a\s+substitute\s+for)|"
    r"should\s+not\s+be\s+(?:considered|construed|taken)\s+(?:as\s+)?(?:medical|legal|coding)|"
    r"not\s+(?:medical|legal)\s+advice|no\s+guarantee|without\s+warranty|"
    r"(?:consult|check\s+with|contact)\s+(?:your|the)\s+(?:payer|payor|plan|insurer|"
    r"medicare\s+administrative\s+contractor|mac)\b(?![^.]*\b(?:before|when|if)\b))",
    _I,
)
_MAX_WORDS = 45


def is_boilerplate(sentence: str) -> bool:
    """True for a disclaimer or a pointer elsewhere (see the module docstring).

    >>> is_boilerplate("Always refer to the most current CPT codebook for updates.")
    True
    >>> is_boilerplate("Use 99931 in conjunction with 99910.")
    False
    """
    return len(sentence.split()) <= _MAX_WORDS and _NOTICE.search(sentence) is not None
