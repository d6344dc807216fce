"""Business cards, invitations and greeting cards.

Business card: the name large, the role below, contact details at the foot, a
colour bar and an emblem (0: bar left, 1: bar top, 2: split in two fields).
Invitation: centred serif type in an ornamental frame with confetti or flowers.
"""

from __future__ import annotations

from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.base import Composition, Frame, faces, stack
from pixmill.engines.design.layouts.marks import emblem
from pixmill.engines.design.layouts.poster import text_parts
from pixmill.engines.design.palette import mix, with_alpha
from pixmill.engines.design.scene import Box, Ellipse, Rect
from pixmill.engines.design.subjects import decor, nature


def business_card(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    variant = frame.form % 3
    comp = Composition()
    paper = mix(pal.light, (255, 255, 255), 0.5)
    comp.background.append(Rect(0, 0, w, h, paper))
    ink = pal.dark
    parts = text_parts(frame, display, text, label, "left", ink, mix(pal.accent, ink, 0.5))
    if parts:  # a card's name leads, but needs no empty band above it
        parts[0].weight = 1.6
    short = min(w, h)
    if variant == 2 and w > h:
        comp.background.append(Rect(w * 0.62, 0, w * 0.38, h, pal.dark))
        comp.art += emblem(frame, w * 0.81, h / 2, short * 0.16)
        comp.slots += stack(
            Box(m * 1.2, m * 1.2, w * 0.62 - 2.4 * m, h - 2.4 * m), parts, m * 0.3, valign="center"
        )
        return comp
    if variant == 1:
        comp.background.append(Rect(0, 0, w, h * 0.06, pal.accent))
        top = h * 0.06 + m
    else:
        comp.background.append(Rect(0, 0, w * 0.035, h, pal.accent))
        top = m * 1.2
    comp.art += emblem(frame, w - m * 1.2 - short * 0.12, top + short * 0.12, short * 0.11)
    col = Box(m * 1.5, top, w - 3 * m - short * 0.3, h - top - m * 1.2)
    if frame.portrait and len(parts) >= 2:  # a tall card sets its details at the foot
        parts[-1].valign = "bottom"
    comp.slots += stack(col, parts, m * 0.3)
    return comp


def invitation(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal, rng = frame.palette, frame.rng
    display, text, label = faces(frame)
    if display in ("display-black", "sans-black", "condensed", "display-bold"):
        display, text = "serif-bold", "serif"
    comp = Composition()
    paper = mix(pal.bg, (255, 252, 245), 0.6)
    comp.background.append(Rect(0, 0, w, h, paper))
    ink = pal.dark
    inner = Box(m, m, w - 2 * m, h - 2 * m)
    comp.background.append(decor.frame(inner, pal.accent, max(1.5, frame.short * 0.006)))
    comp.background.append(
        decor.frame(inner.inset(frame.short * 0.015), pal.accent, max(1.0, frame.short * 0.002))
    )
    short = frame.short
    band = Box(inner.x + inner.w * 0.1, inner.bottom - inner.h * 0.3, inner.w * 0.8, inner.h * 0.26)
    art = genre_art.vignette(frame, band)
    if art:  # the occasion's or the prompt's subjects along the foot, the text above
        comp.art += art
        parts = text_parts(frame, display, text, label, "center", ink, mix(pal.accent, ink, 0.4))
        area = Box(inner.x, inner.y, inner.w, band.y - inner.y)
        comp.slots += stack(
            area.inset(inner.w * 0.1, inner.h * 0.06), parts, m * 0.3, valign="center"
        )
        return comp
    if frame.brief.has("floral", "flowers", "spring", "romantic", "garden"):
        frame.motifs.add("daisies")
        for x in (inner.x + short * 0.1, inner.right - short * 0.1):
            for k in range(3):
                comp.art += nature.flower(
                    x + (k - 1) * short * 0.05,
                    inner.bottom - short * 0.03,
                    short * rng.uniform(0.1, 0.16),
                    pal.hues[k],
                    (255, 215, 90),
                    (90, 150, 90),
                )
    else:
        for _ in range(30):
            x, y = rng.uniform(inner.x, inner.right), rng.uniform(inner.y, inner.bottom)
            if (
                inner.x + inner.w * 0.15 < x < inner.right - inner.w * 0.15
                and inner.y + inner.h * 0.12 < y < inner.bottom - inner.h * 0.12
            ):
                continue
            r = short * rng.uniform(0.006, 0.014)
            comp.art.append(Ellipse(x, y, r, r, with_alpha(rng.choice(pal.hues), 0.9)))
    parts = text_parts(frame, display, text, label, "center", ink, mix(pal.accent, ink, 0.4))
    comp.slots += stack(
        inner.inset(inner.w * 0.12, inner.h * 0.14), parts, m * 0.3, valign="center"
    )
    return comp
