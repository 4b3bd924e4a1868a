"""Passages that continue a quoted sentence: the rest of a list, of an example."""

from __future__ import annotations

import pytest

from knowledge.models import Chunk
from knowledge.sentences import split_sentences
from retrieval.lexical import Sentence
from retrieval.passages import list_block

TEXT = (
    "## When it is chosen\n\nThe usual reasons are these:\n\n- a stone of 3 cm or more\n"
    "- many small stones\n- a urethra too narrow for the scope\n\n## Who does it\n\n"
    "A urologist does it. Nobody else does."
)
CHUNK = Chunk(chunk_id="c1", doc_id="d1", source="s.md", position=0, text=TEXT, start=0,
              end=len(TEXT))


def sentence(prefix: str) -> Sentence:
    start, end = next((s, e) for s, e in split_sentences(TEXT) if TEXT[s:e].startswith(prefix))
    return Sentence(CHUNK, start, end)


def test_an_item_or_the_lead_in_brings_the_whole_list() -> None:
    want = ["The usual reasons are these:", "- a stone of 3 cm or more", "- many small stones",
            "- a urethra too narrow for the scope"]
    for prefix in ("The usual", "- a stone", "- many", "- a urethra"):
        assert [s.text for s in list_block(sentence(prefix))] == want


def test_a_sentence_outside_a_list_has_no_block() -> None:
    assert list_block(sentence("A urologist")) == []
    assert list_block(sentence("## Who")) == []


NESTED = (
    "Criteria for widget closure\n\n1. Repeat closure: a second widget on the same side.\n"
    "2. First closure, when all of the following apply:\na. The leak lasts 30 days or more\n"
    "b. Drainage has failed\n\nRequests go to the plan."
)


def test_an_item_that_opens_a_list_brings_its_own_items() -> None:
    chunk = Chunk(chunk_id="c2", doc_id="d2", source="p.pdf", position=0, text=NESTED, start=0,
                  end=len(NESTED))
    spans = split_sentences(NESTED)
    lead = next(Sentence(chunk, a, b) for a, b in spans if NESTED[a:b].startswith("2. First"))
    assert [s.text for s in list_block(lead)] == [
        "2. First closure, when all of the following apply:",
        "a. The leak lasts 30 days or more", "b. Drainage has failed"]
    # an item of the outer list still brings the whole list
    one = next(Sentence(chunk, a, b) for a, b in spans if NESTED[a:b].startswith("1. Repeat"))
    assert [s.text for s in list_block(one)] == [
        "1. Repeat closure: a second widget on the same side.",
        "2. First closure, when all of the following apply:",
        "a. The leak lasts 30 days or more", "b. Drainage has failed"]


def _view(text: str, cut: int):
    """A one-document view whose text is split into two chunks at ``cut``."""
    from knowledge.library import LibraryView
    from knowledge.models import SourceDocument

    doc = SourceDocument(doc_id="d2", source="ex.txt", content_hash="h", text=text)
    parts = [Chunk(chunk_id=f"k{i}", doc_id="d2", source="ex.txt", position=i, text=text[a:b],
                   start=a, end=b) for i, (a, b) in enumerate([(0, cut), (cut, len(text))])]
    return LibraryView(generation=1, documents=(doc,), chunks={c.chunk_id: c for c in parts},
                       document_rules=(), by_doc={"d2": tuple(parts)})


EXAMPLES = (
    "Coding notes\n\nReport the add-on with its primary code.\n\n"
    "Examples\n\nExample 1: A man has a narrowed ureter.The surgeon dilates it. "
    "Fluoroscopy guides the balloon. , A woman has recurrent stones and undergoes ureteroscopy. "
    "A stricture is found and dilated. The rest of the procedure can go on."
)


def _find(view, prefix: str) -> Sentence:
    for c in view.chunks.values():
        for s, e in split_sentences(c.text):
            if c.text[s:e].startswith(prefix):
                return Sentence(c, s, e)
    raise AssertionError(prefix)


def test_an_example_continues_to_its_end_and_into_the_next_chunk() -> None:
    from retrieval.passages import example_continuation, in_example

    view = _view(EXAMPLES, EXAMPLES.index("A stricture"))
    first = _find(view, "Example 1")
    assert in_example(view, first)
    assert [s.text for s in example_continuation(view, first)] == [
        "The surgeon dilates it.", "Fluoroscopy guides the balloon."]
    # " , " ends an item; the next one runs on into the second chunk.
    woman = _find(view, "A woman")
    assert in_example(view, woman)
    assert [s.text for s in example_continuation(view, woman)] == [
        "A stricture is found and dilated.", "The rest of the procedure can go on."]
    assert not in_example(view, _find(view, "Report the add-on"))


def test_the_label_a_question_gives_an_example() -> None:
    from retrieval.passages import example_label

    assert example_label("Sa Example A ng 99931, anong codes ang ni-report?") == "A"
    assert example_label("예시 1에서 무엇이 필요했나요?") == "1"
    assert example_label("In Example 2, which codes were reported?") == "2"
    assert example_label("Is 50706-59 x2 OK with 52341?") is None
    assert example_label("A 4 cm stone in example B?") is None  # two candidates: none
    # a measure is no label: "the example with the 4 cm stone" names no Example 4
    assert example_label("In the example with the 4 cm stone, what broke it?") is None
    assert example_label("Example B: was an 8 Fr catheter left in?") == "B"
    assert example_label("В примере с камнем 4 см что использовали?", "ru") is None
    assert example_label("例子里 4厘米 的结石用什么打碎？", "zh") is None


