"""Fitting text to a box: one size for a slot's paragraphs, greedy line breaks.

Widths come from the faces at size 1 with linear metrics, so a size search is
arithmetic. A slot is searched from its largest size down; when nothing fits even
at its smallest size the search goes on down, so text is never clipped: it only
gets smaller. A word wider than the box is broken between characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pixmill.engines.design import fonts
from pixmill.engines.design.scene import Box, Color, Span, TextBlock, TextLine


@dataclass(frozen=True)
class TextStyle:
    face: str
    scale: float = 1.0
    """Size relative to the slot's base size."""
    leading: float = 1.15
    """Baseline to baseline, in units of size."""
    align: str = "left"
    max_lines: int = 0
    """0: any number of lines."""
    gap_before: float = 0.0
    """Space above the paragraph, in units of the base size (ignored for the first)."""
    stacked: bool = False
    """Display type stacked word over word: two capitalised words may break ("Blue /
    Hour"), where in other text they are kept together as a personal name."""


@dataclass
class Paragraph:
    text: str
    style: TextStyle
    role: str
    color: Color
    source: str = ""


@dataclass
class _Prepared:
    paragraph: Paragraph
    words: list[list[tuple[str, str, float]]]
    """Per word, its characters as (face, char, unit width)."""
    space: float
    ascent: float
    descent: float


_BREAK = ("", "", 0.0)
"""Ends a line broken inside a word."""

_char_widths: dict[tuple[str, str], float] = {}


def _char_width(face: str, char: str) -> float:
    key = (face, char)
    width = _char_widths.get(key)
    if width is None:
        width = fonts.unit_width(face, char)
        _char_widths[key] = width
    return width


_NUMBER = re.compile(r"^[+(]?[$€£¥]?\d[\d.,:/%)-]*[%+]?$")
_UNITS = frozenset(
    "am pm a.m. p.m. g kg mg ml l cl dl oz lb lbs km m cm mm mi ft in h hr hrs min mins s "
    "sec tbsp tsp cup cups °c °f % abv off days day nights weeks years yrs € £ $ ¥ eur usd "
    "gbp x".split()
)
_MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june "
    "july august september october november december".split()
)
_TITLES = frozenset(
    "dr dr. mr mr. mrs mrs. ms ms. st st. prof prof. mx mx. no no. vol vol.".split()
)


def _glued(text: str, *, name_glue: bool = True) -> list[str]:
    """Words, with those a break must never split joined by a space: a number and its
    unit ("4 pm", "500 g", "70% OFF"), a day and its month, "&" and the word after it,
    a currency sign and its amount, a phone number's digit groups, a title or an
    initial and the name after it."""
    words = text.split()
    if _is_name(words, plain=name_glue):
        return [" ".join(words)]
    out: list[str] = []
    for word in words:
        if out and _joins(out[-1], word):
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out


def _is_name(words: list[str], *, plain: bool = True) -> bool:
    """A personal name: "Dr. Elena Vasquez", "Priya Raman" (two or three capitalised
    words, the first maybe a title); a break inside it would split the name."""
    if not 2 <= len(words) <= 3 or sum(len(w) for w in words) > 24:
        return False
    if words[0].lower() in _TITLES:
        return True
    capitalised = all(re.fullmatch(r"[A-Z][a-zà-ÿ'’-]+|[A-Z]\.", w) for w in words)
    return plain and len(words) == 2 and capitalised


def _joins(left: str, right: str) -> bool:
    last = left.split(" ")[-1]
    low_last, low_right = last.lower(), right.lower().rstrip(".,;:!?)")
    if last in ("&", "+", "$", "€", "£", "¥", "#", "No.", "nº", "№") or low_last in _TITLES:
        return True
    if re.fullmatch(r"[A-Z]\.", last):  # an initial: "L. Hart"
        return True
    unit = low_right in _UNITS or low_right in _MONTHS or _NUMBER.match(right)
    if _NUMBER.match(last) and unit:
        return len(last) <= 6 and (not _NUMBER.match(right) or len(right) <= 5)
    day = re.fullmatch(r"\d{1,2}(st|nd|rd|th)?,?", right)
    return low_last.rstrip(",") in _MONTHS and bool(day)


_OPENS_AFTER = frozenset(" \t([{\u2014\u2013/-")


