"""The prompt a composed design model sends its art model (issue 25).

Written from the design engine's reading of the user's prompt (`prompt.parse`): the
quoted strings, the phrases that name them ("the title", "a caption"), the layout words
("at the top", "left") and the genre nouns ("poster", "flyer") are left out; the
subject, its modifiers, the setting, the style, the colours and the mood stay, in the
user's order. The art model is asked for a picture with no lettering in it: the text is
the design engine's to set.
"""

from __future__ import annotations

from pixmill.engines.design.prompt import QUOTE_INTRO, TEXT_NOUNS, Parsed, parse

NO_LETTERING = "no text, no lettering, no words"
"""What every art prompt ends with: the text is set afterwards, exactly."""
FALLBACK = "an atmospheric background picture"
"""The subject when the prompt names none (only its text and its genre)."""
DROPPED_ROLES = frozenset({"text", "layout"})
"""Phrases left out whole: a label for a quote, a place on the page."""
_FUNCTION_TAGS = frozenset({"DET", "ADP", "CCONJ", "PART", "AUX", "PRON", "PUNCT"})
_LETTERING_WORDS = (
    TEXT_NOUNS
    | (QUOTE_INTRO - {"with"})
    | frozenset(
        "text lettering typography font fonts letters type typeface says info information "
        "details".split()
    )
)
_GENRE_ONLY_MODIFIERS = frozenset({"big", "bold", "simple", "clean", "modern", "large"})


def art_prompt(prompt: str) -> str:
    """The art model's prompt for `prompt`: its picture, without its text or layout."""
    parsed = parse(prompt)
    words = _kept_words(parsed)
    body = _join(words) or FALLBACK
    return f"{body}, {NO_LETTERING}"


def _kept_words(parsed: Parsed) -> list[str]:
    tokens = parsed.tokens
    drop = [False] * len(tokens)
    for phrase in parsed.phrases:
        if phrase.role in DROPPED_ROLES:
            for k in range(phrase.start, phrase.end):
                drop[k] = True
        elif phrase.role == "genre":
            # "a jazz festival poster": the occasion is drawn, the genre noun is layout
            for k in range(phrase.start, phrase.end):
                t = tokens[k]
                if "genre" in t.roles or t.lower in _GENRE_ONLY_MODIFIERS:
                    drop[k] = True
    for k, t in enumerate(tokens):
        if t.tag == "QUOTE" or "direction" in t.roles or t.lower in _LETTERING_WORDS:
            drop[k] = True
    # Function words only join content: one left before a dropped word, or at the start
    # of what is left, joins nothing ("with the title", "at the top", "of" after a genre).
    for k in range(len(tokens) - 1, -1, -1):
        if drop[k] or tokens[k].tag not in _FUNCTION_TAGS:
            continue
        following = next((j for j in range(k + 1, len(tokens)) if not drop[j]), None)
        nxt = next((j for j in range(k + 1, len(tokens))), None)
        if following is None or (nxt is not None and drop[nxt] and tokens[k].tag != "PUNCT"):
            drop[k] = True
    kept = [t for k, t in enumerate(tokens) if not drop[k]]
    while kept and kept[0].tag in _FUNCTION_TAGS - {"DET"}:
        kept.pop(0)
    while kept and kept[-1].tag in _FUNCTION_TAGS:
        kept.pop()
    return [t.text for t in kept]


def _join(words: list[str]) -> str:
    out = ""
    for word in words:
        if word in {",", ".", ";", ":", "!", "?", ")"} or not out:
            out += word
        else:
            out += " " + word
    # a sentence's break left dangling by what was dropped (". ," or ", ,")
    for twin in (",,", ".,", ",.", "..", ";,"):
        out = out.replace(twin, twin[0])
    return out.strip(" ,.;:")
