"""What a worked example reports: ruled-out and priced codes left out, modifiers and sides kept."""

from __future__ import annotations

import pytest

from knowledge.example_lines import example_lines


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Bill: 99910 + 99931 | Remark: do not add 99932.", ["99910", "99931"]),
        ("Report 99931; 99932 is not added for the same dilation.", ["99931"]),
        ("Report 99931 rather than 99932 when the tract is lost.", ["99931"]),
        ("Pays $20.00 for 99931 ($95.00 less the 99940 allowance of $75.00).", ["99931"]),
        ("The surgeon performed 99931 and 99932 (patient under 99940).", ["99931", "99932", "99940"]),
        ("The patient had 99910-99912 and 99931.", ["99910", "99911", "99912", "99931"]),
    ],
)
def test_the_codes_an_example_reports(text: str, codes: list[str]) -> None:
    assert example_lines(text).codes == codes


def test_modifiers_sides_and_sites_apart() -> None:
    lines = example_lines("The patient had 99910 (right) and 99911-59-RT on different wounds.")
    assert lines.modifiers == {"99910": ["RT"], "99911": ["59", "RT"]}
    assert lines.apart
    plain = example_lines("99931 with 99910 for the same lesion.")
    assert plain.modifiers == {} and not plain.apart
