"""Grid posters, flyers, event posters and banners, after the way printed ones are set.

Swiss poster: a six-column grid, the picture in a colour module at the top right,
the title huge and flush left across the grid, details in two columns under a rule.
Typographic poster: no picture; the title stacked as large as the sheet allows on a
colour field, the details in a row of columns under a heavy rule. Flyer columns: the
title on a colour band, the picture beside the copy, the details on a foot band.
Event date: the date and venue large in an accent column beside the title and the
picture. Centred banner: the message centred between two drawn ends, the call to
action on a button.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.abstract import abstract_picture
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Part,
    band_colours,
    faces,
    ink_on,
    pick_parts,
    stack,
)
from pixmill.engines.design.layouts.poster import text_parts
from pixmill.engines.design.layouts.scenery import picture
from pixmill.engines.design.palette import background_color, contrast, mix, named_colors
from pixmill.engines.design.scene import Box, Ellipse, LinearGradient, Rect
from pixmill.engines.design.subjects import decor

_CTA = re.compile(
    r"^(order|shop|buy|book|sign up|start|get|try|join|learn|download|subscribe|register|"
    r"call|visit|discover|explore|reserve|claim|see|watch|listen)\b",
    re.I,
)


def _ground(frame: Frame, default) -> tuple:
    """The asked background or colours win over the layout's own ground."""
    asked = background_color(frame.brief)
    if asked is not None:
        return frame.palette.bg
    return frame.palette.bg if named_colors(frame.brief) else default


def _art(frame: Frame, comp: Composition, box: Box) -> None:
    """The prompt's subjects standing in the box, else an abstract picture filling it."""
    found = genre_art.vignette(frame, box.inset(box.w * 0.08, box.h * 0.06))
    if found:
        comp.art += found
    else:
        comp.add_picture(abstract_picture(frame, box))


