"""Tables of items: a menu with its prices in a column, a timeline, an oval label.

Menu columns: the title over a short ornament rule, the items as rows with the
price set flush right in its own column and a hairline under each row; two columns
of rows when the frame is wide and the list long. Timeline: a centre line with a
node per item, the items alternating left and right of it. Oval label: a cartouche
in the middle of the pack holding the mark, the name and the tagline, the details
(weight, volume) on a tab at the foot.
"""

from __future__ import annotations

import re

from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Slot,
    band_colours,
    faces,
    ink_on,
    pick_parts,
    stack,
)
from pixmill.engines.design.layouts.lists import _items, _title_part
from pixmill.engines.design.layouts.marks import emblem
from pixmill.engines.design.layouts.poster import text_parts
from pixmill.engines.design.palette import mix
from pixmill.engines.design.scene import Box, Ellipse, Line, Rect
from pixmill.engines.design.subjects import decor
from pixmill.engines.design.typeset import Paragraph, TextStyle

_PRICE = re.compile(r"^(.*\S)\s+((?:[$€£¥]\s?)?\d[\d.,]*(?:\s?[$€£¥]|\s?(?:eur|usd|gbp))?)$", re.I)


def split_price(text: str) -> tuple[str, str] | None:
    """'Cappuccino $4' -> ('Cappuccino', '$4'); None without a price at the end."""
    match = _PRICE.match(text)
    if match is None or not re.search(r"[A-Za-z]", match[1]):
        return None
    return match[1], match[2]


