"""Poster: a big title, a visual, and the rest of the text at the foot.

Variants: the title at the top (0) or over the lower third (1); aligned left or
centred by the variant's parity.
"""

from __future__ import annotations

from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Slot,
    headline_paragraphs,
    roles,
    simple_paragraphs,
)
from pixmill.engines.design.layouts.visuals import abstract, main_visual
from pixmill.engines.design.palette import with_alpha
from pixmill.engines.design.scene import Box, LinearGradient, Rect
from pixmill.engines.design.typeset import Paragraph, TextStyle


def layout(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    quotes = roles(frame.brief)
    comp = Composition()
    background, art = main_visual(frame, Box(0, 0, w, h), subject_x=0.5, subject_top=h * 0.42)
    comp.background += background
    comp.art += art
    if not frame.brief.quotes:
        if not art:
            comp.art += abstract(frame, Box(0, 0, w, h))
        return comp
    align = "center" if frame.variant % 2 else "left"
    title_h = h * (0.24 if frame.portrait else 0.3)
    scrim = pal.dark
    comp.background.append(
        Rect(
            0,
            0,
            w,
            m + title_h * 1.4,
            LinearGradient(
                (0, 0), (0, m + title_h * 1.4), (with_alpha(scrim, 0.7), with_alpha(scrim, 0.0))
            ),
        )
    )
    if quotes["title"]:
        text = quotes["title"][0].text
        comp.slots.append(
            Slot(
                Box(m, m, w - 2 * m, title_h),
                [
                    Paragraph(
                        text,
                        TextStyle("condensed", 1.0, 1.0, align, max_lines=3),
                        "title",
                        pal.light,
                        text,
                    )
                ],
                max_size=title_h * 0.9,
                min_size=max(8.0, h * 0.02),
                valign="center",
            )
        )
    sub = quotes["headline"] + quotes["tagline"]
    if sub:
        comp.slots.append(
            Slot(
                Box(m, m + title_h + h * 0.02, w - 2 * m, h * 0.14),
                headline_paragraphs(
                    sub,
                    face="humanist-semibold",
                    kicker_face="sans-bold",
                    color=pal.light,
                    kicker_color=pal.accent,
                    align=align,
                    gap=0.5,
                ),
                max_size=h * 0.045,
                min_size=max(7.0, h * 0.011),
            )
        )
    foot = quotes["info"] + quotes["body"]
    if foot:
        foot_h = h * 0.16
        comp.slots.append(
            Slot(
                Box(m, h - m - foot_h, w - 2 * m, foot_h),
                simple_paragraphs(foot, "sans-medium", pal.dark, align=align, gap=0.4),
                max_size=h * 0.035,
                min_size=max(6.0, h * 0.01),
                valign="bottom",
                plate=pal.light,
                plate_radius=m * 0.2,
            )
        )
    return comp
