"""Magazine cover: masthead across the top, cover lines in a column, a main visual.

Variants: 0, cover lines all in the left column; 1, the last cover line in a band
across the foot of the cover. Landscape and square frames keep the same hierarchy
with the column narrower and the visual to the right.
"""

from __future__ import annotations

from pixmill.engines.design.layouts import stage
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Slot,
    headline_paragraphs,
    roles,
    simple_paragraphs,
)
from pixmill.engines.design.layouts.scenery import picture
from pixmill.engines.design.layouts.visuals import PERSON_WORDS, main_visual
from pixmill.engines.design.palette import hsl, mix, to_hsl, with_alpha
from pixmill.engines.design.scene import Box, LinearGradient, Rect
from pixmill.engines.design.typeset import Paragraph, TextStyle


def _faces(frame: Frame) -> tuple[str, str, str]:
    """(masthead, cover line, kicker) faces from the style words."""
    brief = frame.brief
    if brief.has("elegant", "luxury", "classic", "vintage", "fashion", "literary"):
        return "serif-black", "serif-semibold", "sans-bold"
    if brief.has("minimalist", "minimal", "clean", "corporate"):
        return "sans-black", "humanist-semibold", "sans-bold"
    return "condensed", "humanist-bold", "sans-black"


def layout(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    quotes = roles(frame.brief)
    title = quotes["title"]
    headlines = quotes["headline"] + quotes["tagline"]
    rest = quotes["info"] + quotes["body"]
    masthead_face, line_face, kicker_face = _faces(frame)

    comp = Composition()
    # 1. the visual fills the cover; text sits on its calm side
    if frame.portrait:
        mast_h = h * 0.15
        visual_box = Box(0, 0, w, h)
        subject_x = 0.66
        column = Box(m, m + mast_h + h * 0.035, w * 0.44 - m, 0)
    elif frame.landscape:
        mast_h = h * 0.2
        visual_box = Box(0, 0, w, h)
        subject_x = 0.76
        column = Box(m, m + mast_h + h * 0.04, w * 0.5 - m, 0)
    else:
        mast_h = h * 0.16
        visual_box = Box(0, 0, w, h)
        subject_x = 0.7
        column = Box(m, m + mast_h + h * 0.04, w * 0.48 - m, 0)
    band = frame.form % 2 == 1 and len(headlines) >= 3
    band_h = h * (0.12 if frame.portrait else 0.16) if band else 0.0
    bottom = h - m - band_h - (m * 0.4 if band else 0)
    column = Box(column.x, column.y, column.w, max(10.0, bottom - column.y))

    mast_box = Box(m, m * 0.7, w - 2 * m, mast_h)
    band_box = Box(m, h - m - band_h, w - 2 * m, band_h)
    named = stage.subjects_of(frame.brief)
    if named.codes and named.person is None and not frame.brief.has(*PERSON_WORDS):
        # the cover story's subject (a surfer, a castle) in its setting, not a model
        background, art = picture(frame, visual_box)
    else:
        background, art = main_visual(
            frame,
            visual_box,
            subject_x=subject_x,
            subject_top=m + mast_h + h * 0.02,
            avoid=(mast_box, column, band_box),
        )
    comp.background += background
    comp.art += art
    # a scrim behind the column keeps the type readable over the picture
    scrim_color = mix(pal.dark, (0, 0, 0), 0.3)
    scrim_w = column.right + m * 1.5
    if frame.detail >= 1:
        comp.background.append(
            Rect(
                0,
                0,
                scrim_w * 1.4,
                h,
                LinearGradient(
                    (0, 0),
                    (scrim_w * 1.4, 0),
                    (
                        with_alpha(scrim_color, 0.78),
                        with_alpha(scrim_color, 0.55),
                        with_alpha(scrim_color, 0.0),
                    ),
                    (0.0, 0.6, 1.0),
                ),
            )
        )
    else:
        comp.background.append(Rect(0, 0, scrim_w, h, with_alpha(scrim_color, 0.55)))
    comp.background.append(
        Rect(
            0,
            0,
            w,
            m + mast_h * 1.3,
            LinearGradient(
                (0, 0),
                (0, m + mast_h * 1.3),
                (
                    with_alpha(scrim_color, 0.85),
                    with_alpha(scrim_color, 0.7),
                    with_alpha(scrim_color, 0.0),
                ),
                (0.0, 0.7, 1.0),
            ),
        )
    )

    # cover furniture: a rule under the masthead, a barcode at the foot
    rule_y = mast_box.bottom + (column.y - mast_box.bottom) * 0.45
    comp.art.append(Rect(m, rule_y, w - 2 * m, max(1.5, h * 0.002), with_alpha(pal.light, 0.8)))
    if not band and frame.detail >= 1:
        comp.art += barcode(Box(w - m - w * 0.11, h - m - h * 0.055, w * 0.11, h * 0.055))

    # 2. masthead
    light, accent = pal.light, pal.accent
    hue, _, _ = to_hsl(pal.accent)
    highlight = hsl(hue, 1.0, 0.72)  # kickers: the accent, light enough for a dark scrim
    if title:
        text = title[0].text
        lines = 1 if len(text) <= 24 else 2
        comp.slots.append(
            Slot(
                mast_box,
                [
                    Paragraph(
                        text,
                        TextStyle(
                            masthead_face,
                            1.0,
                            0.95,
                            "center" if frame.variant % 3 == 2 else "left",
                            max_lines=lines,
                        ),
                        "title",
                        light,
                        text,
                    )
                ],
                max_size=mast_h * 1.2,
                min_size=max(8.0, h * 0.02),
                valign="center",
            )
        )
    # 3. cover lines
    col_quotes = headlines[:-1] if band else headlines
    paragraphs = headline_paragraphs(
        col_quotes,
        face=line_face,
        kicker_face=kicker_face,
        color=light,
        kicker_color=highlight,
        lead_scale=1.3,
        gap=1.1,
    )
    if rest:
        paragraphs += simple_paragraphs(rest, "humanist", light, gap=0.9)
        if len(paragraphs) > len(rest):
            paragraphs[-len(rest)].style = TextStyle("humanist", 0.8, 1.2, gap_before=1.2)
    if paragraphs:
        comp.slots.append(
            Slot(column, paragraphs, max_size=h * 0.052, min_size=max(7.0, h * 0.012), valign="top")
        )
    if band:
        paragraphs = headline_paragraphs(
            [headlines[-1]],
            face=line_face,
            kicker_face=kicker_face,
            color=pal.dark,
            kicker_color=pal.dark,
            align="center",
        )
        comp.slots.append(
            Slot(
                band_box.inset(m * 0.4),
                paragraphs,
                max_size=band_h * 0.36,
                min_size=max(7.0, h * 0.01),
                valign="center",
                plate=accent,
                plate_radius=m * 0.2,
                plate_box=band_box,
            )
        )
    return comp


def barcode(box: Box) -> list:
    """A white label with black bars (no digits: only quoted text is set)."""
    bars = []
    x = box.x + box.w * 0.08
    widths = (1, 2, 1, 1, 3, 1, 2, 1, 1, 2, 3, 1, 1, 2, 1, 3, 1, 1, 2, 1, 1, 2, 1, 3, 1)
    unit = box.w * 0.84 / (sum(widths) * 1.6)
    for i, k in enumerate(widths):
        if i % 2 == 0:
            bars.append(Rect(x, box.y + box.h * 0.12, k * unit, box.h * 0.76, (20, 20, 24)))
        x += k * unit * 1.6
    return [Rect(box.x, box.y, box.w, box.h, (255, 255, 255)), *bars]
