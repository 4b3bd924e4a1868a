"""Coverage of an attribute by the quotes an answer would give: the value asked for a code
must be quoted for that code (invented codes and payers)."""

from __future__ import annotations

import pytest

from knowledge.models import Chunk
from retrieval.coverage import answers_attribute, asks_medical_advice
from retrieval.lexical import Sentence
from retrieval.query import analyze_question

TEXT = """Code: 61250 | Work RVU: 2.40 | Allowed: $130.00
Wexmoor pays 61255 at 100% of its own rate when it is billed with 61250.
A claim lists 61255 on one line, each side with one unit.
Wexmoor's allowed amount for 61255 is $48.20.
Report 61260 only once per session, however many widgets are fitted."""


def _units(*starts: str) -> list[Sentence]:
    chunk = Chunk(chunk_id="c", doc_id="d", source="fees.md", position=0, text=TEXT, start=0,
                  end=len(TEXT))
    out = []
    for start in starts:
        i = TEXT.index(start)
        out.append(Sentence(chunk, i, TEXT.index("\n", i) if "\n" in TEXT[i:] else len(TEXT)))
    return out


@pytest.mark.parametrize(
    ("question", "quoted", "given"),
    [
        ("What is the work RVU of 61250?", ["Code: 61250"], True),
        ("What is the work RVU of 61255?", ["Code: 61250"], False),  # another code's row
        ("Wie hoch ist die Work-RVU für 61250?", ["Code: 61250"], True),  # "wie hoch": no money
        ("How much does Wexmoor pay for 61255?", ["Wexmoor's allowed"], True),
        ("How much does Wexmoor pay for 61255?", ["A claim lists"], False),  # names it, no amount
        ("What is the MUE of 61255?", ["A claim lists"], False),  # a count, not a limit
        ("Is 61255 paid with 61250?", ["A claim lists"], True),  # no value asked
        ("Who may bill 61255?", ["A claim lists"], True),  # no attribute asked
        # a count of units in words
        ("Three widgets in one session: how many units of 61260?", ["Report 61260"], True),
        ("What is the MUE of 61260?", ["Report 61260"], False),  # a count, not a limit
    ],
)
def test_the_quotes_must_give_the_value_asked(question: str, quoted: list[str], given: bool) -> None:
    assert answers_attribute(analyze_question(question), _units(*quoted)) is given


# "Which is better for him" and "is it safe" asked about the asker's own care, in each of the
# ten languages: a choice between treatments is a clinical judgement, not a coding question.
@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "My father has a narrowed ureter: which is better for him, a stent or surgery?"),
        ("es", "Mi padre tiene un uréter estrecho: ¿cuál es mejor, stent o cirugía?"),
        ("zh", "我父亲输尿管狭窄，放支架和手术哪个更好？"),
        ("ru", "У отца сужение мочеточника: что лучше, стент или операция?"),
        ("ar", "والدي لديه تضيق في الحالب، أيهما أفضل له: الدعامة أم البالون؟"),
        ("vi", "Bố tôi bị hẹp niệu quản, đặt stent hay phẫu thuật cái nào tốt hơn?"),
        ("fr", "Mon père a un uretère rétréci : lequel est le mieux, un stent ou un ballon ?"),
        ("de", "Mein Vater hat eine Harnleiterenge: was ist besser, Stent oder Operation?"),
        ("ko", "아버지가 요관 협착인데 스텐트와 수술 중 어느 쪽이 더 나은가요?"),
        ("tl", "May makitid na ureter ang tatay ko: alin ang mas mabuti, stent o operasyon?"),
        ("de", "Ist es sicher, mit einer Harnleiterschiene zu fliegen?"),
        ("ar", "هل من الآمن السفر بالطائرة مع الدعامة الحالبية؟"),
    ],
)
def test_a_choice_between_treatments_is_medical_advice_in_every_language(
    lang: str, question: str
) -> None:
    assert asks_medical_advice(analyze_question(question, lang=lang))


def test_which_code_is_better_is_a_coding_question() -> None:
    # A code or a coding word makes the same words a question about reporting.
    for question in ("Which is better to report, 99931 or 99932?",
                     "Is it dangerous to bill 99931 twice on one claim?",
                     "أيهما أفضل للإبلاغ: الرمز 99931 أم 99932؟",
                     "Was ist besser für die Abrechnung, Modifikator 59 oder XS?"):
        assert not asks_medical_advice(analyze_question(question))


