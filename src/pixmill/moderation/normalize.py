"""Text normalisation that undoes the usual evasions before any rule sees a prompt.

    "K і l l", "k.i.l.l", "K1LL", "ｋｉｌｌ", "k\u200bill"  ->  "kill"

Steps, in order:

1. NFKC: full-width and mathematical letters become plain ones.
2. Case folding, then NFD: accents and combining marks ("zalgo") are dropped,
   and so are invisible format characters (zero-width spaces and joiners, soft hyphens).
3. Confusables: look-alike letters from other scripts (Cyrillic "а", Greek "ο",
   small capitals "ᴋ") become the Latin letter they imitate; the table is data.
4. Leetspeak: inside a word that mixes letters with digits or symbols, "0" is "o",
   "1" and "!" are "i", "3" is "e", "@" is "a", "$" is "s", and so on. A plain number
   ("1024", "3 cats") is left alone.
5. Runs of three or more single letters are joined ("k i l l" -> "kill"); a gap of
   two or more spaces separates words ("h o w  t o" -> "how to").
6. Punctuation inside a word is dropped ("k.i.l.l", "self-harm" -> "kill", "selfharm");
   any other punctuation becomes a space.
7. A character repeated more than three times is cut to three ("kiiiiill" -> "kiiill"),
   which also bounds the work of the rules' patterns.

The result is lowercase ASCII letters and digits (other scripts pass through) with
single spaces. Rules are matched against it, never against the raw prompt.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from importlib import resources

LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "6": "g",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "i",
    "+": "t",
    "€": "e",
}

_DROP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_TOKEN_EDGE = re.compile(r"^[^\w@$]+|\W+$")
_NUMBER_FIRST = re.compile(r"^(\d+)(\D*)$")
UNITS = frozenset(
    "s x d k m y yo yr yrs st nd rd th am pm px mm cm km kg in ft mp hp gb mb fps".split()
)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_INNER_PUNCT = re.compile(r"(?<=[^\W_])[^\w\s]+(?=[^\W_])|_+")
_NON_WORD = re.compile(r"[^\w\s]+")
_WIDE_GAP = re.compile(r"\s{2,}")
_REPEATS = re.compile(r"(.)\1{3,}")
_SINGLE_RUN = re.compile(r"(?<!\S)(?:\w )(?:\w ){1,}\w(?!\S)")


def load_confusables(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The packaged confusables table (rules/confusables.json), plus `extra` entries."""
    text = resources.files("pixmill.moderation.rules").joinpath("confusables.json").read_text()
    table = {k: v for k, v in json.loads(text).items() if not k.startswith("_")}
    if extra:
        table.update(extra)
    return table


class Normalizer:
    """Turns a prompt into the canonical text rules match; see the module docstring."""

    def __init__(self, confusables: Mapping[str, str] | None = None):
        table = load_confusables() if confusables is None else dict(confusables)
        self._confusables = str.maketrans({k: v for k, v in table.items() if len(k) == 1})

    def __call__(self, text: str) -> str:
        # 1-2. Compatibility forms, case, marks and invisible characters
        text = unicodedata.normalize("NFKC", text).casefold()
        text = "".join(
            c
            for c in unicodedata.normalize("NFD", text)
            if unicodedata.category(c) not in _DROP_CATEGORIES
        )
        # 3. Look-alike letters
        text = text.translate(self._confusables)
        # 4. Leetspeak, word by word; 5. spaced-out letters, within each stretch of text
        # between wide gaps (so "h o w  t o" is "how to", not "howto")
        stretches = []
        split = _WIDE_GAP.split(text.strip())
        for stretch in split:
            words = [_unleet(word) for word in stretch.split()]
            if len(split) > 1 and len(words) > 1 and all(len(w) == 1 for w in words):
                stretches.append("".join(LEET.get(c, c) for c in words))
            else:
                stretches.append(_SINGLE_RUN.sub(_join_run, " ".join(words)))
        # 6. Punctuation
        text = _INNER_PUNCT.sub("", " ".join(stretches))
        text = " ".join(_NON_WORD.sub(" ", text).split())
        # 7. Long repeats
        return _REPEATS.sub(r"\1\1\1", text)


def _unleet(word: str) -> str:
    core = _TOKEN_EDGE.sub("", word)
    if not core:
        return word
    if not _HAS_LETTER.search(core) or not any(c in LEET for c in core):
        return core
    if sum(c.isdigit() for c in core) >= sum(c.isalpha() for c in core):
        return core  # "1024x1024", "c4", "v1.2.3": mostly a number or a code
    number_first = _NUMBER_FIRST.match(core)
    if number_first:
        # "12yo", "3d", "1024px", "18-year-old" are numbers with units, not leetspeak;
        # "5ex" and "4ss" are.
        digits, rest = number_first.groups()
        if len(digits) > 1 or not rest.isalpha() or rest in UNITS:
            return core
    return "".join(LEET.get(c, c) for c in core)


def _join_run(match: re.Match[str]) -> str:
    letters = match.group(0).split()
    if all(c.isdigit() for c in letters):
        return match.group(0)
    joined = "".join(LEET.get(c, c) for c in letters)
    # "a k i l l" and "i k i l l": keep a leading real word apart.
    if len(letters) >= 4 and letters[0] in ("a", "i"):
        return letters[0] + " " + joined[1:]
    return joined
