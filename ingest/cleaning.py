"""Text clean-up before chunking: normalise whitespace and drop web-page boilerplate lines.

What changes: line endings become ``\\n``; control and invisible characters (bidi overrides
too) go (tabs and newlines stay); odd spaces (no-break, thin, ideographic) become plain
spaces; text is NFKC (ligatures such as "ﬁ" become "fi", no-break spaces plain spaces);
each line is trimmed and runs of spaces/tabs inside it become one
space; two or more blank lines become one.

What never changes: the words. Glued sentences (``interpretation.This``) stay glued, because
citations quote the text verbatim. Lines are dropped whole or kept whole.

A line is dropped as boilerplate when it is one of (rules are generic; no page is named):

- a language bar: four or more language names written in their own language, on a line that
  does not end like a sentence (``English Español Français Deutsch ...``);
- a navigation line: a short line (< 12 words) without sentence punctuation, made of at least
  two interface terms and at most one other word (``Home | Library | Sign in``), or of one
  interface phrase alone (``Back to top``; a single word such as ``Library`` is kept);
- a version badge (``BETA v.3.0``, ``Version 2.1``);
- a call to action on a short line that says nothing else (``Click here to request
  access.``; a line that also states a fact in a sentence of its own is kept);
- a cookie or copyright footer on a short line;
- a marketing tagline: at most five words, no digits, with a slogan verb
  (``Discover what matters.``);
- a breadcrumb trail: three or more short steps joined by ``>``, ``›`` or ``»``
  (``Home › CPT Codes › Surgery › 99931``), most of them words;
- a login prompt, a metered-access notice or a newsletter sign-up on a short line (``Log in
  to view member pricing``, ``3 free page views remaining``, ``Get our bulletin in
  your inbox``).

A title such as ``2025 CPT code 50706`` has none of these marks and is kept.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "is_boilerplate_line"]

# Zero-width and formatting characters that only get in the way of matching quotes, and the
# bidi embedding/override/isolate controls, which can make a quote display in another order
# than it reads ("trojan source"). The direction marks LRM/RLM/ALM stay: RTL text needs them.
_INVISIBLE = dict.fromkeys(
    map(ord, "\ufeff\u200b\u2060\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None,
)
# Category Cc (C0, DEL, C1) except tab and newline; category Zs except the plain space.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ODD_SPACE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANKS = re.compile(r"\n{3,}")
_WORDS = re.compile(r"\w+")
_SENTENCE_END = tuple(".!?。！？؟…:")

# Language names as each language writes itself (language pickers list them this way).
_ENDONYMS = tuple(
    s.casefold()
    for s in (
        "English", "Español", "Français", "Deutsch", "Italiano", "Português", "Nederlands",
        "Polski", "Русский", "Українська", "Čeština", "Magyar", "Română", "Svenska", "Dansk",
        "Norsk", "Suomi", "Ελληνικά", "Türkçe", "العربية", "فارسی", "עברית", "हिन्दी", "বাংলা",
        "ไทย", "Tiếng Việt", "Tagalog", "Filipino", "Bahasa Indonesia", "Bahasa Melayu",
        "中文", "简体中文", "繁體中文", "日本語", "한국어", "Kiswahili",
    )
)
# Words and phrases of site chrome: menus, account links, footers.
_UI_TERMS = tuple(
    sorted(
        (
            "start new", "new chat", "library", "performance", "home", "menu", "search",
            "settings", "dashboard", "profile", "account", "my account", "log in", "login",
            "log out", "logout", "sign in", "sign up", "sign out", "register", "subscribe",
            "share", "print", "download", "upload", "help", "faq", "support", "contact",
            "contact us", "about", "about us", "pricing", "plans", "blog", "news", "careers",
            "privacy", "privacy policy", "terms", "terms of use", "terms of service", "cookies",
            "cookie settings", "sitemap", "back", "back to top", "skip to content",
            "skip to main content", "next", "previous", "more", "close", "open", "toggle",
            "navigation", "language", "languages", "beta", "upgrade", "feedback", "history",
            "notifications", "apps", "tools", "resources",
        ),
        key=len,
        reverse=True,
    )
)
_UI_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in _UI_TERMS) + r")\b")
# A call to action: the strong ones mark any short line, the weak ones only a lone link.
_CALL_TO_ACTION = re.compile(
    r"\b(?:click here|tap here|request access|request a demo|book a demo|"
    r"start (?:your )?free trial|upgrade now|download the app|get the app)\b"
)
_LONE_LINK = re.compile(r"\b(?:learn more|read more|sign up|sign in|log in|subscribe)\b")
_COOKIE = re.compile(r"\bcookies?\b.*\b(?:accept|consent|we use|this (?:site|website)|"
                     r"preferences|privacy)\b|\b(?:accept|reject) (?:all )?cookies\b")
_COPYRIGHT = re.compile(r"©|\(c\) \d{4}|\bcopyright\b|\ball rights reserved\b")
_VERSION = re.compile(
    r"(?:(?:beta|alpha|preview|release|new)\s+)*"
    r"(?:v\.?\s?|version\s+|ver\.\s?)\d+(?:\.\d+)*(?:\s+(?:beta|alpha|preview))?"
    r"|(?:beta|alpha|preview)\s+\d+(?:\.\d+)+"
)
_CRUMB_SEP = re.compile(r"\s+>\s+|\s*[›»]\s*")
_LOGIN = re.compile(
    r"\b(?:sign|log)\s?(?:in|on)\b.{0,40}\b(?:to|for)\s+(?:see|view|read|access|unlock|continue|"
    r"download|get)\b|\b(?:members?|subscribers?|provider) (?:login|sign[- ]in)\b|"
    r"\bsubscribe to (?:see|view|read|unlock|access)\b"
)
_METER = re.compile(
    r"\b(?:page ?views?|free (?:views?|lookups?|articles?|pages?)|lookups?|views?|articles?)"
    r"\s+(?:remaining|left)\b|\byou have (?:\d+|one|two|three) (?:free )?(?:page )?"
    r"(?:views?|lookups?|articles?)\b"
)
_SIGNUP = re.compile(
    r"\bin your inbox\b|\b(?:sign up|subscribe)\b.{0,40}\b(?:newsletter|updates|alerts|digest|"
    r"emails?)\b"
)
_SLOGAN = re.compile(r"\b(?:discover|explore|unlock|empower|reimagine|elevate|transform)\b")


def clean_text(text: str) -> str:
    """Normalise whitespace and drop boilerplate lines (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\f", "\n\n")
    text = text.translate(_INVISIBLE)
    text = _CONTROL.sub("", text)
    text = _ODD_SPACE.sub(" ", text)  # no-break, thin and ideographic spaces
    text = unicodedata.normalize("NFKC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    kept = [line for line in lines if not is_boilerplate_line(line)]
    return _BLANKS.sub("\n\n", "\n".join(kept)).strip("\n")


def is_boilerplate_line(line: str) -> bool:
    """True when a cleaned, trimmed line is page chrome rather than content."""
    if not line:
        return False
    folded = line.casefold()
    words = folded.split()
    ends_sentence = folded.endswith(_SENTENCE_END)
    if not ends_sentence and _is_language_bar(folded):
        return True
    if len(words) < 12 and not ends_sentence and _is_navigation(folded):
        return True
    if len(words) <= 4 and _VERSION.fullmatch(folded.strip(" ()[]|-·•")):
        return True
    if len(words) <= 25 and _CALL_TO_ACTION.search(folded) and _only_calls_to_action(folded):
        return True
    if len(words) <= 6 and _LONE_LINK.search(folded):
        return True
    if len(words) <= 40 and (_COOKIE.search(folded) or _COPYRIGHT.search(folded)):
        return True
    if len(words) <= 30 and (_LOGIN.search(folded) or _METER.search(folded)):
        return True
    if len(words) <= 20 and _SIGNUP.search(folded):
        return True
    if not ends_sentence and _is_breadcrumb(line):
        return True
    return len(words) <= 5 and not any(c.isdigit() for c in folded) and bool(
        _SLOGAN.search(folded)
    )


def _is_breadcrumb(line: str) -> bool:
    steps = [p for p in _CRUMB_SEP.split(line) if p.strip()]
    wordy = sum(not any(ch.isdigit() for ch in p) for p in steps)
    return len(steps) >= 3 and wordy >= 2 and all(len(p.split()) <= 6 for p in steps) and (
        len(line) <= 200
    )


def _only_calls_to_action(folded: str) -> bool:
    """Every sentence of the line is a call to action or a few words around one: a line that
    also states something ("Only members can see case notes. Click here ...") is content."""
    sentences = [p for p in re.split(r"(?<=[.!?])\s+", folded) if p.strip()]
    return all(_CALL_TO_ACTION.search(p) or len(p.split()) <= 3 for p in sentences)


def _is_language_bar(folded: str) -> bool:
    found = 0
    rest = folded
    for name in _ENDONYMS:
        if name in rest:
            found += 1
            rest = rest.replace(name, " ")
    # What is left besides the names must be a few words of chrome at most.
    return found >= 4 and len(rest.split()) < 12


def _is_navigation(folded: str) -> bool:
    hits = _UI_PATTERN.findall(folded)
    rest = _WORDS.findall(_UI_PATTERN.sub(" ", folded))
    if len(hits) == 1:  # a lone link such as "Back to top"; one word ("Library") may be a title
        return not rest and " " in hits[0]
    return len(hits) >= 2 and len(rest) <= 1
