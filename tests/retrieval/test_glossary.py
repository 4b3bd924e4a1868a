"""The multilingual glossary: its data, and which concepts questions are matched to."""

from __future__ import annotations

import json
import re
import threading

import pytest

from knowledge.errors import ConfigError
from retrieval import glossary
from retrieval.glossary import (
    GLOSSARY_PATH,
    concept_terms,
    concepts_in,
    expand_query,
    is_signal_concept,
)
from retrieval.language import LANGUAGES

DATA = json.loads(GLOSSARY_PATH.read_text("utf-8"))
CONCEPTS = DATA["concepts"]
IDS = [c["id"] for c in CONCEPTS]

# Concepts the retrieval and refusal code relies on.
REQUIRED = ["add_on_code", "primary_procedure", "modifier", "bilateral", "distinct_service", "medical_necessity", "documentation", "operative_note", "imaging_guidance", "ultrasound", "fluoroscopy", "supervision_interpretation", "access_route", "anesthesia", "urologist", "interventional_radiologist", "who_performs", "balloon_dilation", "balloon", "stricture", "ureter", "kidney", "bladder", "hydronephrosis", "urinary_tract_infection", "symptoms", "imaging_studies", "diagnostic_imaging", "separately_billable", "report_with", "exclusion", "example", "cystoscopy", "ureteroscopy", "nephrectomy", "nephrostomy", "catheter", "guidewire", "complications", "balloon_size", "number_of_dilations", "pre_post_imaging", "see_also", "description", "stone", "laser", "lithotripsy", "prior_authorization", "global_period", "payment", "reimbursement", "rvu", "unit_limit", "icd10", "medication", "treatment_advice"]

# English terms decide whether materials mention a concept, so none may be this generic.
TOO_GENERIC = {"code", "codes", "procedure", "procedures", "patient", "patients", "the", "what",
               "service", "billing", "bill", "claim", "use", "with", "and", "of", "cpt", "is"}


# --- the data ---------------------------------------------------------------------------

def test_ids_are_unique_snake_case_and_cover_the_required_concepts() -> None:
    assert len(IDS) == len(set(IDS))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", cid) for cid in IDS)
    assert not set(REQUIRED) - set(IDS)
    assert len(IDS) >= 55
    assert DATA.keys() == {"_about", "concepts"}


@pytest.mark.parametrize("concept", CONCEPTS, ids=IDS)
def test_concept_has_ten_languages_of_clean_unique_terms(concept: dict[str, list[str]]) -> None:
    flags = ("scope", "form", "signal", "clinical")
    assert set(concept) - set(flags) == {"id", *LANGUAGES}
    assert all(concept.get(flag, True) is True for flag in flags)
    for lang in LANGUAGES:
        terms = concept[lang]
        assert isinstance(terms, list) and terms, f"{concept['id']}: no {lang} terms"
        assert all(isinstance(t, str) and t.strip() == t and t for t in terms)
        folded = [t.casefold() for t in terms]
        assert len(folded) == len(set(folded)), f"{concept['id']}/{lang} repeats a term"
    if not concept.get("signal"):  # a signal only tells the kind of question: never searched
        assert not {t.casefold() for t in concept["en"]} & TOO_GENERIC


def test_concepts_are_narrow() -> None:
    # Price, reimbursement and RVUs are separate questions that materials answer separately.
    payment, amount, reimbursement, rvu = (
        set(concept_terms(c)) for c in ("payment", "price_amount", "reimbursement", "rvu"))
    assert not payment & reimbursement and not payment & rvu and not reimbursement & rvu
    assert not amount & payment and not amount & reimbursement and not amount & rvu
    # An amount is asked by "how much" and named by a fee schedule; "charge" only says that
    # something is paid for ("an additional charge").
    assert "RVU" in rvu and {"fee schedule", "how much"} <= amount and "charge" in payment
    assert {"MUE", "medically unlikely edit"} <= set(concept_terms("unit_limit"))


def test_every_term_matches_its_own_concept() -> None:
    # Normalisation must treat a term the same way in the glossary and in a question.
    misses = [
        (c["id"], lang, term)
        for c in CONCEPTS
        for lang in LANGUAGES
        for term in c[lang]
        if c["id"] not in concepts_in(term, lang)
    ]
    assert not misses


# --- matching ---------------------------------------------------------------------------