@pytest.mark.parametrize(
    ("lang", "question", "label"),
    [
        ("en", "Which codes were reported in the second example?", "2"),
        ("ru", "Какие коды указаны в первом примере?", "1"),
        ("zh", "第一个例子里报告了哪些代码？", "1"),
        ("ko", "첫 번째 예시에서 어떤 코드를 썼나요?", "1"),
        ("ar", "ما الرموز في المثال الأول؟", "1"),
        ("vi", "Trong ví dụ đầu tiên dùng mã nào?", "1"),
        ("de", "Welche Codes stehen im zweiten Beispiel?", "2"),
        ("tl", "Anong mga code sa unang halimbawa?", "1"),
        ("es", "¿Qué códigos se usan en el primer ejemplo?", "1"),
        ("fr", "Quels codes dans le premier exemple ?", "1"),
    ],
)
def test_an_ordinal_names_an_example_by_its_place(lang: str, question: str, label: str) -> None:
    from retrieval.passages import example_label

    assert example_label(question, lang) == label
    assert example_label(question) is None  # without the language, no ordinal is read


def test_a_sentence_label_covers_its_item_only() -> None:
    from retrieval.passages import in_example

    view = _view(EXAMPLES, EXAMPLES.index("A stricture"))
    assert in_example(view, _find(view, "The surgeon dilates"), label="1")
    assert in_example(view, _find(view, "The surgeon dilates"), label="A")  # the same place
    woman = _find(view, "A woman")  # after " , ": the next example, which has no label
    assert in_example(view, woman) and not in_example(view, woman, label="1")
    assert in_example(view, woman, label="2")  # "the second example" is told by its place
    assert in_example(view, _find(view, "A stricture is found"), label="2")


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        # under a plain heading, each paragraph is one example
        (("Notes\n\nReport the add-on with its primary code.\n\n## Examples\n\n"
          "A man has a stone. It is removed.\n\nA woman has two stones. Both are removed."),
         "It is removed", "Both are removed"),
        # labelled examples: "A" is the first, "B" the second
        (("Examples\n\nExample A: A man has a stone. Codes reported: 99910 and 99931.\n\n"
          "Example B: A woman has stones. Codes reported: 99920 and 99931."),
         "Example A", "Example B"),
    ],
)
def test_examples_are_told_apart_by_label_and_place(text: str, first: str, second: str) -> None:
    from retrieval.passages import in_example

    view = _view(text, len(text) // 2)
    a, b = _find(view, first), _find(view, second)
    assert in_example(view, a, label="1") and not in_example(view, a, label="2")
    assert in_example(view, a, label="A") and not in_example(view, a, label="B")
    assert in_example(view, b, label="b") and not in_example(view, b, label="1")


def test_a_title_line_brings_its_title_block() -> None:
    from retrieval.passages import title_block

    text = ("Example Health Plan (fictional)\nPolicy Note PN-12: Stent exchange\n"
            "Effective for dates of service on or after 1 May 2025\n\n"
            "Purpose\nThis note tells providers how the plan pays 99977. Units are capped.")
    view = _view(text, text.index("Units"))
    block = title_block(_find(view, "Policy Note PN-12"))
    assert [s.text for s in block] == [
        "Example Health Plan (fictional)", "Policy Note PN-12: Stent exchange",
        "Effective for dates of service on or after 1 May 2025"]
    assert title_block(_find(view, "This note tells")) == []  # a paragraph of sentences


FAQ = (
    "Reader mailbag\n\n"
    'Reader question: "Our surgeon removed a widget with forceps only. Is that 61240?"\n\n'
    "No. Forceps removal is reported with 61230. The 61240 code needs a snare.\n\n"
    "Q: Can 61235 be billed twice?\n\nA: Yes, once per side.\n\n"
    "Does 61230 cover the imaging? No. Imaging is 61235.\n\n"
    "Other news\n\nThe office moves in May."
)


def test_a_question_of_the_materials_comes_with_its_answer() -> None:
    from retrieval.passages import answer_to, is_asked

    view = _view(FAQ, FAQ.index("Q: Can"))
    reader = _find(view, "Reader question")
    assert is_asked(reader.text)  # labelled, though its first sentence ends with a full stop
    assert [s.text for s in answer_to(view, reader)] == [
        'Is that 61240?"', "No.", "Forceps removal is reported with 61230.",
        "The 61240 code needs a snare."]
    q = _find(view, "Q: Can")
    assert is_asked(q.text) and [s.text for s in answer_to(view, q)] == ["A: Yes, once per side."]
    inline = _find(view, "Does 61230")  # the answer in the question's own paragraph
    assert [s.text for s in answer_to(view, inline)] == ["No.", "Imaging is 61235."]
    assert not is_asked("The office moves in May.")


LONG = "Widget rules:\n\n" + "".join(
    f"- Rule {n}: widgets of class {n} are paid at {n}0 percent when the sleeve is documented "
    "in the record and the invoice is attached.\n" for n in range(1, 9)
)


def test_a_long_list_is_cut_around_the_item_asked_about() -> None:
    chunk = Chunk(chunk_id="c3", doc_id="d3", source="r.md", position=0, text=LONG, start=0,
                  end=len(LONG))
    spans = split_sentences(LONG)

    def block_of(prefix: str) -> list[str]:
        item = next(Sentence(chunk, a, b) for a, b in spans if LONG[a:b].startswith(prefix))
        return [s.text for s in list_block(item)]

    last = block_of("- Rule 8")
    assert last[-1].startswith("- Rule 8") and last[0] == "Widget rules:"
    assert sum(len(t) for t in last) <= 600 and len(last) < 9
    first = block_of("- Rule 1")
    assert first[:2] == ["Widget rules:", first[1]] and first[1].startswith("- Rule 1")
    middle = block_of("- Rule 5")
    assert any(t.startswith("- Rule 5") for t in middle)