def swiss(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    ground = _ground(frame, mix(pal.light, (250, 250, 246), 0.6))
    ink = ink_on(frame, ground)
    accent = pal.accent if contrast(pal.accent, ground) >= 2.5 else ink
    parts = text_parts(frame, display, text, label, "left", ink, accent)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    col = (w - 2 * m) / 6
    rule = max(2.0, frame.short * 0.006)
    if frame.landscape:
        module = Box(m + col * 3.3, m, col * 2.7, h - 2 * m)
        title_box = Box(m, m, col * 3.1, h * 0.5 - m)  # clear of the rule below
        low = Box(m, h * 0.5 + m * 0.8, col * 3.1, h * 0.5 - m * 1.8)
        comp.background.append(Rect(m, h * 0.5 + m * 0.3, col * 3.1, rule, ink))
    else:
        module = Box(m + col * 2, m, col * 4, h * 0.42)
        title_box = Box(m, module.bottom + m * 0.5, w - 2 * m, h * 0.3)
        top = title_box.bottom + m * 0.5
        comp.background.append(Rect(m, top, w - 2 * m, rule, ink))
        low = Box(m, top + m * 0.6, w - 2 * m, h - top - m * 1.6)
    comp.background.append(Rect(module.x, module.y, module.w, module.h, pal.accent))
    comp.background.append(
        Ellipse(
            module.right - module.w * 0.2,
            module.y + module.w * 0.2,
            module.w * 0.12,
            module.w * 0.12,
            pal.accent2,
        )
    )
    _art(frame, comp, module)
    title = pick_parts(parts, "title")
    for part in title:
        part.valign = "bottom"
        part.paragraphs[0].style = replace(part.paragraphs[0].style, stacked=True)
    comp.slots += stack(title_box, title, 0)
    left, right = pick_parts(parts, "headline"), pick_parts(parts, "info", "body")
    for part in left + right:  # the two columns share one size
        part.size_cap, part.size_ratio = frame.short * 0.045, 0.5
    if not left or not right:  # one column of details: it takes the grid's first four
        comp.slots += stack(Box(low.x, low.y, low.w * (4 / 6), low.h), left + right, m * 0.3)
        return comp
    gutter = m * 0.5
    half = (low.w - gutter) / 2
    comp.slots += stack(Box(low.x, low.y, half, low.h), left, m * 0.3)
    comp.slots += stack(Box(low.x + half + gutter, low.y, half, low.h), right, m * 0.3)
    return comp


def typographic(frame: Frame) -> Composition:
    if genre_art.subjects(frame, occasions=False):
        # A named subject is drawn: the colour-block poster holds it beside the type.
        from pixmill.engines.design.layouts import poster

        frame.drawn = "poster-block"
        return poster.flat_wide(frame, 1) if frame.landscape else poster.flat_poster(frame, 1)
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    ground = _ground(frame, pal.accent)
    ink = ink_on(frame, ground)
    accent = mix(ink, ground, 0.25)
    parts = text_parts(frame, display, text, label, "left", ink, accent)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    r = frame.short * 0.34  # a quiet disc behind the title: the sheet's one shape
    comp.art.append(Ellipse(w - r * 0.85, r * 0.95, r, r, mix(ground, ink, 0.12)))
    title = pick_parts(parts, "title")
    for part in title:
        part.size_cap = frame.short * 0.45
        part.paragraphs[0].style = _lines(part, 4)
    rest = [p for p in parts if p not in title]
    split = 0.64 if rest else 0.86
    if named_colors(frame.brief):  # the asked second colour along the foot
        comp.background.append(Rect(0, h - m * 0.5, w, m * 0.5, pal.accent))
    comp.slots += stack(Box(m, m, w - 2 * m, h * split - m), title, 0)
    if not rest:
        return comp
    rule_y = h * split + m * 0.2
    shown = named_colors(frame.brief) or contrast(pal.accent, ground) >= 2.0
    rule = pal.accent if shown else ink  # the asked second colour, shown in the rule
    comp.background.append(Rect(m, rule_y, w - 2 * m, max(3.0, frame.short * 0.014), rule))
    low = Box(m, rule_y + m * 0.7, w - 2 * m, h - rule_y - m * 1.7)
    gutter = m * 0.5
    cw = (low.w - gutter * (len(rest) - 1)) / len(rest)
    for i, part in enumerate(rest):
        part.size_cap = frame.short * 0.05
        comp.slots += stack(Box(low.x + i * (cw + gutter), low.y, cw, low.h), [part], 0)
    return comp


def _lines(part: Part, lines: int):
    return replace(part.paragraphs[0].style, max_lines=lines, leading=0.92, stacked=True)


def flyer_columns(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    paper = _ground(frame, mix(pal.light, (255, 255, 255), 0.5))
    ink = ink_on(frame, paper)
    band_colour = pal.accent
    band_ink = ink_on(frame, band_colour)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, paper))
    parts = text_parts(frame, display, text, label, "left", ink, mix(pal.accent, ink, 0.5))
    title = pick_parts(parts, "title")
    info = pick_parts(parts, "info")
    copy = pick_parts(parts, "headline", "body")
    band_h = h * (0.26 if not frame.landscape else 0.3)
    comp.background.append(Rect(0, 0, w, band_h, band_colour))
    for part in title:
        for p in part.paragraphs:
            p.color = band_ink
        part.valign = "center"
    comp.slots += stack(Box(m, m * 0.6, w - 2 * m, band_h - m * 1.2), title, 0)
    foot_h = h * 0.14 if info else 0.0
    if info:
        comp.background.append(Rect(0, h - foot_h, w, foot_h, pal.dark))
        for part in info:
            for p in part.paragraphs:
                p.color = pal.light
            part.valign = "center"
        comp.slots += stack(Box(m, h - foot_h + m * 0.3, w - 2 * m, foot_h - m * 0.6), info, 0)
    body = Box(m, band_h + m * 0.7, w - 2 * m, h - band_h - foot_h - m * 1.4)
    pic_w = body.w * (0.5 if copy else 1.0)
    pic = Box(body.x, body.y, pic_w, body.h)
    comp.background.append(Rect(pic.x, pic.y, pic.w, pic.h, mix(pal.accent2, paper, 0.7), m * 0.3))
    comp.add_picture(picture(frame, pic.inset(m * 0.25), corner=m * 0.25))
    if copy:
        col = Box(pic.right + m * 0.6, body.y, body.w - pic_w - m * 0.6, body.h)
        comp.slots += stack(col, copy, m * 0.3, valign="center")
    return comp