EXPANSIONS = [
    ("en", "Does the balloon size have to be in the op note?", {"balloon_size", "operative_note"}),
    ("es", "¿Hace falta la autorizacion previa para la nefrostomia?",
     {"prior_authorization", "nephrostomy"}),
    ("es", "¿Qué síntomas justifican la ecografía?", {"symptoms", "medical_necessity", "ultrasound"}),
    ("zh", "输尿管软镜碎石术后需要放双J管吗？", {"ureteroscopy", "lithotripsy", "stent"}),
    ("zh", "膀胱镜检查时发现肾积水怎么编码？", {"cystoscopy", "hydronephrosis"}),
    ("ru", "Нужен ли наркоз при цистоскопии?", {"anesthesia", "cystoscopy"}),
    ("ru", "Какие осложнения описаны после нефрэктомии?", {"complications", "nephrectomy"}),
    ("ar", "هل يحتاج المريض إلى التخدير أثناء تنظير المثانة؟", {"anesthesia", "cystoscopy"}),
    ("ar", "هل التوجيه بالموجات فوق الصوتية مشمول؟", {"ultrasound", "included"}),
    ("vi", "Nong niệu quản có cần gây mê không?", {"balloon_dilation", "ureter", "anesthesia"}),
    ("vi", "tan soi co can xin phe duyet truoc khong", {"lithotripsy", "prior_authorization"}),
    ("fr", "Faut-il une échographie préopératoire avant la néphrostomie ?",
     {"ultrasound", "pre_post_imaging", "nephrostomy"}),
    ("fr", "Le fil guide et la sonde sont-ils facturés séparément ?",
     {"guidewire", "catheter", "separately_billable"}),
    ("de", "Braucht die Harnleiterschiene eine Vorabgenehmigung?",
     {"stent", "ureter", "prior_authorization"}),
    ("de", "Wird die Blasenspiegelung unter Narkose gemacht?", {"cystoscopy", "anesthesia"}),
    ("ko", "요관경 시술 후 스텐트를 넣으면 따로 청구하나요?",
     {"ureteroscopy", "stent", "separately_billable"}),
    ("ko", "방광 결석에 레이저를 쓰면 어떤 코드인가요?", {"bladder", "stone", "laser"}),
    ("tl", "Kailangan ba ng anestisya sa pagdurog ng bato sa pantog?",
     {"anesthesia", "lithotripsy", "stone", "bladder"}),
    ("tl", "Ano ang mga komplikasyon ng nephrostomy?", {"complications", "nephrostomy"}),
    # asking for the plain-language explanation a page gives ("In simple terms: ...")
    ("ru", "Объясните простыми словами, что делает этот код", {"plain_language"}),
    ("ko", "쉽게 말하면 이 코드는 무슨 시술인가요?", {"plain_language"}),
    ("de", "Was bedeutet der Code, einfach erklärt?", {"plain_language"}),
    ("vi", "noi don gian thi ma nay la gi", {"plain_language"}),
    # "where do I find ...": answered by the page's pointer ("Consult the CPT manual ...")
    ("ar", "أين أجد إرشادات الترميز لهذا الرمز؟", {"reference_source", "guidelines"}),
    ("fr", "Où trouver les règles des modificateurs ?", {"reference_source", "modifier"}),
    ("ko", "모디파이어 지침은 어디서 찾나요?", {"reference_source", "modifier"}),
    ("de", "Welche Quelle soll man für aktuelle Kodierregeln heranziehen?", {"reference_source"}),
    # the page's disclaimers
    ("zh", "页面最后的免责声明是怎么说的？", {"disclaimer"}),
    ("de", "Was steht im Haftungsausschluss der Seite?", {"disclaimer"}),
    # who else takes part: nurses and technicians
    ("ar", "هل يمكن للممرضة تشغيل الجهاز؟", {"nurse_technician"}),
    ("vi", "Điều dưỡng có được vận hành máy laser không?", {"nurse_technician", "laser"}),
    ("fr", "Par quelles voies d'abord peut-on faire la dilatation ?", {"access_route"}),
    # a worked example named by its patient
    ("es", "En el caso del paciente con cálculos, ¿qué se facturó?", {"example", "stone"}),
    ("de", "Was wurde im Fall des Patienten mit Steinen abgerechnet?", {"example"}),
    ("fr", "Dans le cas de la femme opérée au panier, quels codes ?", {"example"}),
    ("ru", "Что сделали в случае мужчины с большим камнем?", {"example", "stone"}),
]


@pytest.mark.parametrize(("lang", "question", "expected"), EXPANSIONS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(EXPANSIONS)])
def test_question_expands_to_its_concepts(lang: str, question: str, expected: set[str]) -> None:
    found = concepts_in(question, lang)
    assert expected <= set(found), found
    terms = expand_query(question, lang)
    for cid in expected:
        assert concept_terms(cid)[0] in terms


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "What is the RVU of 50706?"), ("es", "¿Cuál es el valor relativo (RVU) del 50706?"),
     ("zh", "50706 的相对价值单位是多少？"), ("ru", "Какая относительная стоимость у 50706?"),
     ("ar", "ما هي وحدة القيمة النسبية للرمز 50706؟"),
     ("vi", "Giá trị tương đối của mã 50706 là bao nhiêu?"),
     ("fr", "Quelle est la valeur relative du 50706 ?"), ("de", "Wie hoch ist der Punktwert von 50706?"),
     ("ko", "50706의 상대가치점수는 얼마인가요?"), ("tl", "Ano ang RVU ng 50706?")],
)
def test_rvu_question_in_every_language(lang: str, question: str) -> None:
    assert "rvu" in concepts_in(question, lang)
    assert "relative value unit" in expand_query(question, lang)


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [("es", "¿El add-on code 50706 incluye la fluoroscopy?", {"add_on_code", "fluoroscopy"}),
     ("zh", "这个 add-on code 的 RVU 是多少？", {"add_on_code", "rvu"}),
     ("ko", "balloon dilation 후에 operative note 에 뭘 써야 하나요?",
      {"balloon_dilation", "operative_note"}),
     ("tl", "Kailangan ba ang prior authorization bago ang ureteroscopy?",
      {"prior_authorization", "ureteroscopy"}),
     ("ru", "Нужен ли modifier 59 вместе с catheter placement?",
      {"distinct_service", "catheter", "report_with"}),
     ("ar", "هل يتم الإبلاغ عن nephrostomy بشكل منفصل؟", {"nephrostomy", "separately_billable"})],
)
def test_mixed_language_questions_match_english_terms(
    lang: str, question: str, expected: set[str]
) -> None:
    assert expected <= set(concepts_in(question, lang))


@pytest.mark.parametrize(
    ("lang", "question", "absent"),
    [
        ("en", "Which code should I use for this procedure on the patient?", None),
        ("fr", "D'abord, quel code faut-il utiliser ?", "access_route"),  # not "voie d'abord"
        ("fr", "Combien d'unités peut-on déclarer ?", "payment"),  # "combien" alone is no price
        ("de", "Wer ist für die Durchführung zuständig?", "imaging_guidance"),
        ("ru", "Какие коды доступны для этой процедуры?", "access_route"),  # доступны != доступ
        ("vi", "Bản thân mã này là gì?", "kidney"),  # thân (self) is not thận (kidney)
        ("vi", "Nội soi bàng quang có cần không?", "stone"),  # soi is not sỏi
        ("ko", "횟수가 몇 번인가요?", "payment"),  # 수가 inside 횟수가
        ("zh", "我应该用哪个代码？", "treatment_advice"),
        ("ar", "عندما هو يقوم بالعملية", "description"),  # ما هو only as whole words
        ("tl", "Sino ang gumagawa ng procedure na ito?", "device_brand"),  # who does, no maker
        ("fr", "Que comprend la prise en charge par le chirurgien ?", "payer_coverage"),  # care
    ],
)
def test_generic_words_do_not_trigger_concepts(lang: str, question: str, absent: str | None) -> None:
    found = [c for c in concepts_in(question, lang) if not is_signal_concept(c)]
    assert (found == []) if absent is None else (absent not in found), found


