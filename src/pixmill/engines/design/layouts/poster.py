"""Posters, flyers and event posters: a dominant title, a picture, details at the foot.

Variants (by the seed): 0, title above a framed picture; 1, picture full bleed with
the text over a scrim; 2, graphic: shapes and a giant title, no picture. In a wide
frame the picture takes one side and the text a column. Events set their date and
venue (info quotes) on an accent band; flyers give body text more room.
"""

from __future__ import annotations

from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Part,
    faces,
    headline_paragraphs,
    roles,
    simple_paragraphs,
    stack,
)
from pixmill.engines.design.layouts.scenery import abstract_picture, picture
from pixmill.engines.design.palette import background_color, mix, with_alpha
from pixmill.engines.design.scene import Box, LinearGradient, Rect
from pixmill.engines.design.subjects import decor
from pixmill.engines.design.typeset import Paragraph, TextStyle


def text_parts(
    frame: Frame, display: str, text: str, label: str, align: str, color, accent, *, info_plate=None
) -> list[Part]:
    """The usual hierarchy: title, headlines and tagline, info, body."""
    q = roles(frame.brief)
    pal = frame.palette
    parts: list[Part] = []
    if q["title"]:
        t = q["title"][0].text
        parts.append(
            Part(
                [Paragraph(t, TextStyle(display, 1.0, 1.0, align, max_lines=3), "title", color, t)],
                3.0,
                0.8,
                size_cap=frame.short * 0.3,
                valign="bottom",
            )
        )
    subs = q["headline"] + q["tagline"]
    if subs:
        parts.append(
            Part(
                headline_paragraphs(
                    subs,
                    face=text,
                    kicker_face=label,
                    color=color,
                    kicker_color=accent,
                    align=align,
                    gap=0.45,
                ),
                1.2 + 0.3 * min(len(subs), 4),
                0.4,
                size_cap=frame.short * 0.075,
            )
        )
    if q["info"]:
        parts.append(
            Part(
                simple_paragraphs(
                    q["info"],
                    label,
                    pal.dark if info_plate else color,
                    align=align,
                    role="info",
                    gap=0.3,
                ),
                1.0 + 0.2 * len(q["info"]),
                0.33,
                size_cap=frame.short * 0.06,
                plate=info_plate,
                plate_radius=frame.short * 0.01,
            )
        )
    if q["body"]:
        parts.append(
            Part(
                simple_paragraphs(q["body"], text, color, align=align, gap=0.6),
                1.0 + 0.5 * len(q["body"]),
                0.22,
                size_cap=frame.short * 0.045,
            )
        )
    return parts


def layout(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    genre = frame.brief.genre
    display, text, label = faces(frame)
    variant = frame.variant % 3
    if variant == 2 and genre_art.subjects(frame, occasions=False):
        variant = frame.variant % 2  # a named subject gets a picture, not abstract shapes
    align = "center" if frame.variant % 2 else "left"
    comp = Composition()
    info_plate = pal.accent if genre == "event" else None
    light, accent = pal.light, mix(pal.accent, (255, 255, 255), 0.35)
    parts = text_parts(frame, display, text, label, align, light, accent, info_plate=info_plate)
    scrim = mix(pal.dark, (0, 0, 0), 0.3)
    ground = pal.dark
    if background_color(frame.brief) is not None:  # the asked background, not a dark one
        ground = scrim = pal.bg
        light = accent = pal.dark
        parts = text_parts(frame, display, text, label, align, light, accent, info_plate=info_plate)
    full = Box(0, 0, w, h)

    if frame.landscape:
        side = w * 0.46
        pic = Box(side + m * 0.5, m, w - side - 1.5 * m, h - 2 * m) if variant != 1 else full
        if variant == 2:
            layers = abstract_picture(frame, full)
        else:
            layers = picture(frame, pic, corner=m * 0.4 if variant == 0 else 0.0)
        comp.background.append(Rect(0, 0, w, h, ground if variant == 0 else pal.bg))
        comp.add_picture(layers)
        if variant != 0:
            comp.background.append(
                Rect(
                    0,
                    0,
                    side * 1.5,
                    h,
                    LinearGradient(
                        (0, 0),
                        (side * 1.5, 0),
                        (with_alpha(scrim, 0.85), with_alpha(scrim, 0.6), with_alpha(scrim, 0)),
                        (0, 0.6, 1),
                    ),
                )
            )
        comp.slots += stack(Box(m, m, side - m, h - 2 * m), parts, m * 0.5, valign="center")
        return comp

    if variant == 0:  # title block over a framed picture
        comp.background.append(Rect(0, 0, w, h, ground))
        title_parts = parts[:1]
        rest = parts[1:]
        title_h = h * 0.24
        pic_top = m + title_h + m * 0.5
        foot_h = h * (0.2 if rest else 0.0)
        pic = Box(m, pic_top, w - 2 * m, h - pic_top - m - foot_h - (m * 0.5 if rest else 0))
        comp.add_picture(picture(frame, pic, corner=m * 0.3))
        comp.slots += stack(Box(m, m, w - 2 * m, title_h), title_parts, 0)
        if rest:
            comp.slots += stack(Box(m, h - m - foot_h, w - 2 * m, foot_h), rest, m * 0.3)
        return comp
    if variant == 1:  # picture bleeding off the top, text on the dark foot
        comp.background.append(Rect(0, 0, w, h, scrim))
        comp.add_picture(picture(frame, Box(0, 0, w, h * 0.6)))
        top = h * 0.42
        comp.background.append(
            Rect(
                0,
                top,
                w,
                h * 0.18 + 1,
                LinearGradient(
                    (0, top), (0, h * 0.6), (with_alpha(scrim, 0), with_alpha(scrim, 1.0))
                ),
            )
        )
        comp.slots += stack(Box(m, h * 0.6, w - 2 * m, h * 0.4 - m), parts, m * 0.35)
        return comp
    # graphic: a giant title over a band of shapes, framed by a rule
    comp.background.append(Rect(0, 0, w, h, ground))
    inner = Box(m, m, w - 2 * m, h - 2 * m)
    band = Box(0, h * 0.5, w, h * 0.5)
    comp.add_picture(abstract_picture(frame, band))
    comp.background.append(decor.frame(inner.inset(-m * 0.4), pal.accent, max(2.0, m * 0.08)))
    comp.slots += stack(Box(m, m, w - 2 * m, h * 0.5 - m * 1.3), parts, m * 0.3)
    return comp
