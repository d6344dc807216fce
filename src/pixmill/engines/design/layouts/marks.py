"""Logos and wordmarks, stickers and icons: a drawn emblem and set type, made to sit
on transparency (the request's "auto" background turns transparent for these).

Logo variants: 0, emblem above the wordmark; 1, emblem beside it; 2, wordmark only,
with an underline swash. Sticker: a die-cut disc (0) or rounded square (1) with a
white border, the picture inside, the title on a ribbon.
"""

from __future__ import annotations

import math

from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.base import Composition, Frame, Part, faces, roles, stack
from pixmill.engines.design.layouts.poster import text_parts
from pixmill.engines.design.layouts.scenery import detect, picture
from pixmill.engines.design.palette import contrast, mix
from pixmill.engines.design.scene import Box, Ellipse, Group, Path, Rect, Shape
from pixmill.engines.design.subjects import decor
from pixmill.engines.design.typeset import Paragraph, TextStyle


def emblem(frame: Frame, cx: float, cy: float, r: float) -> list[Shape]:
    """The prompt's subject in a disc, else an abstract mark: one of a few geometric
    constructions in the palette."""
    subject = genre_art.emblem(frame, cx, cy, r)
    if subject is not None:
        return subject
    pal, rng = frame.palette, frame.rng
    a, b = pal.accent, pal.accent2
    kind = rng.randrange(4)
    if kind == 0:  # overlapping discs
        return [
            Ellipse(cx - r * 0.3, cy, r * 0.62, r * 0.62, a),
            Ellipse(cx + r * 0.3, cy, r * 0.62, r * 0.62, mix(b, a, 0.2)),
            Group(
                (Ellipse(cx + r * 0.3, cy, r * 0.62, r * 0.62, mix(a, b, 0.5)),),
                clip=(cx - r * 0.32, cy - r, r * 0.64, r * 2, 0.0),
            ),
        ]
    if kind == 1:  # hexagon with a cut
        pts = [
            (
                cx + r * math.cos(math.pi / 3 * i - math.pi / 2),
                cy + r * math.sin(math.pi / 3 * i - math.pi / 2),
            )
            for i in range(6)
        ]
        cmds = [("M", *pts[0])] + [("L", *p) for p in pts[1:]] + [("Z",)]
        return [
            Path(tuple(cmds), a),
            Path((("M", cx, cy - r), ("L", cx + r * 0.87, cy + r * 0.5), ("L", cx, cy), ("Z",)), b),
        ]
    if kind == 2:  # leaf / drop
        return [
            Path(
                (
                    ("M", cx, cy - r),
                    ("C", cx + r * 1.1, cy - r * 0.2, cx + r * 0.6, cy + r, cx, cy + r),
                    ("C", cx - r * 0.6, cy + r, cx - r * 1.1, cy - r * 0.2, cx, cy - r),
                    ("Z",),
                ),
                a,
            ),
            Path((("M", cx, cy - r * 0.6), ("L", cx, cy + r * 0.85)), None, b, r * 0.1),
        ]
    return [decor.ring(cx, cy, r * 0.8, a, r * 0.3), Ellipse(cx, cy, r * 0.3, r * 0.3, b)]


def logo(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    ink = pal.dark if contrast(pal.dark, pal.bg) >= contrast(pal.light, pal.bg) else pal.light
    variant = frame.form % 3
    if variant == 2 and genre_art.subjects(frame, occasions=False):
        variant = 0  # a named subject is the mark: no wordmark-only variant
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, pal.bg))
    parts = text_parts(frame, display, text, label, "center", ink, pal.accent)
    short = min(w, h)
    if variant == 0 or (variant == 1 and w < h * 1.2):
        r = short * 0.17
        cy = h * 0.3
        comp.art += emblem(frame, w / 2, cy, r)
        comp.slots += stack(
            Box(m * 1.5, cy + r + m * 0.6, w - 3 * m, h - cy - r - m * 2.1), parts, m * 0.2
        )
    elif variant == 1:
        r = short * 0.2
        cx = m * 1.5 + r
        comp.art += emblem(frame, cx, h / 2, r)
        for part in parts:
            for p in part.paragraphs:
                p.style = TextStyle(
                    p.style.face,
                    p.style.scale,
                    p.style.leading,
                    "left",
                    p.style.max_lines,
                    p.style.gap_before,
                )
        x0 = cx + r + m
        comp.slots += stack(Box(x0, h * 0.25, w - x0 - m, h * 0.5), parts, m * 0.2, valign="center")
    else:
        comp.slots += stack(
            Box(m * 1.5, h * 0.25, w - 3 * m, h * 0.42), parts, m * 0.2, valign="center"
        )
        y = h * 0.72
        comp.art.append(
            Path(
                (("M", w * 0.3, y), ("Q", w * 0.5, y + h * 0.05, w * 0.7, y)),
                None,
                pal.accent,
                short * 0.02,
            )
        )
    if not parts:
        comp.art += emblem(frame, w / 2, h / 2, short * 0.3)
    return comp


def sticker(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, _, label = faces(frame)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, mix(pal.bg, (255, 255, 255), 0.5)))
    short = min(w, h)
    r = short / 2 - m
    cx, cy = w / 2, h / 2
    border = short * 0.035
    square = frame.form % 2 == 1  # variant 1: a rounded-square die cut
    corner = r * 0.35 if square else r
    if frame.detail >= 2:  # a soft drop shadow
        comp.art.append(
            Rect(cx - r + border * 0.5, cy - r + border * 0.8, 2 * r, 2 * r, (0, 0, 0, 60), corner)
        )
    comp.art.append(Rect(cx - r, cy - r, 2 * r, 2 * r, (255, 255, 255), corner))
    inner = Box(cx - r + border, cy - r + border, 2 * (r - border), 2 * (r - border))
    inner_corner = max(0.0, corner - border)
    _, setting, subjects = detect(frame)
    if setting or subjects:
        bg, art = picture(frame, inner, corner=inner_corner, stand=0.6, scale=1.3)
        comp.art += bg + art
    else:
        comp.art.append(Rect(inner.x, inner.y, inner.w, inner.h, pal.accent2, inner_corner))
        comp.art += emblem(frame, cx, cy - inner.h * 0.12, inner.w * 0.22)
    q = roles(frame.brief)
    quotes = q["title"] + q["headline"] + q["tagline"] + q["info"] + q["body"]
    if quotes:
        ribbon = Box(cx - r * 1.0, cy + r * 0.3, r * 2.0, r * 0.4)
        comp.art.append(Rect(ribbon.x, ribbon.y, ribbon.w, ribbon.h, pal.dark, ribbon.h * 0.2))
        paragraphs = [
            Paragraph(
                qt.text,
                TextStyle(
                    display if i == 0 else label,
                    1.0 if i == 0 else 0.5,
                    1.0,
                    "center",
                    gap_before=0.15,
                ),
                qt.role,
                pal.light,
                qt.text,
            )
            for i, qt in enumerate(quotes)
        ]
        comp.slots += stack(
            ribbon.inset(ribbon.h * 0.15), [Part(paragraphs, 1.0, 0.8)], 0, valign="center"
        )
    return comp