def test_matching_folds_case_diacritics_and_suffixes() -> None:
    assert "anesthesia" in concepts_in("ANESTESIOLOGO", "es")
    assert "balloon" in concepts_in("Are two balloons used?", "en")
    assert "kidney" in concepts_in("Что с почками?", "ru")  # case ending on a Russian stem
    assert "stricture" in concepts_in("Harnleiterstrikturen", "de")  # German compound tail
    assert "ureter" in concepts_in("hep nieu quan", "vi")  # typed without tone marks
    assert "ureter" in concepts_in("للحالب", "ar")  # ل + ال merged before the noun
    assert "symptoms" not in concepts_in("asymptomatic", "en")  # whole words only


def test_results_are_in_glossary_order_without_repeats() -> None:
    question = "Stone laser lithotripsy: RVU, payment and add-on code? stone again"
    found = concepts_in(question, "en")
    assert found == sorted(found, key=IDS.index) and len(found) == len(set(found))
    assert found[0] == "add_on_code"
    terms = expand_query(question, "en")
    assert len(terms) == len(set(terms))
    assert terms[: len(concept_terms("add_on_code"))] == concept_terms("add_on_code")


def test_only_the_question_language_and_english_are_used() -> None:
    # "Zusatzcode" is German: asked as Spanish it is not read as a concept.
    assert concepts_in("Zusatzcode?", "de") == ["add_on_code"]
    assert concepts_in("Zusatzcode?", "es") == []


def test_empty_question_and_bad_language() -> None:
    assert concepts_in("", "en") == [] and concepts_in("   ", "zh") == []
    assert expand_query("", "fr") == []
    with pytest.raises(ConfigError):
        concepts_in("RVU?", "pt")
    assert concepts_in("RVU?", "EN-us") == ["rvu"]


def test_concept_terms() -> None:
    assert concept_terms("rvu")[:2] == ["RVU", "RVUs"]
    terms = concept_terms("rvu")
    terms.append("changed")
    assert "changed" not in concept_terms("rvu")
    with pytest.raises(KeyError, match="unknown glossary concept"):
        concept_terms("weather")


def test_concept_ids_constant() -> None:
    assert glossary.CONCEPT_IDS == tuple(IDS)
    with pytest.raises(AttributeError):
        glossary.NOT_A_NAME  # noqa: B018