def curly(text: str) -> str:
    """Straight quotes and apostrophes as typographic ones: "it's" -> "it’s",
    '"Go"' -> '“Go”'. The only characters that change are the quote glyphs."""
    out = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        if char == '"':
            out.append("“" if before in _OPENS_AFTER else "”")
        elif char == "'":
            after = text[i + 1] if i + 1 < len(text) else " "
            # an opening quote needs a closing one at a word's end: "'Tis" is an elision
            opening = before in _OPENS_AFTER and after.isalpha() and _closes(text, i + 1)
            out.append("‘" if opening else "’")
        else:
            out.append(char)
    return "".join(out)


def _closes(text: str, start: int) -> bool:
    for j in range(start, len(text)):
        at_end = j + 1 == len(text) or not text[j + 1].isalpha()
        if text[j] == "'" and text[j - 1].isalpha() and at_end:
            return True
    return False


_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def plain_quotes(text: str) -> str:
    """The text with typographic quotes as straight ones: what "exact" compares."""
    return text.translate(_PLAIN)


def _prepare(paragraph: Paragraph, missing: set[str]) -> _Prepared | None:
    face = paragraph.style.face
    words = []
    # a title's two capitalised words ("Blue Hour", "Wildflower Honey") may break;
    # a name with an honorific ("Dr. Elena Vasquez") never does
    plain = paragraph.role != "title" and not paragraph.style.stacked
    for raw in _glued(curly(paragraph.text), name_glue=plain):
        runs, lost = fonts.split_spans(face, raw)
        missing |= lost
        chars = [(f, ch, _char_width(f, ch)) for f, text in runs for ch in text]
        if chars:
            words.append(chars)
    if not words:
        return None
    ascent, descent, _ = fonts.metrics(face)
    return _Prepared(paragraph, words, _char_width(face, " "), ascent, descent)


def _wrap(
    prep: _Prepared, max_units: float, breaks: bool
) -> list[list[tuple[str, str, float]]] | None:
    """Greedy line breaking; returns lines of characters (with spaces), or None if a
    word is wider than the line (and `breaks` is off) or a character is."""
    lines: list[list[tuple[str, str, float]]] = []
    current: list[tuple[str, str, float]] = []
    width = 0.0
    space = ("", " ", prep.space)
    for word in prep.words:
        word_width = sum(c[2] for c in word)
        extra = (prep.space if current else 0.0) + word_width
        if width + extra <= max_units:
            if current:
                current.append(space)
            current.extend(word)
            width += extra
            continue
        if current:
            lines.append(current)
            current, width = [], 0.0
        if word_width <= max_units:
            current, width = list(word), word_width
            continue
        if not breaks:
            return None
        for char in word:  # break an over-long word between characters
            if char[2] > max_units:
                return None
            if width + char[2] > max_units:
                current.append(_BREAK)
                lines.append(current)
                current, width = [], 0.0
            current.append(char)
            width += char[2]
    if current:
        lines.append(current)
    return lines


def _layout(preps: list[_Prepared], base: float, box: Box, breaks: bool = False):
    """Lines per paragraph at `base`, or None when they do not fit the box."""
    total = 0.0
    result = []
    for index, prep in enumerate(preps):
        style = prep.paragraph.style
        size = base * style.scale
        lines = _wrap(prep, box.w / size, breaks)
        if lines is None or (style.max_lines and len(lines) > style.max_lines):
            return None
        height = (prep.ascent + prep.descent) * size + (len(lines) - 1) * style.leading * size
        if index:
            total += style.gap_before * base
        total += height
        if total > box.h:
            return None
        result.append(lines)
    return result, total


def _search(preps, box, lo, hi, breaks=False):
    best = None
    if (found := _layout(preps, hi, box, breaks)) is not None:
        return hi, found
    for _ in range(24):
        mid = (lo + hi) / 2
        found = _layout(preps, mid, box, breaks)
        if found is None:
            hi = mid
        else:
            lo, best = mid, found
        if hi - lo < 0.25:
            break
    if best is None and (found := _layout(preps, lo, box, breaks)) is not None:
        best = found
    return (lo, best) if best is not None else None


def _without_line_limits(preps: list[_Prepared]) -> list[_Prepared]:
    out = []
    for prep in preps:
        p = prep.paragraph
        style = replace(p.style, max_lines=0)
        para = Paragraph(p.text, style, p.role, p.color, p.source)
        out.append(_Prepared(para, prep.words, prep.space, prep.ascent, prep.descent))
    return out


