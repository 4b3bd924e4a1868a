"""What a question is read as: its codes, claim lines and the text that is embedded."""

from __future__ import annotations

import pytest

from retrieval.query import analyze_question


def test_the_embedded_text_names_each_concept_once_in_english() -> None:
    q = analyze_question("¿Cómo se establece la necesidad médica de la dilatación con balón?")
    assert q.dense_text.startswith(q.text)
    anchor = q.dense_text[len(q.text):]
    assert "medical necessity" in anchor and "balloon dilation" in anchor
    # The looser terms help keyword search, not the embedding.
    assert "justify" not in anchor and "widen" not in anchor and "medically necessary" not in anchor
    assert {"medically necessary", "dilate"} <= set(q.english_terms)


def test_a_question_without_concepts_is_embedded_as_it_is() -> None:
    q = analyze_question("Kumain ka na ba?", lang="tl")
    assert q.dense_text == q.text


def test_codes_and_claim_lines() -> None:
    q = analyze_question("Is 50706-59 x2 with 52341 OK? And 5076?")
    assert q.codes == ("50706", "52341")
    assert q.claim_lines == ("50706-59x2", "52341")
    assert q.near_codes == ("5076",)


@pytest.mark.parametrize(
    ("question", "coverage"),
    [
        ("La Sécurité sociale rembourse-t-elle le 50706 ?", True),
        ("商业保险一般给报销 50706 吗？", True),
        ("Does Medicare cover 50706?", True),
        # naming an insurer is not asking what it covers
        ("¿Northfield es una aseguradora real?", False),
        ("Which insurer issued claims edit note CE-0417?", False),
    ],
)
def test_a_payer_and_its_paying_make_a_coverage_question(question: str, coverage: bool) -> None:
    assert ("payer_coverage" in analyze_question(question).concepts) is coverage


@pytest.mark.parametrize(
    ("question", "amount"),
    [
        ("Сколько план Northfield платит за 99945?", True),
        ("99945 얼마 지불하나요?", True),
        ("Is 50706 an extra charge on top of the main procedure?", False),
        # "how many days" after a payment: the days are asked, not an amount
        ("Сколько дней есть на ответ после оплаты по 99945?", False),
        ("支付后多少天内要提交 99945 的记录？", False),
        ("Сколько план платит за 2 единицы 99945?", True),
    ],
)
def test_how_much_with_a_payment_word_asks_for_an_amount(question: str, amount: bool) -> None:
    assert ("price_amount" in analyze_question(question).concepts) is amount


@pytest.mark.parametrize(
    ("question", "apart"),
    [
        ("99975 and 99976 for two different joints?", True),
        ("99975 und 99976 für zwei verschiedene Gelenke?", True),
        ("¿99975 y 99976 en articulaciones diferentes?", True),
        ("99975 và 99976 ở hai khớp khác nhau?", True),
        ("99975和99976用于不同关节可以吗？", True),
        ("서로 다른 관절에 99975와 99976?", True),
        ("99975 и 99976 на разных суставах?", True),
        ("99975 and 99976 on the same joint?", False),
    ],
)
def test_a_question_putting_its_codes_at_different_sites(question: str, apart: bool) -> None:
    assert analyze_question(question).apart is apart
