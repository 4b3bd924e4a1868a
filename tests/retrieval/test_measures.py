"""The kind of number a question asks for, in ten languages, and the sentences holding one."""

from __future__ import annotations

import json

import pytest

from retrieval.language import LANGUAGES
from retrieval.measures import (
    MEASURES_PATH,
    asked_direction,
    asked_measures,
    holds_measure,
    on_other_side,
)

TABLE = json.loads(MEASURES_PATH.read_text(encoding="utf-8"))["measures"]


@pytest.mark.parametrize("measure", TABLE, ids=[m["id"] for m in TABLE])
def test_every_measure_is_asked_in_ten_languages(measure: dict) -> None:
    assert set(measure["ask"]) == set(LANGUAGES)
    assert all(measure["ask"][lang] for lang in LANGUAGES)


@pytest.mark.parametrize(
    ("lang", "question", "measure"),
    [
        ("en", "Within how many days must the records be sent?", "days"),
        ("es", "¿En cuántos días hay que enviar los registros?", "days"),
        ("zh", "记录需要在多少天内提交？", "days"),
        ("ru", "За сколько дней нужно отправить записи?", "days"),
        ("ar", "خلال كم يوما يجب إرسال السجلات؟", "days"),
        ("vi", "Phải gửi hồ sơ trong bao nhiêu ngày?", "days"),
        ("fr", "Sous combien de jours faut-il envoyer le dossier ?", "days"),
        ("de", "Innerhalb wie vieler Tage muss die Akte vorliegen?", "days"),
        ("ko", "기록은 며칠 안에 보내야 하나요?", "days"),
        ("tl", "Ilang araw bago dapat ipadala ang records?", "days"),
        ("en", "What percent pain relief counts?", "percent"),
        ("de", "Wie hoch ist der Betrag für 61230?", "money"),
        ("ko", "61235 는 하루 몇 단위까지?", "units"),
        ("en", "How long does the widget stay on the arm?", "duration"),
        ("zh", "这个装置需要保留多久？", "duration"),
        ("de", "Wie lange bleibt das Pflaster auf der Haut?", "duration"),
        ("vi", "Phải nằm nghỉ bao lâu?", "duration"),
        ("tl", "Gaano katagal dapat magpahinga?", "duration"),
        # A time, an age or a length asked by its noun: answered by a duration too.
        ("ar", "ما هو الوقت المعتاد لإجراء 61230؟", "duration"),
        ("ar", "كم يجب أن يكون عمر صورة الأشعة المرفقة بالطلب؟", "duration"),
        ("en", "How old may the widget scan be when the request is sent?", "duration"),
        ("en", "What is the typical intra-service time of 61230?", "duration"),
        ("fr", "Quelle est la durée de la pose du widget ?", "duration"),
        ("de", "Welche Dauer hat die Widget-Sitzung?", "duration"),
        ("ru", "Какой давности может быть снимок?", "duration"),
        ("zh", "61230 的手术时长是多少？", "duration"),
        ("de", "Wie schwer dürfen Taschen nach dem Widget-Eingriff sein?", "weight"),
        ("es", "¿Cuánto peso puede levantar el paciente?", "weight"),
        ("ko", "시술 후 들 수 있는 무게는?", "weight"),
    ],
)
def test_the_kind_of_number_asked_for(lang: str, question: str, measure: str) -> None:
    assert measure in asked_measures(question, lang)


def test_a_question_without_a_number_asks_for_none() -> None:
    assert asked_measures("What is code 61235?", "en") == frozenset()
    assert asked_measures("Holidays and weekends: is the widget office open?", "en") == frozenset()
    # "весь" (whole) is not a question about weight ("вес")
    assert "weight" not in asked_measures("Какой код покрывает весь сеанс?", "ru")


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("ar", "هل يُحتسب 61231 منفصلاً إذا أُجري في نفس الوقت مع 61230؟"),
        ("ar", "هل يُحتسب 61231 إذا أُجري في الوقت نفسه؟"),
        ("en", "Is 61231 billed apart when done at the same time as 61230?"),
        ("vi", "61231 làm cùng lúc với 61230 thì có tính riêng không?"),
    ],
)
def test_at_the_same_time_asks_for_no_duration(lang: str, question: str) -> None:
    assert "duration" not in asked_measures(question, lang)


@pytest.mark.parametrize(
    ("sentence", "measure", "holds"),
    [
        ("Notes must reach the plan within 30 calendar days of the visit.", "days", True),
        ("A 90-day global period applies.", "days", True),
        ("Original effective date: June 1, 2022", "days", False),
        ("The widget must stay in place for 90 percent of the session.", "percent", True),
        ("Facility allowed: $120.00", "money", True),
        ("Report 61235 x 2 units when both sides are done.", "units", True),
        ("Up to 2 mL of contrast per widget.", "volume", True),
        ("Fast for 6 hours before the visit.", "hours", True),
        ("Fast before the visit.", "hours", False),
        ("The widget sleeve is worn for 2 hours after the visit.", "duration", True),
        ("Wait in the widget lounge for 35 minutes.", "duration", True),
        ("Keep the dressing dry for 2 weeks.", "duration", True),
        ("Code 61235 applies to the second widget.", "duration", False),
        ("Do not carry bags heavier than 10 pounds.", "weight", True),
        ("Carry nothing heavy.", "weight", False),
    ],
)
def test_sentences_holding_a_number_of_a_kind(sentence: str, measure: str, holds: bool) -> None:
    assert holds_measure(sentence, frozenset({measure})) is holds


@pytest.mark.parametrize(
    ("lang", "question", "measure", "asked"),
    [
        # a short word of a spaced script stands alone: "مل" (mL) is not inside "العملية"
        ("ar", "متى يمكن العودة إلى العمل بعد العملية؟", "volume", False),
        ("ar", "كم مل من الصبغة يُحقن مع 61230؟", "volume", True),
        # "얼마나" (how long, how much) asks for no price; "얼마인가요" does
        ("ko", "시술 끝나고 회복실에 얼마나 있어야 하나요?", "money", False),
        ("ko", "61230은 얼마인가요?", "money", True),
    ],
)
def test_short_and_shared_question_words(lang: str, question: str, measure: str, asked: bool) -> None:
    assert (measure in asked_measures(question, lang)) is asked


@pytest.mark.parametrize(
    ("lang", "question", "side"),
    [
        ("en", "How long does the widget band stay on after the visit?", "after"),
        ("zh", "术后腕带要戴多久？", "after"),
        ("ko", "시술 후 붕대는 며칠 동안 유지하나요?", "after"),
        ("ar", "كم ساعة بعد الإجراء يجب الراحة؟", "after"),
        ("ru", "За сколько часов перед процедурой нельзя есть?", "before"),
        ("es", "¿Cuántas horas antes del procedimiento debo ayunar?", "before"),
        ("vi", "Phải nhịn ăn bao lâu trước khi làm thủ thuật?", "before"),
        ("en", "How long before and after the visit is the widget off?", None),
        ("en", "How many units of 61230 per day?", None),
    ],
)
def test_the_side_of_an_event_a_question_asks_about(lang: str, question: str, side: str | None) -> None:
    assert asked_direction(question, lang) == side


def test_a_number_on_the_other_side_only() -> None:
    assert on_other_side("Stop the widget pills 36 hours before the visit.", "after")
    assert not on_other_side("The band stays on for about 2 hours.", "after")
    assert not on_other_side("Rest for 2 hours after the visit.", "after")
    assert not on_other_side("Fast 6 hours before and rest 2 hours after the visit.", "after")
