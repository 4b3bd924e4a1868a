"""Citations are numbered once per quote and only accepted when verbatim in their chunk."""

from __future__ import annotations

from knowledge.library import LibraryView
from knowledge.models import Chunk, Citation
from retrieval.citing import CitationList

TEXT = "First sentence here. Second one follows.It is glued."
CHUNK = Chunk(chunk_id="c1", doc_id="d", source="s.txt", position=0, text=TEXT, start=0,
              end=len(TEXT))
VIEW = LibraryView(generation=1, documents=(), chunks={"c1": CHUNK}, document_rules=())


def test_numbers_each_quote_once() -> None:
    cites = CitationList(VIEW)
    assert cites.add("c1", 0, 20) == 1
    assert cites.add("c1", 21, 40) == 2
    assert cites.add("c1", 0, 20) == 1
    assert [c.quote for c in cites.items] == ["First sentence here.", "Second one follows."]


def test_rejects_what_is_not_verbatim() -> None:
    cites = CitationList(VIEW)
    assert cites.add("missing", 0, 5) is None
    assert cites.add("c1", 10, 5) is None
    assert cites.add("c1", 0, len(TEXT) + 1) is None
    assert cites.add_quote("c1", "Second one follows") is not None
    assert cites.add_quote("c1", "Not in the text") is None


def test_repairs_stale_offsets_of_a_verbatim_quote() -> None:
    cites = CitationList(VIEW)
    n = cites.add_citation(Citation(n=7, source="s.txt", chunk_id="c1", quote="It is glued.",
                                    start=0, end=3))
    c = cites.items[n - 1]
    assert TEXT[c.start : c.end] == "It is glued." and c.n == 1


def test_a_quote_wrapped_mid_sentence_is_shown_on_one_line() -> None:
    from retrieval.citing import quote_block

    wrapped = "An echo dated within 180\ndays of the request, and a note\n(signed) by the surgeon."
    assert quote_block(wrapped, 1) == (
        "> An echo dated within 180 days of the request, and a note (signed) by the surgeon. [1]"
    )
    listed = "Bring:\n- your card\n- your list"
    assert quote_block(listed, 2) == "> Bring:\n> - your card\n> - your list [2]"
    assert quote_block("One sentence.\nAnother one.", 3) == "> One sentence.\n> Another one. [3]"
