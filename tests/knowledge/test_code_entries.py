"""Parenthetical notes belong to the code entry above them, as code books lay them out."""

from __future__ import annotations

from pathlib import Path

from knowledge.code_entries import entry_of
from knowledge.sentences import split_sentences
from retrieval.lexical import LexicalIndex, tokenize
from tests.support.library import library_of

BOOK = """99931 Injection for widget imaging, complete study

(Do not report 99931 in conjunction with 99935)

(For radiological supervision and interpretation, see 99938)

99933 Widget removal without imaging

A widget removed under imaging is reported with 99934 (see the note above).

(For the imaging, see 99939)
"""


def test_notes_point_at_their_entry_and_prose_breaks_the_entry() -> None:
    spans = split_sentences(BOOK)
    texts = [BOOK[s:e] for s, e in spans]
    heads = {texts[i]: texts[h] for i, h in entry_of(BOOK, spans).items()}
    assert heads == {
        "(Do not report 99931 in conjunction with 99935)": texts[0],
        "(For radiological supervision and interpretation, see 99938)": texts[0],
    }
    # the note after a prose sentence belongs to no entry
    assert "(For the imaging, see 99939)" not in heads


def test_lexical_index_reads_a_note_with_its_entry(tmp_path: Path, fake_embedder) -> None:
    with library_of(tmp_path, fake_embedder, book="# Widget chapter\n\n" + BOOK) as library:
        lex = LexicalIndex(library.view())
        note = "(For radiological supervision and interpretation, see 99938)"
        # found by the words of its entry, and counted as a unit about the entry's code
        hits = [s.text for s, _ in lex.search_sentences(tokenize("widget imaging interpretation"), 3)]
        assert hits[0] == note
        assert note in [s.text for s in lex.about_code("99931")]
        assert "(For the imaging, see 99939)" not in [s.text for s in lex.about_code("99933")]