def test_glossary_loads_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(glossary, "_glossary", None)
    calls: list[int] = []
    parse = glossary._parse

    def counting_parse(raw: object) -> object:
        calls.append(1)
        return parse(raw)

    monkeypatch.setattr(glossary, "_parse", counting_parse)
    barrier = threading.Barrier(8)
    results: list[list[str]] = []

    def worker() -> None:
        barrier.wait()
        results.append(concepts_in("RVU del 50706", "es"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert results == [["rvu"]] * 8


def test_malformed_glossary_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    good = CONCEPTS[0]
    bad_cases = [
        {},
        {"concepts": []},
        {"concepts": [good, good]},  # repeated id
        {"concepts": [{**good, "ko": []}]},  # a language without terms
        {"concepts": [{**good, "tl": ["ok", " "]}]},  # a blank term
    ]
    for raw in bad_cases:
        with pytest.raises(ConfigError):
            glossary._parse(raw)


def test_scope_concepts_mark_kinds_of_question() -> None:
    from retrieval.glossary import is_scope_concept

    assert is_scope_concept("rvu") and is_scope_concept("icd10")
    assert not is_scope_concept("modifier") and not is_scope_concept("balloon")


# --- outcomes, other coding systems, medication and personal advice ----------------------

# Scope concepts of questions that coding materials do not answer: a clinical outcome, a code
# of another country's or kind of coding system, a drug, or advice for the asker's own health.
ADVICE_LIKE = {"outcomes", "other_code_system", "medication", "treatment_advice",
               "personal_medical"}

OUT_OF_SCOPE_QUESTIONS = [
    ("en", "What is the success rate of balloon dilation for ureteral strictures?", "outcomes"),
    ("en", "What's the long-term patency after 50706?", "outcomes"),
    ("es", "¿Cuál es la tasa de éxito de la dilatación con balón del uréter?", "outcomes"),
    ("es", "¿Que pronostico tiene la estenosis ureteral despues de dilatar?", "outcomes"),
    ("zh", "输尿管球囊扩张的成功率有多高？", "outcomes"),
    ("zh", "这个手术的远期疗效怎么样？", "outcomes"),
    ("ru", "Какой процент успеха у баллонной дилатации мочеточника?", "outcomes"),
    ("ru", "Какие отдаленные результаты после дилатации?", "outcomes"),
    ("ar", "ما نسبة النجاح لتوسيع الحالب بالبالون؟", "outcomes"),
    ("vi", "Tỷ lệ thành công của nong niệu quản bằng bóng là bao nhiêu?", "outcomes"),
    ("vi", "ty le tai phat sau khi nong nieu quan la bao nhieu", "outcomes"),
    ("fr", "Quel est le taux de réussite de la dilatation urétérale au ballonnet ?", "outcomes"),
    ("de", "Wie hoch ist die Erfolgsrate der Ballondilatation bei Harnleiterstrikturen?",
     "outcomes"),
    ("de", "Gibt es Langzeitergebnisse zur Harnleiterdilatation?", "outcomes"),
    ("ko", "요관 풍선 확장술의 성공률은 어느 정도인가요?", "outcomes"),
    ("tl", "Gaano kaepektibo ang balloon dilation ng ureter?", "outcomes"),
    ("en", "Is there a crosswalk from 50706 to ICD-10-PCS?", "other_code_system"),
    ("en", "What is the SNOMED CT concept for this procedure?", "other_code_system"),
    ("es", "¿Cuál es el código equivalente del 50706 en la CIE-9-MC?", "other_code_system"),
    ("zh", "50706 在国家临床版里的等效编码是什么？", "other_code_system"),
    ("ru", "Какой эквивалентный код у 50706 в номенклатуре медицинских услуг?",
     "other_code_system"),
    ("ar", "ما الرمز المكافئ للرمز 50706 في نظام ACHI؟", "other_code_system"),
    ("vi", "Mã tương đương của 50706 trong danh mục DVKT là gì?", "other_code_system"),
    ("fr", "Quel est l'équivalent CCAM du 50706 ?", "other_code_system"),
    ("de", "Welche EBM-Ziffer entspricht 50706?", "other_code_system"),
    ("de", "Wie rechne ich die Harnleiterdilatation nach GOÄ ab?", "other_code_system"),
    ("ko", "50706에 해당하는 EDI 코드는 무엇인가요?", "other_code_system"),
    ("tl", "Ano ang katumbas na code ng 50706 sa PhilHealth RVS?", "other_code_system"),
    # German compounds that start with the drug word, and prophylaxis as a compound tail.
    ("de", "Ist eine Antibiotikaprophylaxe vor 50706 nötig?", "medication"),
    ("de", "Wann erfolgt die Antibiotikagabe bei der Harnleiterdilatation?", "medication"),
    ("de", "Braucht man danach eine Thromboseprophylaxe?", "medication"),
    ("fr", "Faut-il une antibioprophylaxie avant la dilatation ?", "medication"),
    ("ru", "Нужна ли антибиотикопрофилактика перед дилатацией?", "medication"),
    # The asker wants advice for their own (or a relative's) health.
    ("en", "Do I need surgery for my ureteral stricture?", "treatment_advice"),
    ("es", "¿Necesito operarme del uréter?", "treatment_advice"),
    ("zh", "我有结石，我需要手术吗？", "treatment_advice"),
    ("ru", "Мне предлагают операцию на мочеточнике, соглашаться ли на операцию?",
     "treatment_advice"),
    ("ar", "عندي حصوة في الكلية، هل أحتاج عملية؟", "treatment_advice"),
    ("vi", "Tôi có cần phẫu thuật nong niệu quản không?", "treatment_advice"),
    ("vi", "toi co can phau thuat khong", "treatment_advice"),
    ("fr", "Ai-je besoin d'une opération pour ce rétrécissement ?", "treatment_advice"),
    ("de", "Muss ich mich operieren lassen?", "treatment_advice"),
    ("ko", "결석이 있는데 수술을 받아도 될까요?", "treatment_advice"),
    ("tl", "Kailangan ko na bang magpaopera?", "treatment_advice"),
    ("tl", "Kandidato ba ako para sa balloon dilation?", "treatment_advice"),
    ("en", "I have kidney stones, what should I expect?", "personal_medical"),
    ("es", "Me duele el riñón desde ayer", "personal_medical"),
    ("zh", "我的输尿管很窄怎么办？", "personal_medical"),
    ("ru", "У меня камни в почке, что делать?", "personal_medical"),
    ("ar", "عندي ألم في الظهر بعد العملية", "personal_medical"),
    ("vi", "Bà tôi bị hẹp niệu quản", "personal_medical"),
    ("fr", "Mon rein est bouché, que faire ?", "personal_medical"),
    ("de", "Meine Oma hat einen Harnleiterstein", "personal_medical"),
    ("ko", "할머니가 요관 협착이래요", "personal_medical"),
    ("tl", "May bato ako sa pantog, ano ang gagawin?", "personal_medical"),
]


def test_outcome_and_other_code_system_concepts_are_scope() -> None:
    from retrieval.glossary import is_scope_concept

    assert all(is_scope_concept(c) for c in ADVICE_LIKE)
    assert {"CCAM", "SNOMED", "DRG", "crosswalk"} <= set(concept_terms("other_code_system"))
    assert {"success rate", "prognosis"} <= set(concept_terms("outcomes"))
    # OPS keeps its own concept.
    assert "OPS" not in concept_terms("other_code_system") and "OPS" in concept_terms("ops_code")


@pytest.mark.parametrize(("lang", "question", "expected"), OUT_OF_SCOPE_QUESTIONS,
                         ids=[f"{e[2]}-{e[0]}-{i}" for i, e in enumerate(OUT_OF_SCOPE_QUESTIONS)])
def test_out_of_scope_questions_name_their_concept(lang: str, question: str, expected: str) -> None:
    assert expected in concepts_in(question, lang)


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [("en", "Can 50706 be done in an ambulatory surgery center?", "place_of_service"),
     ("de", "Welcher Leistungsort ist für 99945 anzugeben?", "place_of_service"),
     ("zh", "99931 的服务地点代码填什么？", "place_of_service"),
     ("es", "¿Qué marca de catéter balón se usa?", "device_brand"),
     ("ru", "Какой производитель лазера нужен для 99931?", "device_brand"),
     ("ko", "어느 제조사 레이저를 쓰나요?", "device_brand"),
     ("vi", "Tỷ lệ chảy máu sau thủ thuật là bao nhiêu?", "percentage"),
     ("fr", "Quel pourcentage de patients a une complication ?", "percentage"),
     ("fr", "Le 50706 est-il pris en charge par l'assurance ?", "payer_coverage")],
)
def test_place_brand_and_statistics_questions_name_their_concept(
    lang: str, question: str, expected: str
) -> None:
    from retrieval.glossary import is_scope_concept

    assert expected in concepts_in(question, lang) and is_scope_concept(expected)


def test_every_language_has_outcome_and_other_code_system_questions() -> None:
    for cid in ("outcomes", "other_code_system"):
        assert {lang for lang, _, c in OUT_OF_SCOPE_QUESTIONS if c == cid} == set(LANGUAGES)


# Ordinary coding questions, many in the first person ("do I need a modifier"), or with words
# near the new terms (recurrent, failed, successful, outcome, corresponding, prophylactic).
CODING_QUESTIONS = [
    ("en", "Do I need a modifier for bilateral 50706?"),
    ("en", "Should I use modifier 59 here?"),
    ("en", "How do I code dilation of a recurrent stricture?"),
    ("en", "Which modifier applies if the dilation was not successful?"),
    ("en", "If the first dilation failed and was repeated, how many units?"),
    ("en", "What is the effective date of the Northfield note?"),
    ("en", "What was the outcome of the appeal?"),
    ("en", "Is there an equivalent modifier for the left side?"),
    ("en", "Is a prophylactic stent placement billable with 50706?"),
    ("en", "How does the add-on edit work for 50706?"),
    ("en", "Must the op note document ureteral patency and the results of the pyelogram?"),
    ("en", "Which code corresponds to a ureteral catheter placement?"),
    ("es", "¿Necesito un modificador para el 50706 bilateral?"),
    ("es", "¿Debo reportar el 50706 con el 52000?"),
    ("es", "¿Cómo codifico la dilatación de una estenosis recurrente?"),
    ("es", "Si la dilatación no tuvo éxito, ¿qué modificador uso?"),
    ("es", "¿Qué documentación necesito para justificar la necesidad médica?"),
    ("es", "¿Hay que documentar que el paciente quedó libre de cálculos?"),
    ("zh", "我需要加修饰符吗？"),
    ("zh", "这个手术对应的编码是什么？"),
    ("zh", "复发性狭窄扩张怎么编码？"),
    ("zh", "扩张失败了还能报 50706 吗？"),
    ("ru", "Нужен ли мне модификатор 59 для 50706?"),
    ("ru", "Как кодировать рецидивирующую стриктуру?"),
    ("ru", "Какой код соответствует установке катетера?"),
    ("ru", "Если дилатация была неуспешной, какой модификатор ставить?"),
    ("ar", "هل أحتاج إلى معدل 59 مع 50706؟"),
    ("ar", "ما الرمز المقابل لتركيب القسطرة الحالبية؟"),
    ("ar", "كيف أرمز تضيقا متكررا في الحالب؟"),
    ("vi", "Tôi có cần dùng modifier 59 không?"),
    ("vi", "toi co can mo ta chi tiet trong bien ban phau thuat khong"),  # mô tả, not mổ
    ("vi", "Hẹp niệu quản tái phát thì dùng mã nào?"),
    ("vi", "Mã tương ứng cho đặt ống thông niệu quản là gì?"),
    ("vi", "lieu dung modifier 59 co duoc khong"),  # liệu (whether), not liều (dose)
    ("fr", "Dois-je ajouter le modificateur 59 ?"),
    ("fr", "Quel code correspond à la pose de sonde urétérale ?"),
    ("fr", "Comment coder une sténose récidivante ?"),
    ("fr", "Si la dilatation a échoué, quel modificateur ?"),
    ("de", "Brauche ich einen Modifier für die beidseitige Dilatation?"),
    ("de", "Darf ich 50706 mit 52000 abrechnen?"),
    ("de", "Wie kodiere ich eine rezidivierende Harnleiterstriktur?"),
    ("de", "Welcher Code entspricht der Anlage eines Harnleiterkatheters?"),
    ("de", "Ist die prophylaktische Stenteinlage separat abrechenbar?"),
    ("de", "Wenn beide Seiten operiert werden, brauche ich Modifier 50?"),
    ("ko", "50706에 modifier를 붙여야 하나요?"),
    ("ko", "재발성 협착 확장은 어떤 코드인가요?"),
    ("ko", "제가 청구한 코드가 맞나요?"),
    ("ko", "부분 절제 신장 수술 코드와 같이 청구하나요?"),
    ("tl", "Kailangan ko bang lagyan ng modifier 59 ang 50706?"),
    ("tl", "Ako ba ang magre-report ng 50706?"),
    ("tl", "Kailangan ko na bang i-submit ang claim?"),
    ("tl", "Ano ang tamang code para sa recurrent stricture?"),
    # first-person questions about coding and payer steps, not about the asker's health
    ("en", "Should I get prior authorization for 99945?"),
    ("ko", "사전 승인을 받아야 할까요?"),
    ("vi", "Tôi có nên dùng modifier 59 không?"),
    ("tl", "Dapat ba akong gumamit ng modifier 59?"),
    ("fr", "Dois-je faire une demande d'accord préalable pour 99945 ?"),
    ("de", "Soll ich mich an die Abrechnungsstelle wenden?"),
    ("ru", "Нужно ли мне делать пометку о модификаторе?"),
    ("zh", "我应该做哪些文书记录？"),
    ("vi", "Tôi bị từ chối thanh toán, phải làm gì?"),
]


@pytest.mark.parametrize(("lang", "question"), CODING_QUESTIONS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(CODING_QUESTIONS)])
def test_coding_questions_are_not_advice_outcomes_or_other_systems(lang: str, question: str) -> None:
    assert not set(concepts_in(question, lang)) & ADVICE_LIKE, concepts_in(question, lang)


