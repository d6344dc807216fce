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
    ink_on,
    readable,
    roles,
    simple_paragraphs,
    stack,
)
from pixmill.engines.design.layouts.scenery import abstract_picture, picture
from pixmill.engines.design.palette import (
    background_color,
    contrast,
    mix,
    named_colors,
    with_alpha,
)
from pixmill.engines.design.scene import Box, Color, Ellipse, Group, LinearGradient, Rect
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
                    # the named title, displaced by an offer, still leads the rest
                    lead_scale=1.35 if subs[0].role == "title" and len(subs) > 1 else 1.0,
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
    variant = frame.form % 6
    if named_colors(frame.brief) and variant < 3:
        # the asked colours: a flat colour poster or a type-led grid that shows them
        from pixmill.engines.design.layouts import grids  # grids sets type as posters do

        if variant == 1:
            frame.drawn = "poster-swiss"
            return grids.swiss(frame)
        if variant == 2:
            frame.drawn = "poster-type"
            return grids.typographic(frame)
        frame.drawn, variant = "poster-block", 4
    if variant == 2 and genre_art.subjects(frame, occasions=False):
        variant = frame.form % 2  # a named subject gets a picture, not abstract shapes
        frame.drawn = ("poster-framed", "poster-bleed")[variant]
    if variant >= 3:
        return flat_wide(frame, variant - 3) if frame.landscape else flat_poster(frame, variant - 3)
    variant = min(variant, 2)
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
        if variant == 2:  # shapes beside the type, never under it
            layers = abstract_picture(frame, pic, corner=m * 0.4)
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
        foot_h = h * (0.17 + 0.04 * len(rest) if rest else 0.0)  # room for each detail
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
    comp.slots += stack(Box(m, m, w - 2 * m, h * 0.5 - m * 1.3), parts, m * 0.3, valign="center")
    return comp


def flat_poster(frame: Frame, style: int) -> Composition:
    """Flat colour posters in the prompt's palette, the subject as a graphic element:
    0, the subject in an accent disc under a large title, details below a rule;
    1, a colour block holding the subject over a text field set flush left;
    2, a wide accent frame, the title across the top and the subject standing below."""
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    align = "left" if style == 1 else "center"
    ground, ink = flat_ground(frame)
    accent = pal.accent if contrast(pal.accent, ground) >= 2.0 else ink
    parts = text_parts(frame, display, text, label, align, ink, accent)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    title, rest = parts[:1], parts[1:]
    found = genre_art.subjects(frame)
    if style == 0:
        title_h = h * 0.22
        comp.slots += stack(Box(m, m, w - 2 * m, title_h), title, 0)
        r = min(w - 2 * m, h * (0.5 - 0.04 * len(rest))) / 2  # the details keep their room
        cx, cy = w / 2, m + title_h + m * 0.6 + r
        comp.background.append(Ellipse(cx, cy, r, r, pal.accent))
        comp.background.append(Ellipse(cx, cy, r * 0.9, r * 0.9, mix(pal.accent, pal.bg, 0.35)))
        if found:
            comp.art += genre_art.vignette(
                frame, Box(cx - r * 0.8, cy - r * 0.75, r * 1.6, r * 1.5)
            )
        else:
            comp.art.append(disc_picture(frame, cx, cy, r * 0.9))
        top = cy + r + m * 0.6
        rule = max(2.0, m * 0.06)
        comp.background.append(Rect(w / 2 - w * 0.08, top, w * 0.16, rule, accent))
        if rest:
            comp.slots += stack(Box(m, top + m * 0.5, w - 2 * m, h - top - 1.5 * m), rest, m * 0.3)
        return comp
    if style == 1:
        block_h = h * 0.52
        block = mix(pal.accent, pal.bg, 0.15)
        comp.background.append(Rect(0, 0, w, block_h, block))
        comp.background.append(Ellipse(w * 0.78, block_h * 0.3, w * 0.2, w * 0.2, pal.accent2))
        if found:  # inset, so no subject is cut at the edge
            comp.art += genre_art.vignette(frame, Box(w * 0.1, m, w * 0.8, block_h - m * 1.2))
        else:
            comp.add_picture(abstract_picture(frame, Box(0, 0, w, block_h)))
        comp.background.append(Rect(m, block_h + m * 0.7, w * 0.12, max(2.0, m * 0.08), accent))
        field = Box(m, block_h + m * 1.1, w - 2 * m, h - block_h - m * 2.1)
        comp.slots += stack(field, parts, m * 0.3)
        return comp
    border = max(4.0, m * 0.35)
    comp.background.append(decor.frame(Box(m * 0.5, m * 0.5, w - m, h - m), pal.accent, border))
    inner = Box(m * 1.4, m * 1.4, w - 2.8 * m, h - 2.8 * m)
    title_h = inner.h * 0.3
    comp.slots += stack(Box(inner.x, inner.y, inner.w, title_h), title, 0)
    foot_h = inner.h * (0.17 + 0.04 * len(rest) if rest else 0.0)
    pic = Box(inner.x, inner.y + title_h + m * 0.3, inner.w, inner.h - title_h - foot_h - m * 0.6)
    if found:
        comp.background.append(
            Rect(
                pic.x, pic.bottom - pic.h * 0.12, pic.w, pic.h * 0.12, mix(pal.accent, pal.bg, 0.6)
            )
        )
        comp.art += genre_art.vignette(frame, Box(pic.x, pic.y, pic.w, pic.h * 0.94))
    else:
        comp.add_picture(abstract_picture(frame, pic))
    if rest:
        comp.slots += stack(Box(inner.x, inner.bottom - foot_h, inner.w, foot_h), rest, m * 0.3)
    return comp