def fit(
    paragraphs: list[Paragraph],
    box: Box,
    max_size: float,
    min_size: float,
    *,
    valign: str = "top",
    missing: set[str] | None = None,
) -> list[TextBlock]:
    """Set the paragraphs in the box at the largest base size that fits.

    Paragraphs that have nothing a bundled face can draw are left out; their
    characters are added to `missing`.
    """
    missing = set() if missing is None else missing
    preps = [p for p in (_prepare(par, missing) for par in paragraphs) if p is not None]
    if not preps or box.w <= 1 or box.h <= 1:
        return []
    max_size = max(max_size, min_size)
    found = _search(preps, box, min_size, max_size)
    if found is None:  # smaller, on more lines, but whole words
        preps = _without_line_limits(preps)
        found = _search(preps, box, min_size * 0.6, max_size)
    if found is None:  # break inside words rather than clip
        found = _search(preps, box, 0.05, max_size, breaks=True)
    if found is None:  # a box too small for one character: set it at a hair's size
        found = (0.05, _layout(preps, 0.05, Box(box.x, box.y, 1e9, 1e9), True))
    base, (all_lines, total) = found
    all_lines = [
        _settle(prep, lines, box.w / (base * prep.paragraph.style.scale))
        for prep, lines in zip(preps, all_lines, strict=True)
    ]
    y = box.y + {"top": 0.0, "center": (box.h - total) / 2, "bottom": box.h - total}.get(
        valign, 0.0
    )
    blocks = []
    for index, (prep, lines) in enumerate(zip(preps, all_lines, strict=True)):
        style = prep.paragraph.style
        size = base * style.scale
        if index:
            y += style.gap_before * base
        baseline = y + prep.ascent * size
        set_lines = []
        left, right = box.right, box.x
        for chars in lines:
            broken = bool(chars) and chars[-1] is _BREAK
            spans = _spans(chars[:-1] if broken else chars, size)
            width = sum(span.width for span in spans)
            if style.align == "center":
                x = box.x + (box.w - width) / 2
            elif style.align == "right":
                x = box.right - width
            else:
                x = box.x
            left, right = min(left, x), max(right, x + width)
            set_lines.append(
                TextLine(x, baseline, size, tuple(spans), prep.paragraph.color, broken)
            )
            baseline += style.leading * size
        height = (prep.ascent + prep.descent) * size + (len(lines) - 1) * style.leading * size
        block_box = Box(left, y, max(0.0, right - left), height)
        par = prep.paragraph
        blocks.append(TextBlock(par.source or par.text, par.role, set_lines, block_box, par.color))
        y += height
    return blocks


_DISPLAY_ROLES = frozenset({"title", "headline", "tagline", "masthead"})


def _words_in(line: list[tuple[str, str, float]]) -> int:
    return 1 + sum(1 for c in line if c[1] == " " and c[0] == "")


def _settle(prep: _Prepared, lines: list, max_units: float) -> list:
    """Re-break a paragraph on as many lines, never with a lone last word (a widow):
    display lines are balanced (the narrowest measure that keeps the line count), body
    text only narrowed until its last line holds two words."""
    if len(lines) < 2 or any(line and line[-1] is _BREAK for line in lines):
        return lines
    widest = min(max_units, max(sum(c[2] for c in line) for line in lines))
    if prep.paragraph.role in _DISPLAY_ROLES:
        lo, hi, best = widest * 0.4, widest, lines
        for _ in range(10):
            mid = (lo + hi) / 2
            trial = _wrap(prep, mid, False)
            if trial is not None and len(trial) == len(lines):
                hi, best = mid, trial
            else:
                lo = mid
        if _words_in(best[-1]) >= 2 or _words_in(lines[-1]) < 2:
            lines = best  # balanced, or no worse than the greedy breaks
    if _words_in(lines[-1]) >= 2:
        return lines
    for k in range(1, 12):  # step the measure in until the last word has company
        trial = _wrap(prep, widest * (1 - 0.04 * k), False)
        if trial is None or len(trial) != len(lines):
            break
        if _words_in(trial[-1]) >= 2:
            return trial
    return lines


def _spans(chars: list[tuple[str, str, float]], size: float) -> list[Span]:
    spans: list[Span] = []
    face, text, width = None, "", 0.0
    for char_face, char, unit in chars:
        char_face = char_face or face or "sans"
        if char_face != face and text:
            spans.append(Span(face, text, width * size))
            text, width = "", 0.0
        face = char_face
        text += char
        width += unit
    if text:
        spans.append(Span(face, text, width * size))
    return spans
