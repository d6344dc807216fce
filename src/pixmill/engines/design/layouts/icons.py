"""App icons: a full-bleed square ground (the platform rounds its corners), one glyph.

Glyph: the subject (else a geometric mark) large on a diagonal gradient, the name
small beneath it. Wordmark: the name itself is the mark, set large on a flat colour
with a small glyph above. Split: a two-tone ground cut on the diagonal, the glyph
across the cut, the name at the foot. Never a sticker: no white die-cut border.
"""

from __future__ import annotations

from pixmill.engines.design.layouts import genre_art, stage
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Part,
    band_colours,
    faces,
    ink_on,
    readable,
    roles,
    simple_paragraphs,
    stack,
)
from pixmill.engines.design.palette import background_color, mix, with_alpha
from pixmill.engines.design.scene import Box, Ellipse, LinearGradient, Rect, Shape
from pixmill.engines.design.subjects import decor, matching
from pixmill.engines.design.typeset import Paragraph, TextStyle


def _square(frame: Frame) -> Box:
    """The icon's square, centred in the canvas (the canvas itself when square)."""
    s = frame.short
    return Box((frame.width - s) / 2, (frame.height - s) / 2, s, s)


def _glyph(frame: Frame, cx: float, cy: float, size: float) -> list[Shape]:
    """The prompt's first subject drawn large, without a disc; else an abstract mark."""
    found = [s for s in genre_art.subjects(frame, occasions=False) if s.role != "prop"]
    if found:
        one = matching.combined(found) or found[0]
        return [stage.vector(frame, one, cx, cy + size * 0.5, size)]
    return mark(frame, cx, cy, size * 0.45)


def mark(frame: Frame, cx: float, cy: float, r: float) -> list[Shape]:
    """A light geometric glyph that reads on the icon's colour: rising bars, a
    crescent, a ring with a dot, or three overlapping discs."""
    pal = frame.palette
    white, second = (255, 255, 255), mix(pal.accent2, (255, 255, 255), 0.25)
    kind = frame.rng.randrange(4)
    if kind == 0:
        bw = r * 0.42
        return [
            Rect(cx - r + i * (bw + r * 0.37), cy + r - r * k, bw, r * k, c, bw * 0.3)
            for i, (k, c) in enumerate(((0.9, white), (1.4, second), (2.0, white)))
        ]
    if kind == 1:
        return [
            Ellipse(cx, cy, r, r, white),
            Ellipse(cx + r * 0.42, cy - r * 0.3, r * 0.78, r * 0.78, _ground(frame)),
        ]
    if kind == 2:
        return [
            decor.ring(cx, cy, r * 0.82, white, r * 0.3),
            Ellipse(cx, cy, r * 0.28, r * 0.28, second),
        ]
    return [
        Ellipse(cx + r * 0.45 * dx, cy + r * 0.45 * dy, r * 0.58, r * 0.58, with_alpha(c, 0.85))
        for dx, dy, c in ((0, -0.8, white), (-0.75, 0.5, second), (0.75, 0.5, white))
    ]


def _ground(frame: Frame) -> tuple:
    pal = frame.palette
    return pal.bg if background_color(frame.brief) is not None else pal.accent


def _name_parts(frame: Frame, face: str, ink, scale_cap: float) -> list[Part]:
    q = roles(frame.brief)
    parts = []
    if q["title"]:
        t = q["title"][0].text
        style = TextStyle(face, 1.0, 1.0, "center", max_lines=2)
        parts.append(Part([Paragraph(t, style, "title", ink, t)], 1.0, 0.8, size_cap=scale_cap))
    rest = q["headline"] + q["tagline"] + q["info"] + q["body"]
    if rest:
        parts.append(
            Part(
                simple_paragraphs(rest, face, ink, align="center", role="headline", gap=0.2),
                0.8,
                0.4,
                size_cap=scale_cap * 0.45,
            )
        )
    return parts


def glyph(frame: Frame) -> Composition:
    w, h = frame.width, frame.height
    pal = frame.palette
    display, _, _ = faces(frame)
    sq = _square(frame)
    base, ink = band_colours(frame, _ground(frame))  # the name reads on it
    top, bottom = mix(base, (255, 255, 255), 0.1), mix(base, pal.accent2, 0.2)
    top, bottom = readable(top, ink), readable(bottom, ink)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, LinearGradient((0, 0), (w, h), (top, bottom))))
    comp.art += _glyph(frame, sq.x + sq.w / 2, sq.y + sq.h * 0.42, sq.w * 0.46)
    name = Box(sq.x + sq.w * 0.12, sq.y + sq.h * 0.72, sq.w * 0.76, sq.h * 0.18)
    comp.slots += stack(name, _name_parts(frame, display, ink, sq.w * 0.11), sq.w * 0.01)
    return comp


def wordmark(frame: Frame) -> Composition:
    w, h = frame.width, frame.height
    display, _, _ = faces(frame)
    sq = _square(frame)
    ground = _ground(frame)
    ink = ink_on(frame, ground)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    comp.art += _glyph(frame, sq.x + sq.w / 2, sq.y + sq.h * 0.27, sq.w * 0.24)
    area = Box(sq.x + sq.w * 0.1, sq.y + sq.h * 0.45, sq.w * 0.8, sq.h * 0.4)
    parts = _name_parts(frame, display, ink, sq.w * 0.3)
    comp.slots += stack(area, parts, sq.w * 0.02, valign="center")
    return comp


def split(frame: Frame) -> Composition:
    w, h = frame.width, frame.height
    pal = frame.palette
    display, _, _ = faces(frame)
    sq = _square(frame)
    ground = _ground(frame)
    other = mix(ground, pal.dark, 0.45)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    cut = Box(0, sq.y + sq.h * 0.5, w, h)  # the cut stays above the name's box
    comp.background.append(decor.diagonal_band(cut, other, 0.0, 1.0, slope=sq.h * 0.2 / w))
    comp.art += _glyph(frame, sq.x + sq.w / 2, sq.y + sq.h * 0.4, sq.w * 0.5)
    ink = ink_on(frame, other)
    name = Box(sq.x + sq.w * 0.14, sq.y + sq.h * 0.74, sq.w * 0.72, sq.h * 0.17)
    comp.slots += stack(name, _name_parts(frame, display, ink, sq.w * 0.1), sq.w * 0.01)
    return comp