def flat_wide(frame: Frame, style: int) -> Composition:
    """The flat colour posters in a wide frame: the subject (else shapes) in a colour
    module on the left (a disc, a block, a framed panel), the type flush left beside it."""
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    ground, ink = flat_ground(frame)
    accent = pal.accent if contrast(pal.accent, ground) >= 2.0 else ink
    parts = text_parts(frame, display, text, label, "left", ink, accent)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, ground))
    module = Box(m, m, w * 0.44, h - 2 * m)
    if style == 0:
        r = min(module.w, module.h) / 2
        cx, cy = module.x + module.w / 2, module.y + module.h / 2
        comp.background.append(Ellipse(cx, cy, r, r, pal.accent))
        inner = Box(cx - r * 0.75, cy - r * 0.75, r * 1.5, r * 1.4)
    elif style == 1:
        module = Box(0, 0, w * 0.46, h)
        comp.background.append(Rect(0, 0, module.w, h, mix(pal.accent, pal.bg, 0.15)))
        inner = module.inset(m)
    else:
        comp.background.append(decor.frame(module, pal.accent, max(4.0, m * 0.3)))
        inner = module.inset(m * 0.8)
    art = genre_art.vignette(frame, inner)
    if art:
        comp.art += art
    elif style == 0:
        comp.art.append(disc_picture(frame, cx, cy, r * 0.9))
    else:
        comp.add_picture(abstract_picture(frame, inner))
    x = module.right + m
    comp.slots += stack(Box(x, m, w - x - m, h - 2 * m), parts, m * 0.4, valign="center")
    return comp


def flat_ground(frame: Frame) -> tuple[Color, Color]:
    """(ground, ink) of a flat colour poster: the palette's ground, lightened or darkened
    until its ink reads at 4.5:1 unless the prompt asked for that colour."""
    ground = frame.palette.bg
    ink = ink_on(frame, ground)
    if contrast(ink, ground) < 4.6 and not named_colors(frame.brief):
        ground = readable(ground, ink)
    return ground, ink


def disc_picture(frame: Frame, cx: float, cy: float, r: float) -> Group:
    """An abstract picture cut to a disc (a square picture in a round frame looks pasted)."""
    box = Box(cx - r, cy - r, 2 * r, 2 * r)
    background, art = abstract_picture(frame, box)
    return Group(tuple(background + art), clip=(box.x, box.y, box.w, box.h, r))
