"""Screen formats: web banners and headers, social media posts, YouTube thumbnails.

Banner: the text in a column on one side, the picture on the other (0: text left,
1: text right, 2: text over a full-bleed picture). Social post: 0, a picture with
a title card; 1, graphic; 2, picture top, text below. Thumbnail: a huge title on
a bright plate, a subject beside it (right, or left in variant 1), a burst behind.
"""

from __future__ import annotations

from pixmill.engines.design.layouts import genre_art, stage
from pixmill.engines.design.layouts.base import Composition, Frame, Part, faces, roles, stack
from pixmill.engines.design.layouts.poster import flat_poster, text_parts
from pixmill.engines.design.layouts.scenery import abstract_picture, picture
from pixmill.engines.design.palette import mix, named_colors, with_alpha
from pixmill.engines.design.scene import Box, LinearGradient, Rect
from pixmill.engines.design.subjects import decor, library, matching, people
from pixmill.engines.design.typeset import Paragraph, TextStyle


def banner(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    variant = frame.form % 3
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, pal.dark))
    light, accent = pal.light, mix(pal.accent, (255, 255, 255), 0.35)
    wide = w >= h
    parts = text_parts(frame, display, text, label, "left", light, accent, info_plate=pal.accent)
    if not wide:  # a tall banner: picture and text stacked
        variant = 1 if variant == 1 else 0
        pic_box = Box(0, 0, w, h * 0.5) if variant == 0 else Box(0, h * 0.5, w, h * 0.5)
        col = (
            Box(m, h * 0.5 + m, w - 2 * m, h * 0.5 - 2 * m)
            if variant == 0
            else Box(m, m, w - 2 * m, h * 0.5 - 2 * m)
        )
        comp.add_picture(picture(frame, pic_box))
        comp.slots += stack(col, parts, m * 0.3, valign="center")
        return comp
    if variant == 2 or not wide:
        comp.add_picture(picture(frame, Box(0, 0, w, h)))
        scrim = mix(pal.dark, (0, 0, 0), 0.3)
        if wide:  # darken the text side only
            comp.background.append(
                Rect(
                    0,
                    0,
                    w * 0.75,
                    h,
                    LinearGradient(
                        (0, 0),
                        (w * 0.75, 0),
                        (with_alpha(scrim, 0.92), with_alpha(scrim, 0.8), with_alpha(scrim, 0.0)),
                        (0.0, 0.7, 1.0),
                    ),
                )
            )
        else:
            comp.background.append(Rect(0, 0, w, h, with_alpha(scrim, 0.7)))
        col = Box(m, m, w - 2 * m, h - 2 * m) if not wide else Box(m, m, w * 0.45, h - 2 * m)
        comp.slots += stack(col, parts, m * 0.3, valign="center")
        return comp
    split = w * 0.52
    if variant == 0:
        pic, col = Box(split, 0, w - split, h), Box(m, m, split - 2 * m, h - 2 * m)
    else:
        pic, col = Box(0, 0, w - split, h), Box(w - split + m, m, split - 2 * m, h - 2 * m)
    comp.add_picture(picture(frame, pic))
    comp.slots += stack(col, parts, m * 0.3, valign="center")
    return comp


