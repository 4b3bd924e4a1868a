"""Sentences that send the reader to a code: the answer to "which code do I use for ...?"."""

from __future__ import annotations

import pytest

from knowledge.rule_phrases import points_to_code


@pytest.mark.parametrize(
    "sentence",
    [
        "(For repair of a widget damaged by heat, see 61300-61302)",
        "For a second widget, use 61236.",
        "If the tract is lost and a new puncture is made, report 61240 rather than 61235.",
        "Report 61238 instead of two units of 61237.",
        "Repair of a cracked widget is reported with CPT codes 61250-61252, not with 61235.",
        "Rather than 61235, report 61236 for the second widget.",
    ],
)
def test_a_sentence_naming_a_code_for_some_work(sentence: str) -> None:
    assert points_to_code(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Use 61236 in conjunction with 61235.",
        "Code 61235 describes repair of one widget hinge.",
        "Report 61235 once per widget.",
        "For each widget, the note names the hinge.",
    ],
)
def test_a_sentence_that_sends_nowhere(sentence: str) -> None:
    assert not points_to_code(sentence)
