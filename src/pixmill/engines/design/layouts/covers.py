"""Book covers and album covers.

Book: 0, emblem picture in a panel with the title above and the author below;
1, picture over the top two thirds and the title on a solid foot; 2, typographic,
the title stacked large between rules. `book_author`: the genre-fiction cover, the
author across the head, the picture fading into a dark ground, the title large at
the foot under an accent rule. Album: 0, full-bleed picture with the title in a
corner; 1, abstract art with the title on a band; 2, title on a solid foot.
"""

from __future__ import annotations

from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.base import Composition, Frame, faces, stack
from pixmill.engines.design.layouts.poster import text_parts
from pixmill.engines.design.layouts.scenery import abstract_picture, picture
from pixmill.engines.design.palette import mix, with_alpha
from pixmill.engines.design.scene import Box, Line, LinearGradient, Rect


def book(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    if display in ("display-black", "sans-black"):
        display = "serif-black" if frame.variant % 2 else display
    variant = frame.form % 3
    if variant == 2 and genre_art.subjects(frame, occasions=False):
        variant = frame.variant % 2  # a named subject gets a picture, not abstract shapes
        frame.drawn = ("book-panel", "book-bleed")[variant]
    comp = Composition()
    ground = mix(pal.dark, pal.accent2, 0.25)
    comp.background.append(Rect(0, 0, w, h, ground))
    light, accent = pal.light, mix(pal.accent, (255, 255, 255), 0.4)
    parts = text_parts(frame, display, text, label, "center", light, accent)
    title, rest = parts[:1], parts[1:]
    if variant == 0:
        title_h = h * 0.26
        panel = Box(m * 1.5, m + title_h + m * 0.5, w - 3 * m, h * 0.42)
        comp.add_picture(picture(frame, panel, corner=frame.short * 0.02))
        comp.slots += stack(Box(m, m, w - 2 * m, title_h), title, 0)
        foot_top = panel.bottom + m * 0.6
        comp.slots += stack(Box(m, foot_top, w - 2 * m, h - m - foot_top), rest, m * 0.3)
    elif variant == 1:
        pic = Box(0, 0, w, h * 0.64)
        comp.add_picture(picture(frame, pic))
        comp.background.append(Rect(0, h * 0.64 - 1, w, h * 0.012, pal.accent))
        comp.slots += stack(Box(m, h * 0.68, w - 2 * m, h * 0.32 - m), parts, m * 0.3)
    else:
        rule = max(1.5, frame.short * 0.004)
        for y in (h * 0.14, h * 0.7):
            comp.background.append(Line(m * 1.5, y, w - m * 1.5, y, accent, rule))
        comp.add_picture(abstract_picture(frame, Box(0, h * 0.74, w, h * 0.26)))
        comp.slots += stack(
            Box(m * 1.5, h * 0.17, w - 3 * m, h * 0.5), parts, m * 0.4, valign="center"
        )
    return comp


def album(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    variant = frame.form % 3
    comp = Composition()
    light, accent = pal.light, mix(pal.accent, (255, 255, 255), 0.4)
    parts = text_parts(frame, display, text, label, "left", light, accent)
    full = Box(0, 0, w, h)
    if variant == 0:
        comp.add_picture(picture(frame, full))
        scrim = mix(pal.dark, (0, 0, 0), 0.4)
        comp.background.append(
            Rect(
                0,
                0,
                w,
                h * 0.4,
                LinearGradient(
                    (0, 0), (0, h * 0.4), (with_alpha(scrim, 0.85), with_alpha(scrim, 0))
                ),
            )
        )
        comp.slots += stack(Box(m, m, w * 0.7 - m, h * 0.3), parts, m * 0.2)
    elif variant == 1:
        comp.add_picture(abstract_picture(frame, full))
        band = Box(0, h * 0.62, w, h * 0.26)
        comp.background.append(Rect(band.x, band.y, band.w, band.h, pal.dark))
        comp.slots += stack(band.inset(m, band.h * 0.12), parts, m * 0.2, valign="center")
    else:
        comp.background.append(Rect(0, 0, w, h, pal.dark))
        comp.add_picture(picture(frame, Box(0, 0, w, h * 0.7)))
        comp.slots += stack(Box(m, h * 0.72, w - 2 * m, h * 0.28 - m), parts, m * 0.2)
    return comp


def book_author(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    ground = mix(pal.dark, (0, 0, 0), 0.45)
    light, accent = pal.light, mix(pal.accent, (255, 255, 255), 0.3)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    comp.add_picture(picture(frame, Box(0, h * 0.12, w, h * 0.6)))
    for y0, y1 in ((h * 0.12, h * 0.26), (h * 0.72, h * 0.52)):  # the picture fades out
        top, bottom = min(y0, y1), max(y0, y1)
        colours = (ground, with_alpha(ground, 0)) if y0 < y1 else (with_alpha(ground, 0), ground)
        comp.background.append(
            Rect(0, top, w, bottom - top, LinearGradient((0, top), (0, bottom), colours))
        )
    parts = text_parts(frame, display, text, label, "center", light, accent)
    title, rest = parts[:1], parts[1:]
    for part in rest:  # the author's name (and any line) across the head
        part.size_cap, part.size_ratio = frame.short * 0.065, 0.7
    comp.slots += stack(Box(m * 1.5, m, w - 3 * m, h * 0.1), rest, m * 0.2, valign="center")
    rule_y = h * 0.7
    comp.background.append(
        Rect(w / 2 - w * 0.12, rule_y, w * 0.24, max(2.0, frame.short * 0.008), pal.accent)
    )
    comp.slots += stack(Box(m * 1.2, rule_y + m * 0.6, w - 2.4 * m, h - rule_y - m * 1.6), title, 0)
    return comp
