"""Metric functions on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    Outcome,
    citation_correct,
    diagnose,
    fold,
    is_relevant,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    score,
    score_by_language,
    threshold_failures,
)

EVIDENCE = ("report the dilation code with a primary procedure",)


def outcome(**kw: object) -> Outcome:
    base: dict = {
        "id": "q",
        "lang": "en",
        "answerable": True,
        "evidence": EVIDENCE,
        "contains": ("primary",),
        "gold_verdict": None,
        "refused": False,
        "answer": "",
        "verdict": None,
        "citations": (),
        "retrieved": (),
        "latency_ms": 10.0,
        "language": "en",
    }
    base.update(kw)
    return Outcome(**base)


def test_fold_collapses_whitespace_and_case() -> None:
    assert fold("  Add-On\n\tCODE  here ") == "add-on code here"


def test_relevance_folds_case_and_whitespace() -> None:
    text = "Always REPORT the dilation\n code   with a primary procedure, never alone."
    assert is_relevant(text, EVIDENCE)
    assert not is_relevant("report the dilation code alone", EVIDENCE)
    assert not is_relevant("anything", [])
    assert not is_relevant("anything", [""])  # an empty passage must not match everything


def test_recall_at_k() -> None:
    rels = [False, False, True, False, False]
    assert recall_at_k(rels, 1) == 0.0
    assert recall_at_k(rels, 3) == 1.0
    assert recall_at_k(rels, 5) == 1.0
    assert recall_at_k([], 5) == 0.0
    with pytest.raises(ValueError):
        recall_at_k(rels, 0)


def test_mrr_at_k() -> None:
    assert mrr_at_k([False, False, True, True], 5) == pytest.approx(1 / 3)
    assert mrr_at_k([True], 5) == 1.0
    assert mrr_at_k([False] * 5 + [True], 5) == 0.0  # rank 6 is outside the cut-off


def test_ndcg_at_k_binary() -> None:
    # relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k([False, True, False, True, False], 5) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([True, False, False], 5) == 1.0
    assert ndcg_at_k([False, False, False, False, True], 5) == pytest.approx(1 / math.log2(6))
    assert ndcg_at_k([False] * 5, 5) == 0.0


def test_citation_correct_by_quote_or_chunk() -> None:
    chunk = "Billing note. Report the dilation code with a primary procedure. More text."
    assert citation_correct("Report the dilation code with a primary procedure.", None, EVIDENCE)
    assert citation_correct("Billing note.", chunk, EVIDENCE)
    assert not citation_correct("Billing note.", "Billing note. Unrelated.", EVIDENCE)
    assert not citation_correct("Billing note.", None, EVIDENCE)


def test_percentile_linear_interpolation() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)  # 30 + 0.85 * 10
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) is None


def test_score_hand_computed_set() -> None:
    good_chunk = ("c1", "Note: report the dilation code with a primary procedure.")
    other = ("c2", "Something else entirely.")
    outcomes = [
        # 1: correct fact, relevant at rank 2, one right and one wrong citation
        outcome(
            id="a",
            answer="Report it with a PRIMARY procedure [1].",
            citations=(("c1", "report the dilation code"), ("c2", "Something else")),
            retrieved=(other, good_chunk),
            latency_ms=10.0,
        ),
        # 2: answerable but refused (false refusal), nothing relevant retrieved
        outcome(id="b", refused=True, retrieved=(other,), latency_ms=20.0),
        # 3: unanswerable, refused (true positive)
        outcome(id="c", answerable=False, evidence=(), contains=(), refused=True, latency_ms=30.0),
        # 4: unanswerable, answered (false negative)
        outcome(
            id="d",
            answerable=False,
            evidence=(),
            contains=(),
            answer="x",
            citations=(("c2", "Something else"),),
            retrieved=(other,),
            latency_ms=40.0,
        ),
        # 5: claim question, verdict right, evidence retrieved at rank 1
        outcome(
            id="e",
            contains=(),
            gold_verdict="not_allowed",
            verdict="not_allowed",
            retrieved=(good_chunk,),
            latency_ms=50.0,
            language="de",
        ),
    ]
    s = score(outcomes)
    assert s["n"] == 5 and s["n_retrieval"] == 3 and s["n_facts"] == 2 and s["n_claims"] == 1
    assert s["recall@1"] == pytest.approx(1 / 3)  # only e
    assert s["recall@3"] == pytest.approx(2 / 3)  # a and e
    assert s["mrr@5"] == pytest.approx((0.5 + 0 + 1) / 3)
    assert s["citation_precision"] == pytest.approx(1 / 2)  # d's citation is not judged
    assert s["citation_recall"] == pytest.approx(1 / 3)
    assert s["contains_accuracy"] == pytest.approx(1 / 2)  # a yes, b (refused) no
    assert s["verdict_accuracy"] == 1.0
    assert s["refusal_precision"] == pytest.approx(1 / 2)  # b and c refused, c right
    assert s["refusal_recall"] == pytest.approx(1 / 2)  # c refused, d not
    assert s["refusal_f1"] == pytest.approx(1 / 2)
    assert s["false_refusal_rate"] == pytest.approx(1 / 3)  # b of a, b, e
    assert s["fact_accuracy"] == pytest.approx(1 / 2)  # a of a, b
    assert s["language_accuracy"] == pytest.approx(4 / 5)
    assert s["latency_p50_ms"] == 30.0
    assert s["latency_p95_ms"] == pytest.approx(48.0)


def test_fact_needs_correct_citation_and_contains() -> None:
    chunk = ("c1", "report the dilation code with a primary procedure")
    no_cite = outcome(answer="primary", retrieved=(chunk,))
    wrong_text = outcome(answer="secondary", citations=(("c1", "report"),), retrieved=(chunk,))
    ok = outcome(answer="primary", citations=(("c1", "report"),), retrieved=(chunk,))
    assert [o.fact_ok() for o in (no_cite, wrong_text, ok)] == [False, False, True]
    assert diagnose(no_cite) == "no citation"
    assert diagnose(wrong_text) == "answer lacks 'primary'"
    assert diagnose(ok) is None


def test_empty_denominators_are_none() -> None:
    s = score([outcome(answerable=False, evidence=(), contains=(), refused=False)])
    assert s["fact_accuracy"] is None and s["verdict_accuracy"] is None
    assert s["recall@5"] is None and s["refusal_precision"] is None
    assert s["refusal_recall"] == 0.0 and s["false_refusal_rate"] is None


def test_score_by_language_splits() -> None:
    out = score_by_language([outcome(id="1", lang="es"), outcome(id="2", lang="en")])
    assert list(out) == ["all", "en", "es"]
    assert out["all"]["n"] == 2 and out["es"]["n"] == 1


def test_threshold_failures() -> None:
    scores = {"fact_accuracy": 0.8, "false_refusal_rate": 0.2, "verdict_accuracy": None}
    assert threshold_failures(scores, {"fact_accuracy": 0.8}, {"false_refusal_rate": 0.2}) == []
    fails = threshold_failures(
        scores, {"fact_accuracy": 0.9, "verdict_accuracy": 1.0}, {"false_refusal_rate": 0.1}
    )
    assert len(fails) == 3 and fails[0].startswith("fact_accuracy = 0.800 < 0.9")