def menu_columns(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    paper = mix(pal.light, (255, 250, 240), 0.5)
    ink = pal.dark
    accent = mix(pal.accent, ink, 0.35)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, paper))
    comp.background.append(
        decor.frame(Box(m * 0.5, m * 0.5, w - m, h - m), accent, max(1.0, frame.short * 0.003))
    )
    title_h = h * 0.18
    comp.slots += stack(
        Box(m * 1.2, m * 1.1, w - 2.4 * m, title_h), _title_part(frame, display, ink), 0
    )
    y = m * 1.1 + title_h + m * 0.3
    comp.background.append(
        Line(w / 2 - w * 0.08, y, w / 2 + w * 0.08, y, accent, max(1.5, frame.short * 0.004))
    )
    comp.background.append(Ellipse(w / 2, y, frame.short * 0.008, frame.short * 0.008, accent))
    items = _items(frame)
    cols = 2 if frame.landscape and len(items) > 4 else 1
    area = Box(m * 1.5, y + m * 0.7, w - 3 * m, h - y - m * 2.2)
    if not items:
        return comp
    per = -(-len(items) // cols)
    gutter = m
    cw = (area.w - gutter * (cols - 1)) / cols
    row_h = min(area.h / per, frame.short * 0.14)
    size = min(row_h * 0.42, frame.short * 0.065)
    spare = area.h - row_h * per
    if spare > frame.short * 0.15:  # the dishes drawn under the list, else the list centred
        foot = Box(area.x, area.bottom - spare + m * 0.6, area.w, spare - m * 0.6)
        art = genre_art.vignette(frame, foot.inset(foot.w * 0.1, 0))
        comp.art += art
        if not art:
            area = Box(area.x, area.y + spare * 0.4, area.w, area.h)
    hair = max(1.0, frame.short * 0.0015)
    for i, item in enumerate(items):
        c, r = divmod(i, per)
        x, ry = area.x + c * (cw + gutter), area.y + r * row_h
        row = Box(x, ry + row_h * 0.15, cw, row_h * 0.7)
        comp.background.append(
            Line(x, ry + row_h, x + cw, ry + row_h, mix(accent, paper, 0.5), hair)
        )
        parts = split_price(item.text)
        name_w = cw * (0.74 if parts else 1.0)
        name, price = parts if parts else (item.text, "")
        comp.slots.append(_cell(Box(x, row.y, name_w, row.h), name, item, text, ink, size))
        if price:
            cell = _cell(
                Box(x + name_w, row.y, cw - name_w, row.h),
                price,
                item,
                label,
                accent,
                size,
                "right",
            )
            comp.slots.append(cell)
    return comp


def _cell(box: Box, text: str, item, face: str, color, size: float, align="left") -> Slot:
    style = TextStyle(face, 1.0, 1.1, align)
    return Slot(
        box,
        [Paragraph(text, style, item.role, color, item.text)],
        size,
        min(6.0, size),
        valign="center",
    )


def timeline(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, _label = faces(frame)
    ground = mix(pal.light, (255, 255, 255), 0.35)
    ink = ink_on(frame, ground)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    title_h = h * 0.2
    header, header_ink = band_colours(frame, pal.accent)
    comp.background.append(Rect(0, 0, w, title_h + m, header))
    comp.slots += stack(
        Box(m, m * 0.6, w - 2 * m, title_h),
        _title_part(frame, display, header_ink),
        0,
    )
    items = _items(frame)
    if not items:
        return comp
    area = Box(m, title_h + m * 1.8, w - 2 * m, h - title_h - m * 2.8)
    cx = w / 2
    n = len(items)
    row_h = area.h / n
    r = min(row_h * 0.22, frame.short * 0.035)
    comp.background.append(
        Line(cx, area.y, cx, area.bottom, mix(pal.accent, ground, 0.3), max(2.0, r * 0.25))
    )
    size = min(row_h * 0.4, frame.short * 0.055)
    for i, item in enumerate(items):
        cy = area.y + row_h * (i + 0.5)
        colour = pal.accent if i % 2 == 0 else pal.accent2
        comp.art.append(Ellipse(cx, cy, r, r, colour))
        comp.art.append(Ellipse(cx, cy, r * 0.45, r * 0.45, ground))
        left = i % 2 == 0
        box = (
            Box(area.x, cy - row_h * 0.4, cx - r * 2 - area.x, row_h * 0.8)
            if left
            else Box(cx + r * 2, cy - row_h * 0.4, area.right - cx - r * 2, row_h * 0.8)
        )
        style = TextStyle(text, 1.0, 1.12, "right" if left else "left")
        comp.slots.append(
            Slot(
                box,
                [Paragraph(item.text, style, item.role, ink, item.text)],
                size,
                min(6.0, size),
                valign="center",
            )
        )
    return comp


def label_oval(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    ground = mix(pal.accent2, pal.bg2, 0.4)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    comp.background.append(
        decor.stripes(Box(0, 0, w, h), mix(ground, pal.dark, 0.08), 24, vertical=True)
    )
    rx, ry = (w - 2 * m) * 0.46, (h - 2 * m) * 0.4
    cx, cy = w / 2, h * 0.46
    comp.background.append(Ellipse(cx, cy, rx, ry, pal.accent))
    comp.background.append(
        Ellipse(cx, cy, rx * 0.95, ry * 0.94, mix(pal.light, (255, 252, 240), 0.5))
    )
    r = min(rx, ry) * 0.26
    comp.art += emblem(frame, cx, cy - ry * 0.55, r)
    ink = pal.dark
    parts = text_parts(frame, display, text, label, "center", ink, mix(pal.accent, ink, 0.4))
    info = pick_parts(parts, "info")
    main = [p for p in parts if p not in info]
    box = Box(cx - rx * 0.68, cy - ry * 0.22, rx * 1.36, ry * 0.88)
    comp.slots += stack(box, main, m * 0.2, valign="center")
    if info:
        tab = Box(w * 0.3, h - m - h * 0.08, w * 0.4, h * 0.08)
        comp.background.append(Rect(tab.x, tab.y, tab.w, tab.h, pal.dark, tab.h * 0.5))
        for part in info:
            for p in part.paragraphs:
                p.color = pal.light
        comp.slots += stack(tab.inset(tab.h * 0.4, tab.h * 0.18), info, 0, valign="center")
    return comp