def event_date(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    ground = _ground(frame, pal.dark)
    ink = ink_on(frame, ground)
    column = pal.accent
    col_ink = ink_on(frame, column)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    parts = text_parts(frame, display, text, label, "left", ink, mix(pal.accent, ink, 0.3))
    info = pick_parts(parts, "info") or pick_parts(parts, "headline")  # the date, the venue
    cw = w * (0.34 if info else 0.0)
    if info:
        comp.background.append(Rect(0, 0, cw, h, column))
        for part in info:
            part.size_cap = frame.short * 0.09
            for p in part.paragraphs:
                p.color = col_ink
                p.style = type(p.style)(label, 1.0, 1.05, "left", gap_before=0.5)
        comp.slots += stack(Box(m * 0.7, m, cw - m * 1.4, h - 2 * m), info, 0, valign="center")
    x0 = cw + m * 0.8
    area = Box(x0, m, w - x0 - m, h - 2 * m)
    title = pick_parts(parts, "title")
    rest = [p for p in parts if p not in title and p not in info]
    title_h = area.h * 0.3
    comp.slots += stack(Box(area.x, area.y, area.w, title_h), title, 0)
    rest_h = area.h * (0.22 if rest else 0.0)
    pic = Box(area.x, area.y + title_h + m * 0.4, area.w, area.h - title_h - rest_h - m * 0.8)
    comp.add_picture(picture(frame, pic, corner=m * 0.3))
    if rest:
        comp.slots += stack(Box(area.x, area.bottom - rest_h, area.w, rest_h), rest, m * 0.3)
    return comp


def banner_centered(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    top, bottom = pal.dark, mix(pal.dark, pal.accent2, 0.45)
    if background_color(frame.brief) is not None:
        top = bottom = pal.bg
    ink = ink_on(frame, mix(top, bottom, 0.5))
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, LinearGradient((0, 0), (0, h), (top, bottom))))
    parts = text_parts(frame, display, text, label, "center", ink, mix(pal.accent, ink, 0.3))
    button, button_ink = band_colours(frame, pal.accent)
    calls = [
        p for part in parts for p in part.paragraphs if p.role != "title" and _CTA.match(p.text)
    ]
    if calls:  # the call to action on a button of its own
        for part in parts:
            part.paragraphs = [p for p in part.paragraphs if p not in calls]
        parts = [p for p in parts if p.paragraphs]
        for p in calls:
            p.color = button_ink
            p.style = replace(p.style, gap_before=0.0)
        parts.append(
            Part(
                calls[:1],
                1.2,
                0.55,
                size_cap=frame.short * 0.06,
                plate=button,
                plate_radius=frame.short * 0.03,
            )
        )
        if calls[1:]:
            parts.append(Part(calls[1:], 0.6, 0.4, size_cap=frame.short * 0.05))
    if frame.landscape:
        end = min(w * 0.22, h * 0.9)
        left, right = Box(m, m, end, h - 2 * m), Box(w - m - end, m, end, h - 2 * m)
        text_box = Box(left.right + m, m * 1.2, right.x - left.right - 2 * m, h - 2.4 * m)
    else:
        end = h * 0.22
        left, right = Box(m, m, w - 2 * m, end), Box(m, h - m - end, w - 2 * m, end)
        text_box = Box(m * 1.5, left.bottom + m, w - 3 * m, right.y - left.bottom - 2 * m)
    found = genre_art.vignette(frame, left)
    if found:
        comp.art += found
    else:
        comp.background.append(
            decor.ring(
                left.x + left.w / 2,
                left.y + left.h / 2,
                min(left.w, left.h) * 0.36,
                pal.accent,
                min(left.w, left.h) * 0.12,
            )
        )
    comp.background.append(
        decor.dots(
            right,
            mix(pal.accent, top, 0.3),
            min(right.w, right.h) / 7,
            min(right.w, right.h) * 0.035,
        )
    )
    comp.background.append(Rect(0, h - frame.short * 0.02, w, frame.short * 0.02, pal.accent))
    comp.slots += stack(text_box, parts, m * 0.3, valign="center")
    return comp