def social(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    variant = frame.form % 3
    named = genre_art.subjects(frame, occasions=False)
    if (variant == 1 and named) or (variant != 0 and named_colors(frame.brief)):
        return flat_poster(frame, frame.form % 3)  # the named subject or palette, flat
    comp = Composition()
    light, accent = pal.light, mix(pal.accent, (255, 255, 255), 0.35)
    parts = text_parts(frame, display, text, label, "center", light, accent)
    full = Box(0, 0, w, h)
    if variant == 0:  # the subjects stand above the card, never behind it
        comp.add_picture(picture(frame, full, stand=0.47))
        card = Box(m * 1.5, h * 0.5, w - 3 * m, h * 0.5 - m * 1.5)
        comp.art.append(Rect(card.x, card.y, card.w, card.h, pal.dark, frame.short * 0.03))
        comp.slots += stack(card.inset(m * 0.7), parts, m * 0.25, valign="center")
    elif variant == 1:
        comp.background.append(Rect(0, 0, w, h, pal.dark))
        comp.add_picture(abstract_picture(frame, Box(0, 0, w, h * 0.45)))
        comp.slots += stack(
            Box(m, h * 0.5, w - 2 * m, h * 0.5 - m), parts, m * 0.3, valign="center"
        )
    else:
        comp.background.append(Rect(0, 0, w, h, pal.dark))
        comp.add_picture(picture(frame, Box(m, m, w - 2 * m, h * 0.55), corner=frame.short * 0.03))
        comp.slots += stack(
            Box(m, h * 0.55 + m * 1.5, w - 2 * m, h * 0.45 - m * 2.5),
            parts,
            m * 0.3,
            valign="center",
        )
    return comp


REACTIONS = (
    "face screaming in fear",
    "exploding head",
    "star-struck",
    "astonished face",
    "smiling face with sunglasses",
    "flushed face",
)


def thumbnail(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal, rng = frame.palette, frame.rng
    display = "display-black" if frame.variant % 2 else "condensed"
    _, text, label = faces(frame)
    comp = Composition()
    ground = mix(pal.accent2, (0, 0, 0), 0.25)
    comp.background.append(
        Rect(0, 0, w, h, LinearGradient((0, 0), (w, h), (ground, mix(pal.accent, (0, 0, 0), 0.2))))
        if frame.detail
        else Rect(0, 0, w, h, ground)
    )
    wide = w >= h
    mirrored = wide and frame.variant % 3 == 1  # variant 1: the subject on the left
    subject_x = w * ((0.25 if mirrored else 0.75) if wide else 0.5)
    comp.background.append(
        decor.burst(subject_x, h * 0.5, max(w, h) * 0.8, with_alpha(pal.light, 0.12), 18)
    )
    top = h * (0.12 if wide else 0.45)
    named = genre_art.subjects(frame, occasions=False)
    if named:  # the video's subject, big beside the title
        size = min(h - top, w * 0.5) * 0.9
        comp.art.append(stage.vector(frame, named[0], subject_x, h * 0.95, size))
    elif frame.form % 2:  # a big reaction face, the thumbnail's classic
        face = library.lookup(rng.choice(REACTIONS))
        size = min(h * 0.8, w * 0.42)
        subject = matching.Subject("face", face)
        comp.art.append(stage.vector(frame, subject, subject_x, h * 0.5 + size / 2, size))
    else:
        outfit = people.random_outfit(rng, pal.accent, pal.light, pal.dark)
        frame.motifs.add("figure")
        comp.art += people.person(subject_x, top, (h - top) * 1.9, outfit, frame.detail)
    q = roles(frame.brief)
    parts: list[Part] = []
    if q["title"]:
        t = q["title"][0].text
        parts.append(
            Part(
                [
                    Paragraph(
                        t, TextStyle(display, 1.0, 1.0, "left", max_lines=3), "title", pal.dark, t
                    )
                ],
                3.0,
                0.7,
                plate=(255, 236, 60),
                plate_radius=frame.short * 0.02,
            )
        )
    rest = (
        text_parts(frame, display, text, label, "left", pal.light, pal.light)[1:]
        if q["title"]
        else text_parts(frame, display, text, label, "left", pal.light, pal.light)
    )
    parts += rest
    if not wide:
        col = Box(m, m, w - 2 * m, h * 0.4)
    elif mirrored:
        col = Box(w * 0.45, m, w * 0.55 - m, h - 2 * m)
    else:
        col = Box(m, m, w * 0.55 - m, h - 2 * m)
    comp.slots += stack(col, parts, m * 0.4, valign="center")
    return comp
