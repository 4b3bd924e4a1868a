"""The multilingual glossary: its data, and which concepts questions are matched to."""

from __future__ import annotations

import json
import re
import threading

import pytest

from knowledge.errors import ConfigError
from retrieval import glossary
from retrieval.glossary import GLOSSARY_PATH, concept_terms, concepts_in, expand_query
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
    assert set(concept) - {"scope", "form"} == {"id", *LANGUAGES}
    assert concept.get("scope", True) is True and concept.get("form", True) is True
    for lang in LANGUAGES:
        terms = concept[lang]
        assert isinstance(terms, list) and terms, f"{concept['id']}: no {lang} terms"
        assert all(isinstance(t, str) and t.strip() == t and t for t in terms)
        folded = [t.casefold() for t in terms]
        assert len(folded) == len(set(folded)), f"{concept['id']}/{lang} repeats a term"
    assert not {t.casefold() for t in concept["en"]} & TOO_GENERIC


def test_concepts_are_narrow() -> None:
    # Price, reimbursement and RVUs are separate questions that materials answer separately.
    payment, reimbursement, rvu = (set(concept_terms(c)) for c in ("payment", "reimbursement", "rvu"))
    assert not payment & reimbursement and not payment & rvu and not reimbursement & rvu
    assert "RVU" in rvu and "fee schedule" in payment
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
    ],
)
def test_generic_words_do_not_trigger_concepts(lang: str, question: str, absent: str | None) -> None:
    found = concepts_in(question, lang)
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