def test_every_language_has_ordinary_coding_questions() -> None:
    assert {lang for lang, _ in CODING_QUESTIONS} == set(LANGUAGES)


@pytest.mark.parametrize(
    ("lang", "question", "is_payment"),
    [
        ("en", "Which guidelines should coders pay particular attention to?", False),
        ("en", "How much does the plan pay for 99945?", True),
        ("en", "Is 50706 paid when billed alone?", True),
        ("de", "Wie hoch ist die Vergütung für 50706?", True),
        ("en", "Please write the list of primary codes for 50706.", False),
    ],
)
def test_payment_is_about_money_not_attention(lang: str, question: str, is_payment: bool) -> None:
    money = {"payment", "price_amount"}
    assert bool(money & set(concepts_in(question, lang))) is is_payment


@pytest.mark.parametrize(
    ("lang", "question", "concept"),
    [
        ("en", "which modifeirs apply to 50706?", "modifier"),
        ("en", "what documentaton is needed?", "documentation"),
        ("ru", "Какие модифиакторы применимы к 50706?", "modifier"),
        ("de", "Welche Modifkatoren gibt es?", "modifier"),
        ("en", "in the exmaple with stones, which guidance was used?", "example"),  # swap at 3
    ],
)
def test_a_slip_of_the_keyboard_still_names_the_concept(lang: str, question: str, concept: str) -> None:
    assert concept in concepts_in(question, lang)


