"""Claim questions: recognise them, get the verdict from the rule module, and say it cited."""

from __future__ import annotations

import re

from knowledge.claims import (
    DISTINCT_SERVICE_MODIFIERS,
    FindingParams,
    called_stand_alone,
    check_claim,
    explain_claim,
    parse_claim,
    verdict_from,
)
from knowledge.errors import ClaimError
from knowledge.library import LibraryView
from knowledge.models import AuditFinding, Chunk, CodeRules, DocumentRules, Provenance, Verdict
from knowledge.rule_merge import merge_rules
from retrieval.citing import CitationList, quote_block
from retrieval.glossary import is_scope_concept
from retrieval.hints import names_other_work
from retrieval.messages import message
from retrieval.query import Question
from retrieval.wording import GAP as _GAP
from retrieval.wording import asks_open, steering_words, words_for
from retrieval.wording import found as _found

__all__ = ["asks_beyond_verdict", "claim_lines_of", "states_alone", "verdict_answer"]

_NEAR = 14  # characters either side of the code where an "only" word counts
_BEFORE = 8  # "单独报 50706": an 'alone' word this close before the code is about the code
_LIST_QUESTIONS = frozenset({"exclusion", "primary_procedure", "see_also", "modifier", "add_on_code"})
# "Does 50706 only cover the dilation?": "only" is about what the code includes.
_CONTENT_QUESTIONS = frozenset({"included", "description"})


def states_alone(text: str) -> bool:
    """True when material ``text`` speaks of a code reported alone ("It is never reported by
    itself"): the rule a claim of one add-on code turns on."""
    lowered = text.lower()
    # Literal phrases only: "no … primary code" is how a question describes a claim.
    return any(_found(w, lowered) for w in steering_words("alone").get("en", ()) if _GAP not in w)


def asks_beyond_verdict(question: Question) -> bool:
    """A claim question asking for something other than yes or no ("what edit code does the
    plan give when 99931 is billed without 99910?"): a question word of its language (or
    English) is in it."""
    return asks_open(question.text, question.language)


def _says_alone(question: Question) -> bool:
    """'Alone'/'by itself' anywhere, or 'only' written right next to the code."""
    text = question.text.lower()
    for words in steering_words("alone").values():  # any language: short questions are misdetected
        if any(_found(w, text) for w in words):
            return True
    near = _around_code(question, _NEAR)
    if near is None or any(c in _LIST_QUESTIONS or c in _CONTENT_QUESTIONS
                           for c in question.concepts):
        return False  # "which codes are excluded with 50706 only?" asks for a list
    if any(_found(w, near) for words in steering_words("only").values() for w in words):
        return True
    # "We only have 99931-52 on the claim": a code written as a claim line makes "only"
    # (anywhere) about what is on the claim.
    return _written_as_claim_line(question) and "description" not in question.concepts and any(
        _found(w, text) for words in steering_words("only").values() for w in [*words, "only"]
    )


def claim_lines_of(question: Question, view: LibraryView) -> list[str] | None:
    """The claim lines to check when ``question`` is a claim question, else None.

    Two or more codes make a claim; one code makes one when it is written with units and the
    materials give its unit limit ("99951x4?"), or when the question asks about reporting it
    alone ("can 99951 be billed by itself?") and the materials rule on that: it is an add-on,
    or they call it stand-alone.
    """
    if set(question.ranged_codes) >= set(question.codes):
        return None  # "11042-11047 or other codes?": a family named, no claim
    if len(question.codes) >= 2:
        alone = [c for c in question.codes if _alone_at_code(question, c)]
        absent = _written_without(question)
        if len(alone) == 1:  # "Can I bill 99931 by itself when 99910 was not coded?"
            absent = set(question.codes) - set(alone)
        lines = [ln for ln in question.claim_lines if ln[:5].upper() not in absent]
        return lines or list(question.claim_lines)
    if len(question.codes) == 1 and (_has_units(question) or _says_alone(question)):
        code = question.codes[0]
        rules = {r.code: r for r in claim_rules(view, {code})[0]}
        if code in rules and rules[code].unit_limit is not None and _has_units(question):
            return list(question.claim_lines)  # "99951x4 on one date?": its unit limit decides
        if (
            code in rules
            and (rules[code].add_on or called_stand_alone(rules[code]))
            and _says_alone(question)
            and (_written_as_claim_line(question) or _alone_at_code(question)
                 or not names_other_work(question))
            and not any(is_scope_concept(c) for c in question.concepts)
        ):
            return list(question.claim_lines)
    return None


