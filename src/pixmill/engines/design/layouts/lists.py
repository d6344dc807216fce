"""Menus, simple infographics and lists, quote cards, product labels.

Menu: a title, then the items as rows between hairlines, centred (0) or set left
beside an accent bar (1). Infographic: a title and the items each beside a drawn
marker in one or two columns (0), or as a grid of cards (1). Quote card: the
quotation large in a serif beside a drawn quotation mark, the attribution below.
Label: a badge on the pack front with the product name, details beneath.
"""

from __future__ import annotations

import re

from pixmill.engines.design.brief import Quote
from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Part,
    Slot,
    faces,
    roles,
    simple_paragraphs,
    stack,
)
from pixmill.engines.design.layouts.marks import emblem
from pixmill.engines.design.layouts.poster import text_parts
from pixmill.engines.design.layouts.scenery import abstract_picture
from pixmill.engines.design.palette import mix
from pixmill.engines.design.scene import Box, Ellipse, Line, Path, Rect
from pixmill.engines.design.subjects import decor
from pixmill.engines.design.typeset import Paragraph, TextStyle


def _title_part(frame: Frame, face: str, color, align="center") -> list[Part]:
    q = roles(frame.brief)
    if not q["title"]:
        return []
    t = q["title"][0].text
    return [
        Part(
            [Paragraph(t, TextStyle(face, 1.0, 1.0, align, max_lines=2), "title", color, t)],
            1.0,
            0.8,
            valign="center",
        )
    ]


def _items(frame: Frame) -> list[Quote]:
    q = roles(frame.brief)
    return q["headline"] + q["body"] + q["info"] + q["tagline"]


def _rows(
    frame: Frame,
    box: Box,
    items: list[Quote],
    face: str,
    color,
    rule,
    marker=None,
    align: str = "center",
) -> tuple[list[Slot], list]:
    """One slot per item, stacked, with a hairline or a marker beside each."""
    slots: list[Slot] = []
    art: list = []
    if not items:
        return slots, art
    n = len(items)
    row_h = box.h / n
    size = min(row_h * 0.45, frame.short * 0.08)
    for i, item in enumerate(items):
        y = box.y + i * row_h
        x = box.x
        if marker is not None:
            r = min(row_h * 0.3, box.w * 0.06)
            cy = y + row_h / 2
            if i < n - 1:  # the steps joined by a line
                art.append(Line(box.x + r, cy, box.x + r, cy + row_h, marker, max(1.0, r * 0.12)))
            art.append(Ellipse(box.x + r, cy, r, r, marker))
            symbol = (
                None
                if _numbered(frame)
                else genre_art.icon(frame, item.text, box.x + r, cy, r * 1.25)
            )
            if _numbered(frame):  # "numbered steps": the step's number in its marker
                number = str(i + 1)
                slots.append(
                    Slot(
                        Box(box.x + r * 0.3, cy - r * 0.75, r * 1.4, r * 1.5),
                        [
                            Paragraph(
                                number, TextStyle(face, 1.0, 1.0, "center"), "number", rule, number
                            )
                        ],
                        max_size=r * 1.2,
                        min_size=6.0,
                        valign="center",
                    )
                )
                frame.shown.add("element:numbered steps")
            elif symbol is not None:
                art.append(Ellipse(box.x + r, cy, r * 0.86, r * 0.86, (250, 250, 250)))
                art.append(symbol)
            else:
                art.append(Ellipse(box.x + r, cy, r * 0.45, r * 0.45, rule))
            x = box.x + r * 2.8
        elif i:
            art.append(Line(box.x, y, box.right, y, rule, max(1.0, frame.short * 0.002)))
        inner = Box(x, y + row_h * 0.12, box.right - x, row_h * 0.76)
        slots.append(
            Slot(
                inner,
                [
                    Paragraph(
                        item.text,
                        TextStyle(face, 1.0, 1.15, "left" if marker else align),
                        item.role,
                        color,
                        item.text,
                    )
                ],
                max_size=size,
                min_size=min(6.0, size),
                valign="center",
            )
        )
    return slots, art


