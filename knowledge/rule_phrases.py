"""Rule phrases in one sentence: which codes a sentence says are add-on, primary, excluded,
see-also or modifier-bearing, and for which subject code.

The subject is a code written before the rule phrase ("Use 99930 in conjunction with ...",
"Do not report 99930 with ...", "Code 99930 is an add-on code"); otherwise, when the sentence
refers back ("This code", "It", an imperative "(Use in conjunction with ...)"), the ``context``
code the caller passes (the code of the section the sentence sits in). A sentence with a noun
subject that is no code ("Imaging should be reported with ...") gives no rule.

What is read: add-on status (in words, or by the marks of code books and fee schedules: a
"+" opening a code's entry, the "(Use X in conjunction with ...)" parenthetical, a global
indicator of ZZZ; and an explicit stand-alone statement, kept as provenance rule
``stand_alone`` so that merging can flag a conflict), primary codes ("should be used with",
"Use X in conjunction with", "may be billed together with", "accepts X with"), excluded codes
(the same with a negation: not, never, cannot, denies, mutually exclusive), see-also lists
("For <situation>, use/see <codes>", the situation kept as ``when``), modifiers ("-50
(bilateral procedure)", "modifier RT") with the meaning given in parentheses, and what a
code's work includes or leaves to be reported separately (provenance rule ``included``: the
sentence only, for answers to point at). Two pairings are read from such sentences too: a code
whose work "is part of" / "is included in" another code is excluded with it, and a code that
"may be reported separately with" another may stand beside it (rule ``separate``). Codes are
exactly those written (``knowledge.codes``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from knowledge.codes import CODE_PATTERN, expand_range, find_codes, read_code_list

__all__ = ["SentenceRule", "points_to_code", "read_sentence"]

_I = re.IGNORECASE
_STAND_ALONE = re.compile(r"\bis\s+(?:a\s+stand-?\s?alone|not\s+an?\s+add-?\s?on)\b", _I)
_ADD_ON = [
    re.compile(r"\b(?:is|as)\s+an?\s+(?:\w+\s+)?add-?\s?on\s+(?:code|procedure|service|to)\b", _I),
    re.compile(r"\blist(?:ed)?\s+separately\s+in\s+addition\s+to\b", _I),
    re.compile(
        r"\b(?:must|should|shall|can|may|is\s+to|are\s+to)\s+(?:only\s+)?be\s+"
        r"(?:reported|billed|used|coded|listed|submitted)\s+(?:only\s+)?"
        r"(?:in\s+conjunction\s+with|together\s+with|along\s+with|with|in\s+addition\s+to)\s+"
        r"(?:(?:a|an|the|its|an\s+appropriate)\s+)?(?:code\s+for\s+(?:a\s+|the\s+)?)?"
        r"(?:primary|main|base|parent)\s+(?:procedure|service|code)",
        _I,
    ),
]
_LINK = re.compile(
    r"\b(?:in\s+conjunction\s+with|together\s+with|along\s+with|in\s+addition\s+to|with)\s+", _I
)
_VERB = re.compile(
    r"\b(?:use[ds]?|report(?:s|ed)?|bill(?:s|ed)?|coded|list(?:s|ed)?|submit(?:s|ted)?|"
    r"append(?:s|ed)?|assign(?:s|ed)?|reportable|billable|exclusive|accept(?:s|ed)?|"
    r"allow(?:s|ed)?|permit(?:s|ted)?|den(?:y|ies|ied)|disallow(?:s|ed)?)\b",
    _I,
)
_NEGATION = re.compile(
    r"\b(?:not|never|cannot|no|den(?:y|ies|ied)|disallow(?:s|ed)?|prohibit(?:s|ed)?)\b|n't\b|"
    r"\bmutually\s+exclusive\b",
    _I,
)
# Words that point back to the section's code: "This code", "It", "the add-on code".
_REFERENCE = re.compile(r"\b(?:it|this|the\s+(?:add-?\s?on\s+)?code|add-?\s?on\s+code)\b", _I)
_LEAD = re.compile(r"^[\s(\[*\u2022\-\u2013:]*(?:[A-Z][A-Za-z]*\s*:\s*)?", 0)
_IMPERATIVE = re.compile(
    r"^(?:(?:do\s+not|don't|never|not\s+to\s+be|only)\s+)?(?:use|report|bill|code|list|submit)\b",
    _I,
)
_SEE_ALSO = re.compile(
    r"^\W*(?:for|to\s+report)\s+(?P<when>.+?)\s*,?\s+(?:use|see|report|bill)\s+(?:also\s+)?"
    rf"(?=(?:(?:add-?on\s+)?(?:codes?|cpt|hcpcs)\s+)?{CODE_PATTERN}(?![0-9A-Za-z]))",
    _I,
)
# "Report 61236 rather than 61235", "use 61240 instead of ...": a code named in place of another.
_IN_PLACE = re.compile(
    rf"\b(?:report|use|bill|code)\s+(?:(?:cpt|hcpcs)\s+)?(?:codes?\s+)?{CODE_PATTERN}"
    r"[^.;]{0,80}?\b(?:rather\s+than|instead\s+of|in\s+place\s+of)\b"
    r"|\b(?:rather\s+than|instead\s+of)\b[^.;]{0,80}?\b(?:report|use|bill)\s+"
    rf"(?:(?:cpt|hcpcs)\s+)?(?:codes?\s+)?{CODE_PATTERN}"
    r"|\breported\s+(?:with|using|as)\s+(?:(?:cpt|hcpcs)\s+)?(?:codes?\s+)?"
    rf"{CODE_PATTERN}[^.;]{{0,40}}?\bnot\s+(?:with|as|by)\b",
    _I,
)
_MODIFIER_WORD = re.compile(r"\bmodifiers?\b", _I)
_MODIFIER = re.compile(
    r"(?:(?<![\w-])-\s?|\bmodifiers?\s+-?)(?P<m>[0-9A-Z]{2})(?![0-9A-Za-z])"
    r"(?:\s*\((?P<meaning>[^()]{2,80})\))?"
)
_SHORT_PREFIX_WORDS = 4
# What a code's work takes in, and what it leaves to be reported apart.
_INCLUDES = re.compile(
    r"\b(?:includes?|encompass(?:es)?|covers|bundles|consists\s+of|comprises)\b", _I
)
_MODAL = re.compile(r"\b(?:should|must|may|might|can|could|would|will|to)\s+(?:also\s+)?$", _I)
_INCLUDED_IN = re.compile(r"\b(?:is|are)\s+(?:all\s+|also\s+)?(?:not\s+)?included\s+in\s+", _I)
_APART = re.compile(
    r"\b(?:not\s+included|separately\s+(?:billable|reportable|reported|billed)|"
    r"(?:reported|billed|coded)\s+separately)\b",
    _I,
)
_PROCEDURE = re.compile(r"\b(?:the|this)\s+(?:procedure|service)\b", _I)
# "Do not report 99931 ..., because that work is part of 99945": one code's work inside another.
_BUNDLED = re.compile(
    r"\b(?:is|are)\s+(?:already\s+|all\s+|also\s+)?(?:(?:a\s+)?part\s+of|included\s+in|"
    r"bundled\s+(?:in|into|with))\s+(?:(?:the\s+)?(?:work|code|service)\s+(?:of|for)\s+)?",
    _I,
)
_SEPARATELY_END = re.compile(r"\bseparately\s*$", _I)
# "... may be reported separately with 99910": a code the materials let stand beside this one.
_SEPARATE = re.compile(
    r"\b(?:(?:reported|billed|coded)\s+separately|separately\s+(?:reportable|billable))\s+"
    r"(?:with|using|as)\s+(?:(?:cpt\s+)?codes?\s+)?",
    _I,
)


class SentenceRule(NamedTuple):
    """One rule a sentence states: ``kind`` for ``subjects`` with ``codes`` (and extras)."""

    kind: str
    subjects: tuple[str, ...]
    codes: tuple[str, ...] = ()
    when: str = ""
    modifiers: tuple[tuple[str, str], ...] = ()
    values: tuple[str, ...] = ()  # a unit limit's count; a pair edit's indicator and dates


def _last_list(text: str) -> list[str]:
    """The codes of the last code list written in ``text`` (the subject of what follows)."""
    found: list[str] = []
    pos = 0
    for code, start, _ in find_codes(text):
        if start < pos:
            continue
        lst = read_code_list(text, start)
        found, pos = lst.codes, lst.end
    return found


def _refers_back(prefix: str) -> bool:
    bare = _LEAD.sub("", prefix)
    return bool(_REFERENCE.search(prefix) or _IMPERATIVE.match(bare))




def _pair_rules(sentence: str, context: str | None) -> list[SentenceRule]:
    """'X should (not) be reported with LIST' and its imperative forms."""
    rules: list[SentenceRule] = []
    clause_start = 0
    previous: tuple[str, ...] = ()
    for link in _LINK.finditer(sentence):
        if link.start() < clause_start:
            continue
        listed = read_code_list(sentence, link.end())
        if not listed.codes:
            continue
        prefix = sentence[clause_start : link.start()]
        prefix = prefix[prefix.rfind(";") + 1 :]
        subjects: tuple[str, ...] = tuple(_last_list(prefix))
        if not _VERB.search(prefix):
            # "Use 99901 with 99902, not with 99903": a short clause inherits the subject.
            if not previous or len(prefix.split()) > _SHORT_PREFIX_WORDS:
                clause_start = listed.end
                continue
            subjects = subjects or previous
        elif not subjects:
            if context is None or not _refers_back(prefix):
                clause_start = listed.end
                continue
            subjects = (context,)
        negated = bool(_NEGATION.search(prefix))
        if not negated and _SEPARATELY_END.search(prefix):
            # "99966 may be billed separately with 99960" names no primary: ``_separate``.
            previous, clause_start = subjects, listed.end
            continue
        kind = "excluded" if negated else "primary"
        gapped = _gapped_subject(sentence, link.end(), listed.end)
        codes = tuple(c for c in listed.codes if c not in subjects and c != gapped)
        if codes:
            rules.append(SentenceRule(kind, subjects, codes))
        previous, clause_start = ((gapped,) if gapped else subjects), listed.end
    return rules


_RANGE_BEFORE = re.compile(r"(?:-|\u2013|\u2014|\bthrough|\bthru)\s*$", _I)


def _gapped_subject(sentence: str, start: int, end: int) -> str | None:
    """The last code of the list ``sentence[start:end]`` when it opens the next, verbless
    clause ("17312 is used with 17311, 17314 only with 17313": 17314 is no partner of 17312,
    it is what "only with 17313" is said of); None otherwise."""
    written = find_codes(sentence[start:end])
    nxt = _LINK.search(sentence, end)
    if len(written) < 2 or nxt is None:
        return None
    gap = sentence[end : nxt.start()]
    code, at, _ = written[-1]
    before = sentence[start : start + at]
    if (
        len(gap.split()) > _SHORT_PREFIX_WORDS
        or _VERB.search(gap)
        or find_codes(gap)
        or _RANGE_BEFORE.search(before)
        or not re.search(r",\s*(?:and\s+)?$", before)
    ):
        return None
    return code


def _inclusion(sentence: str, context: str | None) -> list[SentenceRule]:
    """What a code includes ("99945 includes ...", "The procedure encompasses ...", "...
    are all included in 99945") or leaves apart ("... is separately billable"): the sentence
    is kept as provenance rule ``included``; nothing else is read from it."""
    m = _INCLUDED_IN.search(sentence)
    if m is not None:
        listed = read_code_list(sentence, m.end())
        if listed.codes:
            return [SentenceRule("included", tuple(listed.codes))]
    m = _INCLUDES.search(sentence)
    if m is not None and not _MODAL.search(sentence[: m.start()]):
        prefix = sentence[: m.start()]
        subjects = tuple(_last_list(prefix))
        if not subjects and context and (_refers_back(prefix) or _PROCEDURE.search(prefix)):
            subjects = (context,)
        if subjects:
            return [SentenceRule("included", subjects)]
    if _APART.search(sentence) and context:
        # "A diagnostic look ... may be reported separately with 99910": the code named is
        # what is reported apart; the sentence is about the section's code.
        return [SentenceRule("included", (context,))]
    return []


def _bundled(sentence: str) -> list[SentenceRule]:
    """A code whose work is part of another code ("Do not report 99931 for ..., because that
    work is part of 99945", "99910 is included in 99945"): the two are excluded together. The
    rule belongs to the code that takes the work in (the sentence is about what 99945 holds)."""
    m = _BUNDLED.search(sentence)
    if m is None:
        return []
    listed = read_code_list(sentence, m.end())
    inside = tuple(sorted({c for c, _, _ in find_codes(sentence[: m.start()])} - set(listed.codes)))
    if not listed.codes or not inside:
        return []
    return [SentenceRule("excluded", tuple(listed.codes), inside)]


def _separate(sentence: str, context: str | None) -> list[SentenceRule]:
    """'A diagnostic look ... may be reported separately with 99910' (in 99945's section):
    99910 may stand on a claim beside 99945. A negated sentence states no such rule."""
    m = _SEPARATE.search(sentence)
    if m is None or _NEGATION.search(sentence[: m.start()]):
        return []
    listed = read_code_list(sentence, m.end())
    named = tuple(sorted({c for c, _, _ in find_codes(sentence[: m.start()])} - set(listed.codes)))
    subjects = named or ((context,) if context else ())
    codes = tuple(c for c in listed.codes if c not in subjects)
    return [SentenceRule("separate", subjects, codes)] if subjects and codes else []


# Add-on status as code books and fee schedules mark it: a "+" right before a code that opens
# an entry ("+99931 Laser fragmentation ...", "- +99932 ...", "Code: +99933 | ..."); the CPT
# parenthetical that only add-on codes carry ("(Use 99931-99933 in conjunction with ...)");
# a global indicator of ZZZ or "global concept does not apply" stated for one code.
_PLUS = re.compile(rf"(?:^[\s\-*•·]*|[:|]\s*)\+\s?({CODE_PATTERN})(?![0-9A-Za-z])")
_USE_PARENTHETICAL = re.compile(
    rf"^\(\s*use\s+({CODE_PATTERN})(?:\s*(?:-|\u2013|\u2014|\s+through\s+)\s*({CODE_PATTERN}))?"
    rf"\s+in\s+conjunction\s+with\b",
    _I,
)
_ZZZ = re.compile(r"\bZZZ\b|\bglobal\s+concept\s+does\s+not\s+apply\b", _I)


# In running text the mark is glued to the code after a word or another marked code ("is
# reported with +99931", "+99931, +99932 or +99933"); after a bare code, "+" joins two codes
# of a claim ("99910 +99931", "99910 + 99931").
_PLUS_IN_TEXT = re.compile(
    rf"(?:(?<=[^\W\d_]\s)|(?<=[^\W\d_]\s\()|(?<=\d,\s)|(?<=\d\sor\s)|(?<=\d\sand\s))"
    rf"\+({CODE_PATTERN})(?![0-9A-Za-z])"
)


def _glued_plus(sentence: str) -> list[str]:
    codes: list[str] = []
    for m in _PLUS_IN_TEXT.finditer(sentence):
        before = sentence[: m.start()].rstrip(" ,(").removesuffix(" or").removesuffix(" and")
        tail = re.search(rf"(\+?)({CODE_PATTERN})$", before.rstrip(" ,"))
        if tail is not None and not tail.group(1):
            continue  # "99910, +99931": a list of a bare code and a marked one is no convention
        codes.append(m.group(1).upper())
    return codes


def _marked_add_on(sentence: str) -> list[SentenceRule]:
    """The add-on codes a sentence marks by the book's conventions (see ``_PLUS``)."""
    codes: list[str] = [m.group(1).upper() for m in _PLUS.finditer(sentence)]
    codes += _glued_plus(sentence)
    use = _USE_PARENTHETICAL.match(sentence.strip())
    if use is not None:
        codes += expand_range(use.group(1), use.group(2)) if use.group(2) else [use.group(1)]
    if _ZZZ.search(sentence):
        named = sorted({c for c, _, _ in find_codes(sentence)})
        if len(named) == 1:
            codes += named
    found = tuple(dict.fromkeys(c.upper() for c in codes))
    return [SentenceRule("add_on", found)] if found else []


# "report 99991 and 99992 with modifier -59 or -XS appended to 99991", "(99986 ...) report
# 99986 with modifier -59" in 99982's section: the codes stand together on a claim when a
# distinct-service modifier marks the separate service.
_WITH_DISTINCT = re.compile(
    r"\b(?:report(?:s|ed)?|bill(?:s|ed)?|cod(?:e|ed)|list(?:ed)?|append(?:ed)?)\b[^.;]*?"
    r"\bwith\s+(?:the\s+|an?\s+)?(?:ncci-associated\s+)?modifiers?\s+-?(?:59|X[EPSU])\b",
    _I,
)
_MAX_PAIRED = 3
_NEAR_NEGATION = 12  # characters before the verb where "do not", "never" negate it


def _with_modifier(sentence: str, context: str | None) -> list[SentenceRule]:
    """Codes the sentence lets be reported together when a distinct-service modifier is on
    the claim (rule ``separate_modifier``): the codes it names (two or three), or its one code
    and the section's code. A negated sentence states no such rule."""
    m = _WITH_DISTINCT.search(sentence)
    if m is None or _NEGATION.search(sentence[max(0, m.start() - _NEAR_NEGATION) : m.end()]):
        return []  # "do not report ... with modifier 59"; "no prior pathology" is no negation
    named = sorted({c for c, _, _ in find_codes(sentence)})
    if len(named) == 1 and context and context != named[0]:
        named = sorted({context, named[0]})
    if not 2 <= len(named) <= _MAX_PAIRED:
        return []
    return [SentenceRule("separate_modifier", tuple(named), tuple(named))]


# A question states nothing ("Q: Can 99978 be billed with 99971 when ...?"), nor does a table
# cell or a lead label naming an error ("Common error: billed with 99942 ...", "Mistake: ...").
_QUESTION = re.compile(r"^\W*(?:Q|Question)\s*[:.]|\?[\s\"')\]]*$", _I)
_ERROR_LABEL = re.compile(r"\b(?:errors?|mistakes?|pitfalls?|wrong|incorrect(?:ly)?)\b", _I)
_LABEL = re.compile(r"^\s*([^:|]{1,60}):")


def _stated(sentence: str) -> str:
    """What ``sentence`` states: nothing for a question; a table row or labelled sentence
    without the cells whose label names an error."""
    if _QUESTION.search(sentence):
        return ""
    cells = sentence.split(" | ")
    kept = [c for c in cells if not ((m := _LABEL.match(c)) and _ERROR_LABEL.search(m.group(1)))]
    return " | ".join(kept) if len(kept) < len(cells) else sentence


def points_to_code(sentence: str) -> bool:
    """``sentence`` sends the reader to a code for some work: "(For burns, see 61300)",
    "report 61236 rather than 61235". It answers "which code do I use for ...?"."""
    return bool(_SEE_ALSO.match(sentence) or _IN_PLACE.search(sentence))


def read_sentence(sentence: str, context: str | None) -> list[SentenceRule]:
    """The rules one sentence states; ``context`` is the code of the section it sits in.
    A question, and a cell or sentence labelled as an error, state none."""
    sentence = _stated(sentence)
    if not sentence:
        return []
    rules = (
        _pair_rules(sentence, context)
        + _bundled(sentence)
        + _separate(sentence, context)
        + _inclusion(sentence, context)
        + _with_modifier(sentence, context)
    )
    # An explicit "is not an add-on" wins over the add-on phrases it contains.
    for kind, pattern in [("stand_alone", _STAND_ALONE), *(("add_on", p) for p in _ADD_ON)]:
        m = pattern.search(sentence)
        if m is None:
            continue
        subjects = tuple(_last_list(sentence[: m.start()])) or ((context,) if context else ())
        if subjects:
            rules.append(SentenceRule(kind, subjects))
        break
    see = _SEE_ALSO.match(sentence)
    if see is not None and context is not None:
        listed = read_code_list(sentence, see.end())
        when = see.group("when").strip(" ,")
        rules.append(SentenceRule("see_also", (context,), tuple(listed.codes), when=when))
    if _MODIFIER_WORD.search(sentence):
        mods = tuple(
            (m.group("m"), (m.group("meaning") or "").strip()) for m in _MODIFIER.finditer(sentence)
        )
        named = sorted({c for c, _, _ in find_codes(sentence)})
        subjects = tuple(named) if len(named) == 1 else ((context,) if context else ())
        if mods and subjects:
            rules.append(SentenceRule("modifier", subjects, modifiers=mods))
    # A sentence marking its code "+" and saying "List separately ..." states one rule.
    added = {c for r in rules if r.kind == "add_on" for c in r.subjects}
    marked = [c for r in _marked_add_on(sentence) for c in r.subjects if c not in added]
    if marked:
        rules.append(SentenceRule("add_on", tuple(marked)))
    return rules