_WITHOUT_WORDS = 3  # "99931 sans mettre 99910": a 'without' word this many words before
_WITHOUT_CHARS = 8  # "没有报99910", "99910 없이": this close where words are not spaced


def _written_without(question: Question) -> set[str]:
    """The codes the question says are not on the claim ("99931 without 99910", "sans 99910",
    "ohne 99910", "99910 없이"): a 'without' word right before the code (or, in Korean, after)."""
    text = question.text.lower()
    mine = words_for("without", question.language)
    absent: set[str] = set()
    for code in question.codes:
        at = text.find(code.lower())
        if at < 0:
            continue
        before = text[:at]
        spaced = " ".join(before.split()[-_WITHOUT_WORDS:])
        after = text[at + 5 : at + 5 + _WITHOUT_CHARS] if question.language == "ko" else ""
        near = f"{spaced} {before[-_WITHOUT_CHARS:]} {after}"
        if any(_found(w, spaced if w.isascii() else near) for w in mine):
            absent.add(code)
    return absent


def _alone_at_code(question: Question, code: str | None = None) -> bool:
    """An 'alone' word written right next to the code (the first one, or ``code``: "想单独报
    99931", "99931 by itself"): it is about the code, whatever other work the question names."""
    near = _around_code(question, _BEFORE, code)
    return near is not None and any(
        _found(w, near) for words in steering_words("alone").values() for w in words
    )


def _around_code(question: Question, before: int, code: str | None = None) -> str | None:
    """The lower-cased text just around the question's first code (or ``code``; ``before``
    characters before it, ``_NEAR`` after), or None when the code is not written in it."""
    text = question.text.lower()
    code = (code or (question.codes[0] if question.codes else "")).lower()
    at = text.find(code) if code else -1
    if at < 0:
        return None
    return text[max(0, at - before) : at] + " " + text[at + len(code) : at + len(code) + _NEAR]


def _has_units(question: Question) -> bool:
    """A claim line written with a unit count ("99951x4")."""
    return any(re.search(r"x\d+$", line) for line in question.claim_lines)


def _written_as_claim_line(question: Question) -> bool:
    """A code written with a modifier or units ("99931-52", "50706 x2") is a claim line: "only"
    is then about the claim, whatever other work the question names."""
    return any(line != code for line, code in zip(question.claim_lines, question.codes))


def check(lines: list[str], view: LibraryView) -> Verdict:
    """The rule module's verdict on the claim lines (raises ClaimError when malformed)."""
    claim = parse_claim(lines)
    rules, audit, _ = claim_rules(view, {line.code for line in claim})
    return check_claim(claim, rules, audit)


def claim_rules(
    view: LibraryView, codes: set[str]
) -> tuple[list[CodeRules], list[AuditFinding], dict[str, Chunk]]:
    """The rules a claim of ``codes`` is checked against: the library's, with what the edit
    store's rows for these codes state merged in (their disagreements added to the audit),
    and those rows as passages to cite."""
    store = view.edit_store
    docs, rows = store.document_rules(codes) if store is not None else ([], {})
    if not docs:
        return list(view.rules), list(view.audit), {}
    mine = DocumentRules(doc_id="library", source="library",
                         rules=[r for r in view.rules if r.code in codes])
    merged, conflicts = merge_rules([mine, *docs])
    done = {r.code for r in merged}
    return ([r for r in view.rules if r.code not in done] + merged,
            list(view.audit) + conflicts, rows)