@pytest.mark.parametrize(
    ("lang", "question", "concept"),
    [
        # one letter from "Medicare", but French for "medical"; names take no slips
        ("fr", "Quand la nécessité médicale est-elle établie ?", "payer_coverage"),
        ("en", "What did the reporter say?", "description"),
        # "kailang|an" is one letter from "kabilang" (included) only with the third letter
        # slipped and the word cut short: such a slip counts in a whole word only
        ("tl", "Kailangan ba ng guidewire?", "included"),
    ],
)
def test_slips_do_not_reach_names_or_other_languages(lang: str, question: str, concept: str) -> None:
    assert concept not in concepts_in(question, lang)


# --- procedure steps, anesthesia types, settings, claims and clinical words -------------

# Everyday coding questions, each naming one of the concepts for procedure steps, anesthesia
# types, settings, claims, code books and clinical findings: every concept in three or more
# languages. None of these concepts is a kind of question of its own or only its form.
CODING_VOCABULARY_QUESTIONS = [
    ("en", "What pre-procedural preparation is included in the ureteroscopy code?",
     "preparation"),
    ("es", "¿La preparación del paciente se codifica aparte?", "preparation"),
    ("de", "Gehört die OP-Vorbereitung zum Eingriff?", "preparation"),
    ("ko", "수술 전 준비 과정도 코드에 포함되나요?", "preparation"),
    ("en", "Are follow-up visits billed separately after ureteroscopy?", "follow_up_care"),
    ("fr", "Le suivi postopératoire est-il inclus dans le forfait ?", "follow_up_care"),
    ("zh", "术后随访可以单独收费吗？", "follow_up_care"),
    ("tl", "Kasama ba ang follow-up care sa bayad?", "follow_up_care"),
    ("en", "Is the ureteral access sheath placement coded separately?", "sheath"),
    ("ru", "Нужно ли указывать установку кожуха доступа?", "sheath"),
    ("fr", "La pose d'une gaine d'accès urétéral est-elle incluse ?", "sheath"),
    ("ko", "요관 접근 시스 삽입은 별도 코드인가요?", "sheath"),
    ("de", "Wird die Nierenpunktion unter Ultraschall separat abgerechnet?", "puncture"),
    ("es", "¿La punción renal guiada por ecografía se reporta aparte?", "puncture"),
    ("zh", "经皮肾穿刺用哪个代码？", "puncture"),
    ("vi", "Chọc dò thận qua da dùng mã nào?", "puncture"),
    ("en", "Which code covers dilation of an existing nephrostomy tract?", "tract_dilation"),
    ("fr", "Comment coder la dilatation du trajet de néphrostomie ?", "tract_dilation"),
    ("ru", "Как кодировать расширение нефростомического хода?", "tract_dilation"),
    ("ar", "هل توسيع المسار مشمول في الرمز؟", "tract_dilation"),
    ("en", "Is bladder irrigation reported separately?", "irrigation"),
    ("de", "Ist die Spülung des Nierenbeckens im Code enthalten?", "irrigation"),
    ("vi", "Bơm rửa bàng quang có tính phí riêng không?", "irrigation"),
    ("tl", "Kasama ba ang paghuhugas ng pantog sa code?", "irrigation"),
    ("en", "Does 52352 include stone extraction with a basket?", "stone_extraction"),
    ("es", "¿La extracción de fragmentos está incluida en la litotricia?", "stone_extraction"),
    ("ko", "결석 제거는 쇄석술과 따로 청구하나요?", "stone_extraction"),
    ("ru", "Входит ли удаление фрагментов в код литотрипсии?", "stone_extraction"),
    ("en", "Is the stone basket a supply that can be billed?", "basket"),
    ("fr", "L'extraction au panier de Dormia est-elle incluse ?", "basket"),
    ("zh", "用网篮取石需要另外编码吗？", "basket"),
    ("de", "Wird das Fangkörbchen separat berechnet?", "basket"),
    ("en", "Does the stone size change which code is used?", "stone_size"),
    ("es", "¿El tamaño del cálculo influye en el código?", "stone_size"),
    ("ar", "هل يؤثر حجم الحصوة على اختيار الرمز؟", "stone_size"),
    ("vi", "Kích thước sỏi có ảnh hưởng đến mã không?", "stone_size"),
    ("en", "Is the injection of contrast included in the pyelography code?", "contrast"),
    ("es", "¿El medio de contraste se factura aparte?", "contrast"),
    ("de", "Ist die Kontrastmittelgabe enthalten?", "contrast"),
    ("ko", "조영제 주입은 별도로 청구하나요?", "contrast"),
    ("en", "Is the procedure done under general anesthesia?", "general_anesthesia"),
    ("ru", "Проводится ли процедура под общим наркозом?", "general_anesthesia"),
    ("zh", "这个手术需要全麻吗？", "general_anesthesia"),
    ("ar", "هل تتم العملية تحت التخدير العام؟", "general_anesthesia"),
    ("fr", "La rachianesthésie est-elle facturée par l'anesthésiste ?", "regional_anesthesia"),
    ("de", "Reicht eine Spinalanästhesie für den Eingriff?", "regional_anesthesia"),
    ("es", "¿Se puede hacer con anestesia raquídea?", "regional_anesthesia"),
    ("ko", "척추 마취로도 가능한가요?", "regional_anesthesia"),
    ("en", "Can it be performed under local anesthesia in the office?", "local_anesthesia"),
    ("vi", "Có thể làm dưới gây tê tại chỗ không?", "local_anesthesia"),
    ("ru", "Можно ли выполнить под местной анестезией?", "local_anesthesia"),
    ("tl", "Puwede ba itong gawin sa lokal na anestisya?", "local_anesthesia"),
    ("en", "Is moderate sedation reported on its own?", "moderate_sedation"),
    ("fr", "La sédation consciente est-elle codée à part ?", "moderate_sedation"),
    ("zh", "中度镇静需要单独编码吗？", "moderate_sedation"),
    ("de", "Wird die Analgosedierung separat abgerechnet?", "moderate_sedation"),
    ("en", "Is the code different for an inpatient stay?", "inpatient"),
    ("es", "¿Se factura igual si el paciente está hospitalizado?", "inpatient"),
    ("ko", "입원 환자인 경우에도 같은 코드를 쓰나요?", "inpatient"),
    ("ru", "Меняется ли код при госпитализации?", "inpatient"),
    ("en", "Can 50706 be done in an ambulatory surgery center?", "outpatient"),
    ("fr", "Peut-on le faire en ambulatoire ?", "outpatient"),
    ("de", "Kann der Eingriff ambulant durchgeführt werden?", "outpatient"),
    ("vi", "Thủ thuật này có làm ngoại trú được không?", "outpatient"),
    ("en", "Can both codes be reported in the same session?", "same_session"),
    ("es", "¿Se pueden reportar ambos códigos en la misma sesión?", "same_session"),
    ("zh", "两个手术在同一天做怎么报？", "same_session"),
    ("de", "Dürfen beide Leistungen in derselben Sitzung abgerechnet werden?", "same_session"),
    ("ar", "هل يمكن الإبلاغ عن الرمزين في نفس الجلسة؟", "same_session"),
    ("en", "Which date of service goes on the claim?", "date_of_service"),
    ("ru", "Какую дату операции указывать?", "date_of_service"),
    ("fr", "Quelle date de service faut-il indiquer ?", "date_of_service"),
    ("ko", "수술 날짜는 어디에 적나요?", "date_of_service"),
    ("en", "Is modifier 58 needed for a staged procedure?", "staged_procedure"),
    ("de", "Wie wird ein zweizeitiger Eingriff kodiert?", "staged_procedure"),
    ("es", "¿Cómo se codifica un procedimiento por etapas?", "staged_procedure"),
    ("tl", "Paano i-code ang staged procedure?", "staged_procedure"),
    ("en", "Should both codes be on the same claim?", "claim"),
    ("es", "¿Qué va en la línea de reclamación?", "claim"),
    ("ko", "청구서에 두 코드를 모두 적어야 하나요?", "claim"),
    ("ar", "ماذا أكتب في نموذج المطالبة؟", "claim"),
    ("en", "Why was the claim for 50706 denied?", "denial"),
    ("fr", "Pourquoi la demande a-t-elle reçu un refus ?", "denial"),
    ("zh", "为什么被拒付了？", "denial"),
    ("de", "Warum wurde die Abrechnung abgelehnt?", "denial"),
    ("en", "How do I file an appeal after a denial?", "appeal"),
    ("es", "¿Cómo presento una apelación?", "appeal"),
    ("ru", "Как обжаловать отказ страховой?", "appeal"),
    ("ko", "이의 신청은 어떻게 하나요?", "appeal"),
    ("en", "What is the effective date of this policy?", "effective_date"),
    ("fr", "Quelle est la date d'entrée en vigueur de cette règle ?", "effective_date"),
    ("zh", "这条规定的生效日期是什么时候？", "effective_date"),
    ("vi", "Quy định này có hiệu lực từ khi nào?", "effective_date"),
    ("en", "Does the payer require modifier 59?", "payer"),
    ("es", "¿Qué exige el plan de salud para este código?", "payer"),
    ("de", "Welcher Kostenträger übernimmt das?", "payer"),
    ("ar", "هل تطلب شركة التأمين معدلا؟", "payer"),
    ("en", "Who is the rendering provider on the claim?", "provider"),
    ("es", "¿Qué prestador puede facturar este código?", "provider"),
    ("zh", "服务提供者需要什么资质？", "provider"),
    ("fr", "Quel prestataire peut facturer ce code ?", "provider"),
    ("en", "Where in the CPT manual is this code listed?", "code_book"),
    ("es", "¿En qué parte del manual CPT aparece?", "code_book"),
    ("ru", "Где в справочнике CPT этот код?", "code_book"),
    ("ko", "CPT 매뉴얼에서 이 코드를 어디서 찾나요?", "code_book"),
    ("en", "What do the coding guidelines say about this?", "guidelines"),
    ("fr", "Que disent les lignes directrices ?", "guidelines"),
    ("de", "Was sagt die Kodierrichtlinie dazu?", "guidelines"),
    ("zh", "编码指南怎么规定的？", "guidelines"),
    ("en", "Is there an NCCI edit between 52000 and 50706?", "ncci_edit"),
    ("ru", "Есть ли правило NCCI для этой пары кодов?", "ncci_edit"),
    ("ko", "NCCI 에디트가 적용되나요?", "ncci_edit"),
    ("de", "Gibt es eine Plausibilitätsprüfung für diese Codes?", "ncci_edit"),
    ("en", "What is the long descriptor of 50706?", "code_descriptor"),
    ("fr", "Quel est le libellé du code 50706 ?", "code_descriptor"),
    ("de", "Wie lautet die Leistungslegende von 50706?", "code_descriptor"),
    ("ru", "Какой полный дескриптор у 50706?", "code_descriptor"),
    ("en", "Which code range covers ureter procedures?", "code_range"),
    ("es", "¿Qué rango de códigos corresponde al uréter?", "code_range"),
    ("zh", "输尿管手术的代码范围是什么？", "code_range"),
    ("fr", "Quelle est la plage de codes pour l'uretère ?", "code_range"),
    ("en", "How do I code a recurrent stricture?", "recurrent"),
    ("de", "Wie kodiere ich ein Rezidiv der Striktur?", "recurrent"),
    ("ar", "كيف أرمز التضيق المتكرر؟", "recurrent"),
    ("vi", "Hẹp tái phát thì mã thế nào?", "recurrent"),
    ("en", "Is hematuria a valid indication for ureteroscopy?", "hematuria"),
    ("es", "¿La hematuria justifica la ureteroscopia?", "hematuria"),
    ("zh", "血尿可以作为适应症吗？", "hematuria"),
    ("ko", "혈뇨가 있을 때 요관경을 할 수 있나요?", "hematuria"),
    ("en", "Does painful urination support medical necessity?", "dysuria"),
    ("fr", "La dysurie justifie-t-elle l'examen ?", "dysuria"),
    ("ru", "Является ли боль при мочеиспускании показанием?", "dysuria"),
    ("vi", "Tiểu buốt có phải là chỉ định không?", "dysuria"),
    ("en", "Is dilation of the urethra coded differently?", "urethra"),
    ("es", "¿La dilatación de la uretra usa otro código?", "urethra"),
    ("de", "Wird die Harnröhre mitbehandelt?", "urethra"),
    ("ko", "요도에 카테터를 넣는 것도 포함되나요?", "urethra"),
    ("en", "Can a suprapubic catheter be placed in the same session?", "suprapubic"),
    ("fr", "La cystostomie sus-pubienne est-elle codée à part ?", "suprapubic"),
    ("es", "¿Cómo se codifica la cistostomía suprapúbica?", "suprapubic"),
    ("ru", "Как кодировать установку цистостомы?", "suprapubic"),
    ("en", "Should I use an unlisted procedure code?", "unlisted_code"),
    ("es", "¿Debo usar un código no listado?", "unlisted_code"),
    ("ko", "미등재 시술은 어떻게 청구하나요?", "unlisted_code"),
    ("de", "Was tun, wenn die Leistung nicht gelistet ist?", "unlisted_code"),
]


