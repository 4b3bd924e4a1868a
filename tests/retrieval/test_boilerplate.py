"""Disclaimers and pointers elsewhere are told apart from sentences that say something."""

from __future__ import annotations

import pytest

from retrieval.boilerplate import is_boilerplate


@pytest.mark.parametrize(
    "sentence",
    [
        "Always refer to the most current CPT codebook before you submit a claim.",
        "This page is for educational purposes only.",
        "The content is not intended as a substitute for professional coding judgement.",
        "Nothing here is medical advice or legal advice; it is not medical advice.",
        "Consult your payer for its own policy.",
        "Check with your Medicare Administrative Contractor.",
    ],
)
def test_notices_are_boilerplate(sentence: str) -> None:
    assert is_boilerplate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Use 99931 in conjunction with 99910.",
        "Report one unit of 99956 per vessel; the MUE is 2.",
        # a pointer with a condition says when to do something: content
        "Contact the payer before you report 99931 twice on one day.",
        "Prior authorization is required for 99945 when performed in an outpatient setting.",
        # a long paragraph that happens to carry a notice phrase is more than a notice
        " ".join(["The operative note must document the stone size and location."] * 6)
        + " Always refer to the codebook.",
    ],
)
def test_content_is_not_boilerplate(sentence: str) -> None:
    assert not is_boilerplate(sentence)