# The rest of the English advice phrases in the other languages: "what medicine", "is it
# serious", "will it go away", "can I wait", "treatment options", "should I".
@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("es", "¿Qué medicamento es mejor para el dolor de riñón?"),
        ("es", "Tengo un cálculo, ¿debería operarme ya?"),
        ("zh", "肾结石会自己好吗？"),
        ("zh", "我应该吃止痛药还是去急诊？"),
        ("ru", "Какое лекарство принимать при почечной колике?"),
        ("ru", "Камень в почке пройдёт само?"),
        ("ar", "هل يجب علي إجراء العملية الآن؟"),
        ("ar", "ما هي خيارات العلاج لحصوة الكلى؟"),
        ("vi", "Sỏi thận có tự khỏi không?"),
        ("vi", "Tôi có cần phẫu thuật ngay không?"),
        ("fr", "Quel médicament prendre pour une colique néphrétique ?"),
        ("fr", "J'ai un calcul au rein : puis-je attendre la semaine prochaine ?"),
        ("de", "Geht ein Nierenstein von selbst weg?"),
        ("de", "Welches Medikament hilft bei Nierenkolik?"),
        ("ko", "신장 결석이 심각한가요?"),
        ("ko", "수술 전에 기다려도 되나요?"),
        ("tl", "Mawawala ba ang bato sa bato kahit walang gamutan?"),
        ("tl", "Malubha ba ang bato sa bato ko?"),
        # "dangerous" said of the procedure, not of "it" (German already matched alone)
        ("en", "Is a ureteral stent dangerous for a diabetic?"),
        ("es", "¿La dilatación del uréter es peligrosa para un diabético?"),
        ("fr", "La dilatation de l'uretère est-elle vraiment dangereuse pour un diabétique ?"),
        ("ru", "Дилатация мочеточника опасна для диабетика?"),
        ("ar", "هل توسيع الحالب خطير على مريض السكري؟"),
        ("tl", "Delikado ang stent sa diabetic?"),
    ],
)
def test_advice_phrases_in_every_language(lang: str, question: str) -> None:
    assert asks_medical_advice(analyze_question(question, lang=lang))


# The asker asking leave for something in their own care ("may I ...", "해도 되나요"): a
# clinician's call, whatever the leaflets say near it.
@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Can I go jogging the day after my widget stent is placed?"),
        ("es", "¿Puedo tomar café antes del procedimiento del riñón?"),
        ("zh", "放了支架以后我可以去游泳吗？"),
        ("ru", "Можно ли мне пить кофе перед процедурой?"),
        ("ar", "هل يمكنني ممارسة الرياضة بعد تركيب الدعامة؟"),
        ("vi", "Tôi có thể tắm biển sau khi đặt stent không?"),
        ("fr", "Puis-je prendre un bain après la pose de la sonde ?"),
        ("de", "Darf ich nach dem Eingriff Sport treiben?"),
        ("ko", "스텐트를 넣고 커피를 마셔도 되나요?"),
        ("tl", "Pwede ba akong mag-jogging pagkatapos ng stent?"),
        # for a relative or a patient, by pronoun
        ("fr", "Mon père peut-il nager avec sa sonde ?"),
        ("de", "Meine Mutter hat eine Schiene: darf sie Rad fahren?"),
        ("en", "My dad has a drain: can he take a bath?"),
    ],
)
def test_asking_leave_for_ones_own_care_is_medical_advice(lang: str, question: str) -> None:
    assert asks_medical_advice(analyze_question(question, lang=lang))


@pytest.mark.parametrize(
    "question",
    [
        "Can I bill 99931 twice on one date?",
        "¿Puedo facturar la consulta aparte?",
        "99931을 따로 청구해도 되나요?",
        "Darf ich den Modifikator 59 anhängen?",
    ],
)
def test_asking_leave_to_bill_is_a_coding_question(question: str) -> None:
    assert not asks_medical_advice(analyze_question(question))


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "How many hours before the widget visit can I drink water?"),
        ("es", "¿Hasta cuántas horas antes de la cita puedo tomar líquidos claros?"),
        ("ko", "시술 후 며칠이 지나면 샤워해도 되나요?"),
        ("fr", "Combien de jours après la pose peut-il reprendre le travail ?"),
    ],
)
def test_asking_when_or_how_long_is_no_request_for_leave(lang: str, question: str) -> None:
    # A figure or a time asked: a leaflet may give it ("clear liquids until 2 hours before").
    assert not asks_medical_advice(analyze_question(question, lang=lang))