@pytest.mark.parametrize(
    ("lang", "question", "concept"), CODING_VOCABULARY_QUESTIONS,
    ids=[f"{e[2]}-{e[0]}-{i}" for i, e in enumerate(CODING_VOCABULARY_QUESTIONS)],
)
def test_coding_vocabulary_questions_name_their_concept(
    lang: str, question: str, concept: str
) -> None:
    from retrieval.glossary import is_form_concept, is_scope_concept

    assert concept in concepts_in(question, lang), concepts_in(question, lang)
    assert concept_terms(concept)[0] in expand_query(question, lang)
    assert not is_scope_concept(concept) and not is_form_concept(concept)


def test_every_coding_vocabulary_concept_is_asked_in_three_languages() -> None:
    langs: dict[str, set[str]] = {}
    for lang, _, concept in CODING_VOCABULARY_QUESTIONS:
        langs.setdefault(concept, set()).add(lang)
    assert all(len(found) >= 3 for found in langs.values()), langs


@pytest.mark.parametrize(
    ("lang", "question", "absent"),
    [
        ("en", "Is the ureteral catheter billed separately?", "urethra"),  # one letter apart
        ("en", "What is the contracted rate for 50706?", "contrast"),
        ("en", "Which rules were extracted from the note?", "stone_extraction"),
        ("de", "Wie hoch ist der Punktwert?", "puncture"),
        ("de", "Gibt es einen Widerspruch zwischen den beiden Dokumenten?", "appeal"),
        ("es", "¿Cuánto se ha pagado por el 50706?", "payer"),
        ("fr", "Comment s'appelle ce code ?", "appeal"),
        ("fr", "Qui doit effectuer la dilatation ?", "provider"),
        ("fr", "Pour assurer le remboursement, que faut-il documenter ?", "payer"),
        ("vi", "Cần chuẩn bị giấy tờ gì?", "preparation"),
        ("zh", "经尿道输尿管镜碎石怎么编码？", "urethra"),  # transurethral is an access route
        ("ko", "따로 청구할 필요도 있나요?", "urethra"),  # 요도 inside 필요도
        ("ko", "코딩 시스템이 다른가요?", "sheath"),  # 시스 inside 시스템
    ],
)
def test_near_words_do_not_trigger_coding_vocabulary(lang: str, question: str, absent: str) -> None:
    assert absent not in concepts_in(question, lang)


@pytest.mark.parametrize(
    ("lang", "question", "concept", "found"),
    [
        ("tl", "kwentuhan tayo tungkol sa basketball", "basket", False),
        ("en", "Which baskets are used?", "basket", True),
        ("es", "tengo dolor, ¿debería ir a urgencias?", "treatment_advice", True),
        ("de", "Soll ich in die Notaufnahme fahren?", "treatment_advice", True),
        ("en", "Is the emergency room visit billed with 50706?", "treatment_advice", False),
        ("en", "Should I go to the emergency room?", "treatment_advice", True),
    ],
)
def test_word_extensions_and_urgent_care(lang: str, question: str, concept: str, found: bool) -> None:
    assert (concept in concepts_in(question, lang)) is found
