"""Evidence selection over hand-made search results: which sentence is quoted first."""

from __future__ import annotations

from knowledge.models import Chunk
from retrieval.answer import select_evidence
from retrieval.lexical import Sentence
from retrieval.search import Evidence, SearchResult

NEWS = "Code 61270 has a 090 global period. Both widget codes carry a 010 global period."
PAGE = "Category: I | Global period: 000 | MUE: 1"


def _evidence(chunk: Chunk, sentence: str, score: float) -> Evidence:
    start = chunk.text.index(sentence)
    return Evidence(Sentence(chunk, start, start + len(sentence)), score=score)


def _result(section: str = "") -> SearchResult:
    news = Chunk(chunk_id="n", doc_id="news", source="news.md", position=0, text=NEWS,
                 start=0, end=len(NEWS), meta={"section": section} if section else {})
    page = Chunk(chunk_id="p", doc_id="page", source="61260.html", position=0, text=PAGE,
                 start=0, end=len(PAGE), meta={"section": "61260 Widget repair"})
    return SearchResult(sentences=[
        _evidence(news, "Code 61270 has a 090 global period.", 0.05),
        _evidence(news, "Both widget codes carry a 010 global period.", 0.045),
        _evidence(page, PAGE, 0.03),
    ])


def test_sentences_about_other_codes_only_come_after_the_rest() -> None:
    # The first names 61270 only; the second names no code in a passage about 61270 only.
    chosen = select_evidence(_result(), codes=frozenset({"61260"}))
    assert chosen[0].sentence.text == PAGE
    # Without a code in the question, the search's order stands.
    plain = select_evidence(_result())
    assert plain[0].sentence.text.startswith("Code 61270")


def test_a_heading_naming_the_code_keeps_its_sentences_about_it() -> None:
    chosen = select_evidence(_result(section="Notes on 61260"), codes=frozenset({"61260"}))
    assert chosen[0].sentence.text.startswith("Code 61270")


def test_a_short_list_item_or_labelled_value_is_quoted_a_heading_is_not() -> None:
    text = "Quick facts\n- Work RVU: 1.94\nMUE per day: 2\n4. Not covered:\nRelative values"
    chunk = Chunk(chunk_id="q", doc_id="d", source="page.html", position=0, text=text,
                  start=0, end=len(text))
    lines = text.split("\n")
    result = SearchResult(sentences=[_evidence(chunk, line, 0.05 - i * 0.001)
                                     for i, line in enumerate(lines)])
    chosen = [e.sentence.text for e in select_evidence(result, limit=5)]
    assert chosen == ["- Work RVU: 1.94", "MUE per day: 2"]


def test_a_sentence_with_the_kind_of_number_asked_leads_from_deeper_in_the_pool() -> None:
    lines = [f"Widget note {i} says nothing of timing." for i in range(8)]
    lines.append("Stop the widget pills 36 hours before the visit.")
    text = "\n".join(lines)
    chunk = Chunk(chunk_id="m", doc_id="d", source="leaflet.md", position=0, text=text,
                  start=0, end=len(text))
    result = SearchResult(sentences=[_evidence(chunk, line, 0.05 - i * 0.002)
                                     for i, line in enumerate(lines)])
    chosen = select_evidence(result, measures=frozenset({"hours"}))
    assert chosen[0].sentence.text.startswith("Stop the widget pills 36 hours")
    # Asked for no number, the search's order stands.
    assert select_evidence(result)[0].sentence.text.startswith("Widget note 0")


def test_the_row_of_the_code_leads_over_a_list_naming_it_among_others() -> None:
    text = ("(Use 61299 in conjunction with 61230, 61235, 61240, 61245, 61250, 61255)\n"
            "Code: 61240 | Summary: Widget exchange | Approach: Through the side port")
    chunk = Chunk(chunk_id="r", doc_id="d", source="manual.docx", position=0, text=text,
                  start=0, end=len(text))
    lines = text.split("\n")
    result = SearchResult(sentences=[_evidence(chunk, lines[0], 0.05),
                                     _evidence(chunk, lines[1], 0.045)])
    chosen = select_evidence(result, codes=frozenset({"61240"}))
    assert chosen[0].sentence.text.startswith("Code: 61240 |")


def test_the_codes_own_row_leads_from_deeper_over_an_example_naming_it_with_another() -> None:
    lists = [f"(Use 6129{i} in conjunction with 61230, 61235, 61240, 61245)" for i in range(5)]
    example = "Answer: 61240-LT and 61299-LT."
    other = "Code: 61235 | Summary: Widget removal | Approach: Through the front port"
    row = "Code: 61240 | Summary: Widget exchange | Approach: Through the side port"
    lines = [*lists, example, other, row]
    text = "\n".join(lines)
    chunk = Chunk(chunk_id="x", doc_id="d", source="manual.docx", position=0, text=text,
                  start=0, end=len(text))
    # The row is eighth, scoring within 0.8 of the best: it leads.
    result = SearchResult(sentences=[_evidence(chunk, line, 0.10 - i * 0.002)
                                     for i, line in enumerate(lines)])
    assert select_evidence(result, codes=frozenset({"61240"}))[0].sentence.text == row
    # Far below the best, it does not.
    weak = SearchResult(sentences=[*result.sentences[:-1], _evidence(chunk, row, 0.05)])
    assert select_evidence(weak, codes=frozenset({"61240"}))[0].sentence.text == example


def test_a_second_unit_with_the_kind_of_number_asked_is_quoted_with_the_first() -> None:
    lines = [
        "Northfield widget leaflet: you cannot drive for 24 hours after the widget visit.",
        "Bring a friend to the widget visit.",
        "Call the widget desk with questions.",
        "Harbor Mutual leaflet: do not drive for 12 hours after the widget visit.",
        "Code 61250 is paid at $40.00 per widget.",
    ]
    text = "\n".join(lines)
    chunk = Chunk(chunk_id="h", doc_id="d", source="leaflets.md", position=0, text=text,
                  start=0, end=len(text))
    result = SearchResult(sentences=[_evidence(chunk, line, 0.05 - i * 0.002)
                                     for i, line in enumerate(lines)])
    chosen = [e.sentence.text for e in select_evidence(result, measures=frozenset({"hours"}))]
    # The other leaflet's hours come second; the nearer sentence holding none is quoted after.
    assert chosen == [lines[0], lines[3], lines[1]]
    assert [e.sentence.text for e in select_evidence(result)] == lines[:3]
    # A unit holding the number for another code only is not brought forward.
    paid = "Code 61240 is paid at $30.00 per widget."
    chunk2 = Chunk(chunk_id="k", doc_id="d2", source="fees.md", position=0, text=paid,
                   start=0, end=len(paid))
    priced = SearchResult(sentences=[_evidence(chunk2, paid, 0.06), *result.sentences])
    money = [e.sentence.text for e in select_evidence(
        priced, measures=frozenset({"money"}), codes=frozenset({"61240"}))]
    assert money == [paid, lines[0], lines[1]]