def verdict_answer(
    question: Question, lines: list[str], view: LibraryView, cites: CitationList
) -> tuple[Verdict, str] | None:
    """The verdict and its Markdown, stated first in the asker's language, with citations."""
    try:
        claim = parse_claim(lines)
    except ClaimError:
        return None
    checked, audit, rows = claim_rules(view, {line.code for line in claim})
    cites.admit(rows)
    status, params = explain_claim(claim, checked, audit, apart=question.apart)
    verdict = verdict_from(claim, status, params)
    lang = question.language
    rules = {r.code: r for r in checked}
    codes = [c for c in dict.fromkeys(line[:5] for line in lines)]
    addons = [c for c in codes if c in rules and rules[c].add_on]
    addon = addons[0] if addons else codes[0]
    rule = rules.get(addon)
    partners = [c for c in codes if c != addon]
    joined = ", ".join(codes)
    markers: list[int] = []
    excluder = _excluding(codes, addon, rules) if verdict.status == "not_allowed" else None
    edit = _edit_decision(verdict.status, params)
    if edit is not None and excluder is None and not (
        verdict.status == "allowed" and rule and rule.add_on
    ):
        head = _edit_head(lang, edit, joined)
        markers += [n for c in edit.citations if (n := cites.add_citation(c)) is not None]
    elif excluder is not None:
        code, excluded = excluder
        head = message(
            lang,
            "No. Based on the uploaded materials, {addon} should not be reported with {partner}: "
            "the materials list {partner} as a code not to be used with {addon}.",
            addon=code, partner=", ".join(excluded),
        )
        markers += _cite(cites, rules[code].provenance, "excluded", excluded)
    elif verdict.status == "allowed" and not (rule and rule.add_on):
        head, found = _stated_outright(lang, codes, rules)
        for code, kind, partners_of in found:
            markers += _cite(cites, rules[code].provenance, kind, partners_of, limit=2)
    elif verdict.status == "allowed" and rule:
        primary = [c for c in partners if c in rule.primary_codes] or partners
        head = message(
            lang,
            "Based on the uploaded materials, {codes} can be reported together: {addon} is an "
            "add-on code and {primary} is listed as a primary procedure for it.",
            codes=joined, addon=addon, primary=", ".join(primary),
        )
        markers += _cite(cites, rule.provenance, "add_on", [], limit=1)
        markers += _cite(cites, rule.provenance, "primary", primary)
    elif verdict.status == "missing_primary" and rule:
        head = message(
            lang,
            "Not as submitted. {addon} is an add-on code and must be reported with a primary "
            "procedure; none of its listed primary codes ({primaries}) is on the claim.",
            addon=addon, primaries=", ".join(rule.primary_codes),
        )
        markers += _cite(cites, rule.provenance, "add_on", [], limit=1)
        markers += _cite(cites, rule.provenance, "primary", [])
    else:
        head = message(
            lang,
            "The uploaded materials hold no pairing rules for the codes on this claim ({codes}).",
            codes=joined,
        )
    markers = list(dict.fromkeys(markers))  # one sentence may state two rules
    lines_md = [f"**{head}** {_marks(markers)}".rstrip()]
    for n in markers:
        lines_md.append(quote_block(cites.quote(n), n))
    for finding in _touching(view.audit, set(codes)):
        shown = set(markers)
        ns = [n for c in finding.citations if (n := cites.add_citation(c)) is not None]
        if ns:
            detail = " / ".join(finding.codes)
            caution = message(
                lang, "Caution: the materials contradict themselves here: {detail}", detail=detail
            )
            lines_md.append(f"{caution} {_marks(sorted(set(ns)))}")
            lines_md.extend(quote_block(cites.quote(n), n) for n in ns if n not in shown)
            shown.update(ns)
    return verdict, "\n\n".join(lines_md)


_BLOCKING = ("pair_never", "pair_needs_modifier", "unit_limit")


def _edit_decision(status: str, params: list[FindingParams]) -> FindingParams | None:
    """The edit-table finding that decided the claim: a PTP pair or a unit limit that denies
    it, or a PTP edit a modifier bypasses (when nothing else allowed the claim)."""
    allowing = ("pair_modifier", "separate_modifier")
    keys = _BLOCKING if status == "not_allowed" else allowing if status == "allowed" else ()
    return next((p for key in keys for p in params if p.key == key), None)