def menu(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, _ = faces(frame)
    comp = Composition()
    paper = mix(pal.bg, (250, 245, 235), 0.5) if not pal.is_dark else pal.dark
    ink = pal.dark if not pal.is_dark else pal.light
    comp.background.append(Rect(0, 0, w, h, paper))
    inner = Box(m, m, w - 2 * m, h - 2 * m)
    comp.background.append(decor.frame(inner, mix(pal.accent, ink, 0.3), frame.short * 0.004))
    title_h = inner.h * 0.2
    align = "left" if frame.form % 2 else "center"  # variant 1: a left-aligned menu
    if align == "left":
        comp.background.append(
            Rect(inner.x + m * 0.4, inner.y + m, frame.short * 0.012, inner.h - 2 * m, pal.accent)
        )
    comp.slots += stack(
        Box(inner.x + m, inner.y + m * 0.5, inner.w - 2 * m, title_h),
        _title_part(frame, display, ink, align),
        0,
    )
    foot = 0.0
    band = Box(inner.x + m, inner.bottom - inner.h * 0.2 - m * 0.5, inner.w - 2 * m, inner.h * 0.2)
    dishes = genre_art.vignette(frame, band)
    if dishes:  # the food the menu names (pizza, coffee...) along the foot
        comp.art += dishes
        foot = band.h + m * 0.5
    slots, art = _rows(
        frame,
        Box(inner.x + m, inner.y + title_h + m, inner.w - 2 * m, inner.h - title_h - 2 * m - foot),
        _items(frame),
        text,
        ink,
        mix(pal.accent, paper, 0.3),
        align=align,
    )
    comp.slots += slots
    comp.background += art
    return comp


def infographic(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, _ = faces(frame)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, pal.dark))
    light = pal.light
    title_h = h * 0.2
    comp.background.append(Rect(0, 0, w, title_h + m, mix(pal.accent2, pal.dark, 0.4)))
    comp.slots += stack(
        Box(m, m * 0.6, w - 2 * m, title_h), _title_part(frame, display, light, "left"), 0
    )
    items = _items(frame)
    body = Box(m, title_h + m * 2, w - 2 * m, h - title_h - m * 3)
    if items and frame.brief.has("chart", "graph", "bars", "histogram"):
        comp.art += _chart(frame, comp, body, items, text, light)
        return comp
    if frame.form % 2 and items and not _numbered(frame):  # variant 1: a grid of cards
        cols = 2 if len(items) > 2 and w >= h * 0.6 else 1
        rows = (len(items) + cols - 1) // cols
        gap = m * 0.4
        cw, ch = (body.w - gap * (cols - 1)) / cols, (body.h - gap * (rows - 1)) / rows
        card_color = mix(pal.accent2, pal.dark, 0.55)
        for i, item in enumerate(items):
            x, y = body.x + (i % cols) * (cw + gap), body.y + (i // cols) * (ch + gap)
            comp.art.append(Rect(x, y, cw, ch, card_color, frame.short * 0.015))
            comp.art.append(Rect(x, y, frame.short * 0.012, ch, pal.accent))
            icon_size = min(ch * 0.32, cw * 0.2)
            symbol = genre_art.icon(
                frame, item.text, x + cw - icon_size * 0.75, y + icon_size * 0.75, icon_size
            )
            room = 0.0
            if symbol is not None:  # the step's icon in the card's corner, beside the text
                comp.art.append(symbol)
                room = icon_size * 1.5
            comp.slots.append(
                Slot(
                    Box(x + m * 0.5, y + ch * 0.12, cw - m * 0.8 - room, ch * 0.76),
                    [Paragraph(item.text, TextStyle(text, 1.0, 1.15), item.role, light, item.text)],
                    max_size=min(ch * 0.3, frame.short * 0.07),
                    min_size=6.0,
                    valign="center",
                )
            )
        return comp
    if len(items) > 5 and w > h * 0.9:
        half = (len(items) + 1) // 2
        for k, chunk in enumerate((items[:half], items[half:])):
            col = Box(body.x + k * (body.w / 2 + m * 0.25), body.y, body.w / 2 - m * 0.25, body.h)
            slots, art = _rows(frame, col, chunk, text, light, pal.dark, marker=pal.accent)
            comp.slots += slots
            comp.art += art
    else:
        slots, art = _rows(frame, body, items, text, light, pal.dark, marker=pal.accent)
        comp.slots += slots
        comp.art += art
    return comp


def _numbered(frame: Frame) -> bool:
    return frame.brief.has("numbered", "steps", "step", "step-by-step")


def _chart(frame: Frame, comp: Composition, body: Box, items: list[Quote], face, ink) -> list:
    """A bar chart: a bar per item, its label under it; heights from the numbers the
    items carry ("Q1 40"), else a rising series."""
    pal = frame.palette
    n = len(items)
    label_h = body.h * 0.14
    plot = Box(body.x, body.y, body.w, body.h - label_h)
    values = []
    for k, item in enumerate(items):
        digits = re.findall(r"\d+(?:\.\d+)?", item.text.replace(",", ""))
        number = float(digits[-1]) if digits and not re.fullmatch(r"[A-Za-z]\d", item.text) else 0
        values.append(number or 0.45 + 0.5 * (k + 1) / n + frame.rng.uniform(-0.08, 0.08))
    top = max(values) or 1.0
    slot_w = plot.w / n
    bar_w = slot_w * 0.62
    art: list = []
    for k, (item, value) in enumerate(zip(items, values, strict=True)):
        x = plot.x + slot_w * k + (slot_w - bar_w) / 2
        bar_h = plot.h * 0.92 * value / top
        colour = pal.accent if k == n - 1 else mix(pal.accent, pal.dark, 0.35)
        art.append(Rect(x, plot.bottom - bar_h, bar_w, bar_h, colour, bar_w * 0.08))
        comp.slots.append(
            Slot(
                Box(x - slot_w * 0.15, plot.bottom + label_h * 0.15, bar_w + slot_w * 0.3,
                    label_h * 0.8),
                [Paragraph(item.text, TextStyle(face, 1.0, 1.1, "center"), item.role, ink,
                           item.text)],
                max_size=min(label_h * 0.5, frame.short * 0.05),
                min_size=6.0,
                valign="top",
            )
        )  # fmt: skip
    art.append(
        Line(plot.x, plot.bottom, plot.right, plot.bottom, ink, max(1.5, frame.short * 0.004))
    )
    frame.shown.add("element:chart")
    return art


def quote_card(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    comp = Composition()
    variant = frame.form % 3
    ink = pal.light
    if variant == 0:  # the abstract picture under a dark veil
        bg, _ = abstract_picture(frame, Box(0, 0, w, h))
        comp.background += bg
        comp.background.append(Rect(0, 0, w, h, mix(pal.dark, (0, 0, 0), 0.2)))
    elif variant == 1:  # paper
        comp.background.append(Rect(0, 0, w, h, mix(pal.light, (255, 255, 255), 0.4)))
        comp.background.append(Rect(0, h - m * 0.6, w, m * 0.6, pal.accent))
        ink = pal.dark
    else:  # a colour field with a darker panel
        comp.background.append(Rect(0, 0, w, h, mix(pal.accent2, pal.dark, 0.2)))
        comp.background.append(
            Rect(m * 0.5, m * 0.5, w - m, h - m, mix(pal.dark, pal.accent2, 0.15), m * 0.3)
        )
    short = frame.short
    s = short * 0.09
    x, y = m * 1.2, m * 1.2
    for dx in (0.0, s * 1.1):  # a drawn quotation mark
        comp.art.append(Ellipse(x + dx + s * 0.45, y + s * 0.45, s * 0.45, s * 0.45, pal.accent))
        comp.art.append(
            Path(
                (
                    ("M", x + dx + s * 0.05, y + s * 0.6),
                    ("Q", x + dx + s * 0.1, y + s * 1.3, x + dx + s * 0.75, y + s * 1.5),
                    ("Q", x + dx + s * 0.5, y + s * 1.1, x + dx + s * 0.85, y + s * 0.6),
                    ("Z",),
                ),
                pal.accent,
            )
        )
    quotes = frame.brief.quotes
    main = sorted(quotes, key=lambda qt: -len(qt.text))[:1]  # the quotation is the longest
    rest = [qt for qt in quotes if qt not in main]
    parts = []
    if main:
        t = main[0].text
        parts.append(
            Part(
                [Paragraph(t, TextStyle("serif-italic", 1.0, 1.25, "left"), "body", ink, t)],
                3.0,
                0.3,
            )
        )
    if rest:
        parts.append(
            Part(
                simple_paragraphs(
                    rest, "sans-medium", mix(pal.accent, ink, 0.5), role="tagline", gap=0.3
                ),
                0.8,
                0.3,
            )
        )
    comp.slots += stack(
        Box(m * 1.2, y + s * 1.9, w - 2.4 * m, h - y - s * 1.9 - m * 1.2),
        parts,
        m * 0.4,
        valign="center",
    )
    return comp


def label(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label_face = faces(frame)
    variant = frame.form % 3
    comp = Composition()
    ground = pal.bg2 if variant != 2 else mix(pal.accent2, pal.dark, 0.3)
    comp.background.append(Rect(0, 0, w, h, ground))
    parts = text_parts(frame, display, text, label_face, "center", pal.dark, pal.dark)
    title, rest = parts[:1], parts[1:]
    short = frame.short
    if variant == 1:  # a band across the pack with the name, emblem above
        comp.background.append(
            decor.stripes(Box(0, 0, w, h * 0.45), mix(ground, pal.accent, 0.3), 10)
        )
        comp.art += emblem(frame, w / 2, h * 0.24, short * 0.14)
        band = Box(0, h * 0.45, w, h * 0.3)
        comp.art.append(Rect(band.x, band.y, band.w, band.h, pal.light))
        comp.art.append(Rect(0, band.y - h * 0.015, w, h * 0.015, pal.accent))
        comp.art.append(Rect(0, band.bottom, w, h * 0.015, pal.accent))
        comp.slots += stack(band.inset(m, band.h * 0.1), title, 0, valign="center")
    else:
        if frame.detail >= 1:
            comp.background.append(
                decor.stripes(Box(0, 0, w, h), mix(ground, pal.bg, 0.5), 18, vertical=variant == 0)
            )
        cx, cy = w / 2, h * 0.42
        r = short * 0.36
        if variant == 0:
            comp.art.append(decor.badge(cx, cy, r, pal.accent, 28))
        else:
            comp.art.append(Ellipse(cx, cy, r, r, pal.accent))
        comp.art.append(Ellipse(cx, cy, r * 0.86, r * 0.86, pal.light))
        scene_art = genre_art.vignette(
            frame, Box(cx - r * 0.62, cy - r * 0.8, r * 1.24, r * 0.62), occasions=False
        )
        if scene_art:  # the label's subjects (mountains, pines...) over the name
            comp.art += scene_art
            title_box = Box(cx - r * 0.66, cy - r * 0.1, r * 1.32, r * 0.72)
        else:
            comp.art += emblem(frame, cx, cy - r * 0.55, r * 0.16)
            title_box = Box(cx - r * 0.62, cy - r * 0.3, r * 1.24, r * 0.75)
        comp.slots += stack(title_box, title, 0, valign="center")
    if rest:
        for part in rest:  # the details stay below the name's size, set in the badge
            part.size_cap = min(part.size_cap or short, short * 0.04)
        comp.background.append(Rect(0, h * 0.8, w, h * 0.2, pal.dark))
        comp.slots += stack(
            Box(m, h * 0.8 + m * 0.4, w - 2 * m, h * 0.2 - m * 0.8), rest, m * 0.2, valign="center"
        )
    return comp