def _edit_head(lang: str, edit: FindingParams, codes: str) -> str:
    if edit.key == "pair_never":
        return message(
            lang,
            "No. Based on the uploaded materials, {partner} is not paid with {code}: a "
            "procedure-to-procedure (PTP) edit pairs them with modifier indicator 0, which no "
            "modifier bypasses.",
            partner=edit.partner, code=edit.code,
        )
    if edit.key == "pair_needs_modifier":
        return message(
            lang,
            "Not as submitted. Based on the uploaded materials, {partner} is paid with {code} "
            "only when a distinct-service modifier ({modifiers}) is on {partner} and the record "
            "supports a separate service (PTP modifier indicator 1); the claim carries none.",
            partner=edit.partner, code=edit.code, modifiers=", ".join(DISTINCT_SERVICE_MODIFIERS),
        )
    if edit.key == "unit_limit":
        return message(
            lang,
            "No. Based on the uploaded materials, {code} is limited to {limit} units per date of "
            "service (MUE); the claim reports {units}.",
            code=edit.code, limit=edit.partner, units=edit.detail,
        )
    if edit.key == "separate_modifier":
        return message(
            lang,
            "Based on the uploaded materials, {codes} can be reported together with modifier "
            "{modifier}: the materials let {partner} be reported with {code} when a "
            "distinct-service modifier marks the separate service.",
            codes=codes, modifier=edit.detail, partner=edit.partner, code=edit.code,
        )
    return message(
        lang,
        "Based on the uploaded materials, {codes} can be reported together with modifier "
        "{modifier} on {partner}: the procedure-to-procedure (PTP) edit for this pair has "
        "modifier indicator 1, which a distinct-service modifier bypasses.",
        codes=codes, modifier=edit.detail, partner=edit.partner,
    )


def _excluding(
    codes: list[str], addon: str, rules: dict[str, CodeRules]
) -> tuple[str, list[str]] | None:
    """The code whose materials exclude others on the claim (the add-on first), with those."""
    for code in [addon, *(c for c in codes if c != addon)]:
        r = rules.get(code)
        excluded = [c for c in codes if r and c != code and c in r.excluded_codes]
        if excluded:
            return code, excluded
    return None


_SEPARATE_HEAD = ("Based on the uploaded materials, {codes} can be reported together: the "
                  "materials say {partner} may be reported separately with {code}.")
_WITH_HEAD = ("Based on the uploaded materials, {codes} can be reported together: the materials "
              "say {code} is reported with {partner}.")


def _stated_outright(
    lang: str, codes: list[str], rules: dict[str, CodeRules]
) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """The head of an 'allowed' decided without an add-on code, and the rules to cite: a code
    the materials let be reported separately beside another, or a stand-alone code alone."""
    found: list[tuple[str, str, list[str]]] = []
    for code in codes:
        r = rules.get(code)
        if r is None:
            continue
        for kind, listed in (("separate", r.separate_codes), ("primary", r.primary_codes)):
            beside = [c for c in codes if c in listed and c not in r.excluded_codes]
            if beside:
                found.append((code, kind, beside))
                break
    if found:
        code, kind, beside = found[0]
        head = message(lang, _SEPARATE_HEAD if kind == "separate" else _WITH_HEAD,
                       codes=", ".join(codes), partner=", ".join(beside), code=code)
        return head, found
    code = codes[0]
    head = message(
        lang,
        "Based on the uploaded materials, {code} may be reported on its own: the materials call "
        "it a stand-alone code.",
        code=code,
    )
    return head, [(code, "stand_alone", [])]


def _cite(
    cites: CitationList, provenance: list[Provenance], kind: str, codes: list[str],
    limit: int = 3,
) -> list[int]:
    chosen = [p for p in provenance if p.rule == kind]
    naming = [p for p in chosen if any(c in p.quote for c in codes)]
    out: list[int] = []
    for p in (naming or chosen)[:limit]:
        n = cites.add_quote(p.chunk_id, p.quote, p.start, p.end)
        if n is not None and n not in out:
            out.append(n)
    return out


def _touching(audit: tuple[AuditFinding, ...], codes: set[str]) -> list[AuditFinding]:
    """Audit findings about two or more of the claim's codes (the claim repeats them)."""
    return [a for a in audit if len(codes & set(a.codes)) >= 2][:2]


def _marks(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)



