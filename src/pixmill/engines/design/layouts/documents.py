"""Certificates, conference badges, recipe cards and app store screenshots.

Certificate: a double border with corner marks, the title, the recipient's name
large, a gold seal with ribbon tails and signature lines. Badge: a lanyard strap,
a card with the event on a band, the name large, the role, and a QR-like block
drawn from the name. Recipe card: the dish drawn on a plate beside (or above) the
ingredient list. Screenshot: the headline above a phone whose screen shows an
app's cards in the palette.
"""

from __future__ import annotations

import hashlib
import random
import re

from pixmill.engines.design import prompt as lexicon
from pixmill.engines.design.layouts import genre_art, stage
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Part,
    band_colours,
    faces,
    roles,
    simple_paragraphs,
    stack,
)
from pixmill.engines.design.palette import mix, with_alpha
from pixmill.engines.design.scene import Box, Ellipse, Line, LinearGradient, Path, Rect, Shape
from pixmill.engines.design.subjects import decor, library, matching
from pixmill.engines.design.typeset import Paragraph, TextStyle

GOLD = (201, 160, 60)


def _para(quotes, face, color, align="center", scale=1.0, role=None) -> list[Paragraph]:
    return [
        Paragraph(
            q.text,
            TextStyle(face, scale, 1.1, align, gap_before=0.3 if i else 0.0),
            role or q.role,
            color,
            q.text,
        )
        for i, q in enumerate(quotes)
    ]


_FORMULA = re.compile(
    r"^(?:this (?:is to )?certif|is (?:hereby )?(?:presented|awarded|granted)|presented to|"
    r"awarded to|proudly|in recognition|for (?:outstanding|excellence|completing)|has )",
    re.I,
)


def _is_personal_name(text: str) -> bool:
    """ "Tom Becker", "Dr. Priya Natarajan": two to four capitalised words, no digits, no
    formula word."""
    words = text.replace(".", ". ").split()
    if not 2 <= len(words) <= 4 or any(ch.isdigit() for ch in text) or _FORMULA.match(text):
        return False
    small = {"of", "the", "for", "and", "in", "to", "a", "an"}
    return all(w[:1].isupper() for w in words) and not any(w.lower() in small for w in words)


def _name_score(prompt: str, quote) -> int:
    """How surely a quote is the recipient: "to"/"that" just before it, and words no
    dictionary holds ("Natarajan"), count for; "for" before it counts against."""
    before = prompt[: quote.position].rstrip().lower()
    score = 2 if before.endswith((" to", " that", "recipient", "name")) else 0
    score -= 2 if before.endswith((" for", " in")) else 0
    return score + sum(not lexicon.known(w) for w in quote.text.split())


def certificate_roles(frame: Frame) -> tuple[list, list, list, list]:
    """(title, formula before the name, the recipient's name, the rest) of a certificate.

    The formula before the name ("This certifies that") is set small; one after it
    ("for outstanding work") reads on below the name with the rest."""
    q = roles(frame.brief)
    others = q["headline"] + q["tagline"] + q["info"] + q["body"]
    title = q["title"]
    named = sorted(
        (x for x in others + title if _is_personal_name(x.text)),
        key=lambda x: -_name_score(frame.brief.prompt, x),
    )[:1]
    if named and named[0] in title:
        title = []  # 'awarded to "Priya Natarajan"': the name, not a title
    names = named[:1] or q["headline"][:1] or q["tagline"][:1]
    at = names[0].position if names else 10**9
    lead = [x for x in others if x not in names and _FORMULA.match(x.text) and x.position < at]
    rest = sorted((x for x in others if x not in names and x not in lead), key=lambda x: x.position)
    return title, lead, names, rest


def certificate(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    comp = Composition()
    paper = mix(pal.bg, (252, 248, 236), 0.75)
    ink = mix(pal.dark, (20, 20, 30), 0.5)
    comp.background.append(Rect(0, 0, w, h, paper))
    outer = Box(m * 0.6, m * 0.6, w - 1.2 * m, h - 1.2 * m)
    comp.background.append(decor.frame(outer, pal.accent, frame.short * 0.012))
    comp.background.append(decor.frame(outer.inset(frame.short * 0.02), GOLD, frame.short * 0.003))
    d = frame.short * 0.025
    for cx, cy in (
        (outer.x, outer.y),
        (outer.right, outer.y),
        (outer.x, outer.bottom),
        (outer.right, outer.bottom),
    ):
        comp.background.append(
            Path(
                (
                    ("M", cx, cy - d),
                    ("L", cx + d, cy),
                    ("L", cx, cy + d),
                    ("L", cx - d, cy),
                    ("Z",),
                ),
                GOLD,
            )
        )
    title, lead, names, rest = certificate_roles(frame)
    inner = outer.inset(frame.short * 0.08)
    parts = [
        Part(_para(title, "serif-black", ink, scale=1.0, role="title"), 1.3, 0.6),
        Part(_para(lead, "serif-italic", ink), 0.5, 0.4, size_cap=frame.short * 0.045),
        Part(_para(names, "serif-italic", mix(pal.accent, ink, 0.3), role="headline"), 1.3, 0.75),
        Part(_para(rest, "serif", ink), 0.8, 0.3, size_cap=frame.short * 0.045),
    ]
    comp.slots += stack(Box(inner.x, inner.y, inner.w, inner.h * 0.68), parts, m * 0.2)
    sig_y = inner.y + inner.h * 0.9
    for x0 in (inner.x + inner.w * 0.04, inner.x + inner.w * 0.36):
        comp.art.append(Line(x0, sig_y, x0 + inner.w * 0.24, sig_y, ink, max(1.0, h * 0.002)))
        comp.art.append(
            Path(
                (
                    ("M", x0 + inner.w * 0.03, sig_y - h * 0.02),
                    (
                        "C",
                        x0 + inner.w * 0.08,
                        sig_y - h * 0.07,
                        x0 + inner.w * 0.1,
                        sig_y + h * 0.01,
                        x0 + inner.w * 0.2,
                        sig_y - h * 0.03,
                    ),
                ),
                None,
                mix(ink, pal.accent, 0.4),
                max(1.0, h * 0.003),
            )
        )
    comp.art += seal(
        frame, inner.right - inner.w * 0.14, inner.y + inner.h * 0.8, frame.short * 0.11
    )
    return comp


def seal(frame: Frame, cx: float, cy: float, r: float) -> list[Shape]:
    """A gold seal with two ribbon tails."""
    ribbon = frame.palette.accent
    art: list[Shape] = []
    for side in (-1, 1):
        x = cx + side * r * 0.35
        art.append(
            Path(
                (
                    ("M", x - r * 0.22, cy),
                    ("L", x + r * 0.22, cy),
                    ("L", x + r * 0.22 + side * r * 0.1, cy + r * 1.5),
                    ("L", x + side * r * 0.05, cy + r * 1.25),
                    ("L", x - r * 0.22 + side * r * 0.1, cy + r * 1.5),
                    ("Z",),
                ),
                ribbon,
            )
        )
    art.append(decor.badge(cx, cy, r, GOLD, 24))
    art.append(Ellipse(cx, cy, r * 0.74, r * 0.74, mix(GOLD, (255, 240, 190), 0.35)))
    art.append(decor.ring(cx, cy, r * 0.62, mix(GOLD, (120, 90, 20), 0.4), r * 0.04))
    star = library.lookup("glowing star")
    if star:
        art.append(stage.vector(frame, matching.Subject("star", star), cx, cy + r * 0.38, r * 0.8))
    return art


def badge(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, _ = faces(frame)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, mix(pal.bg, (240, 240, 240), 0.6)))
    card = Box(w * 0.16, h * 0.2, w * 0.68, h * 0.74)
    strap = pal.accent
    comp.art.append(
        Path(
            (
                ("M", w * 0.3, 0),
                ("L", w * 0.46, card.y),
                ("L", w * 0.54, card.y),
                ("L", w * 0.7, 0),
                ("L", w * 0.6, 0),
                ("L", w * 0.5, card.y * 0.8),
                ("L", w * 0.4, 0),
                ("Z",),
            ),
            strap,
        )
    )
    comp.art.append(Rect(card.x + 3, card.y + 5, card.w, card.h, (0, 0, 0, 40), card.w * 0.05))
    comp.art.append(Rect(card.x, card.y, card.w, card.h, (252, 252, 252), card.w * 0.05))
    comp.art.append(
        Rect(w * 0.44, card.y - h * 0.02, w * 0.12, h * 0.05, (150, 150, 160), h * 0.01)
    )
    band = Box(card.x, card.y + card.h * 0.08, card.w, card.h * 0.22)
    band_ground, band_ink = band_colours(frame, pal.accent)
    comp.art.append(Rect(band.x, band.y, band.w, band.h, band_ground))
    q = roles(frame.brief)
    others = q["headline"] + q["tagline"] + q["info"] + q["body"]
    name, role = others[:1], others[1:]
    comp.slots += stack(
        band.inset(card.w * 0.08, band.h * 0.12),
        [Part(_para(q["title"], display, band_ink, role="title"), 1, 0.8)],
        0,
        valign="center",
    )
    body = Box(card.x + card.w * 0.08, band.bottom + card.h * 0.04, card.w * 0.84, card.h * 0.3)
    comp.slots += stack(
        body,
        [
            Part(_para(name, display, pal.dark, role="headline"), 1.4, 0.7),
            Part(_para(role, text, mix(pal.accent, pal.dark, 0.4)), 1, 0.5, size_cap=card.w * 0.07),
        ],
        m * 0.1,
    )
    size = min(card.w * 0.3, card.h * 0.28)
    comp.art += qr_block(
        frame,
        card.x + card.w / 2 - size / 2,
        card.bottom - size - card.h * 0.06,
        size,
        pal.dark,
        (name[0].text if name else frame.brief.prompt),
    )
    return comp


def qr_block(frame: Frame, x: float, y: float, size: float, ink, seed_text: str) -> list[Shape]:
    """A QR-like block: three finder squares and modules from a hash of the text."""
    n = 21
    cell = size / n
    rng = random.Random(hashlib.sha256(seed_text.encode("utf-8", "replace")).digest())
    cmds: list[tuple] = []
    finders = ((0, 0), (n - 7, 0), (0, n - 7))
    for row in range(n):
        for col in range(n):
            if any(fx - 1 <= col <= fx + 7 and fy - 1 <= row <= fy + 7 for fx, fy in finders):
                continue
            if rng.random() < 0.5:
                x0, y0 = x + col * cell, y + row * cell
                cmds += [
                    ("M", x0, y0),
                    ("L", x0 + cell, y0),
                    ("L", x0 + cell, y0 + cell),
                    ("L", x0, y0 + cell),
                    ("Z",),
                ]
    art: list[Shape] = [Path(tuple(cmds), ink)]
    for fx, fy in finders:
        fx0, fy0 = x + fx * cell, y + fy * cell
        art += [
            Rect(fx0, fy0, 7 * cell, 7 * cell, ink),
            Rect(fx0 + cell, fy0 + cell, 5 * cell, 5 * cell, (255, 255, 255)),
            Rect(fx0 + 2 * cell, fy0 + 2 * cell, 3 * cell, 3 * cell, ink),
        ]
    return art


def recipe(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, _ = faces(frame)
    comp = Composition()
    paper = mix(pal.bg, (253, 250, 242), 0.7)
    ink = pal.dark
    comp.background.append(Rect(0, 0, w, h, paper))
    comp.background.append(Rect(0, 0, w, h * 0.012, pal.accent))
    q = roles(frame.brief)
    items = q["headline"] + q["info"] + q["body"]
    tag = q["tagline"]
    wide = w > h * 1.1
    pic = Box(m, m * 1.6, w * 0.45 - m, h - 3 * m) if wide else Box(m, h * 0.2, w - 2 * m, h * 0.36)
    cx, cy = pic.x + pic.w / 2, pic.y + pic.h / 2
    r = min(pic.w, pic.h) * 0.46
    comp.art.append(Ellipse(cx + r * 0.04, cy + r * 0.08, r, r, (0, 0, 0, 40)))
    comp.art.append(Ellipse(cx, cy, r, r, (250, 250, 250)))
    comp.art.append(Ellipse(cx, cy, r * 0.8, r * 0.8, mix(pal.light, pal.accent, 0.12)))
    dish = genre_art.subjects(frame)
    if dish:
        comp.art.append(stage.vector(frame, dish[0], cx, cy + r * 0.55, r * 1.15))
    title = [Part(_para(q["title"], display, ink, role="title"), 1, 0.8, valign="center")]
    if tag:
        title.append(Part(_para(tag, text, mix(pal.accent, ink, 0.4)), 0.5, 0.6))
    if wide:
        col = Box(w * 0.5, m * 1.6, w * 0.5 - m, h - 3 * m)
        comp.slots += stack(Box(col.x, col.y, col.w, col.h * 0.3), title, m * 0.1)
        body = Box(col.x, col.y + col.h * 0.34, col.w, col.h * 0.66)
    else:
        comp.slots += stack(Box(m, m * 1.4, w - 2 * m, h * 0.2 - m * 1.6), title, m * 0.1)
        body = Box(m * 1.6, pic.bottom + m, w - 3.2 * m, h - pic.bottom - 2 * m)
    if items:
        row = body.h / max(4, len(items))
        for i in range(len(items)):
            y = body.y + row * (i + 0.5)
            comp.art.append(Ellipse(body.x, y, row * 0.1, row * 0.1, pal.accent))
        paras = simple_paragraphs(items, text, ink, role="headline", leading=1.0, gap=0.0)
        for i, p in enumerate(paras):
            comp.slots += stack(
                Box(body.x + row * 0.35, body.y + row * i, body.w - row * 0.35, row),
                [Part([p], 1, 0.6, valign="center")],
                0,
            )
    return comp


def screenshot(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, _ = faces(frame)
    comp = Composition()
    top, bottom = pal.accent2, mix(pal.accent, pal.dark, 0.2)
    comp.background.append(Rect(0, 0, w, h, LinearGradient((0, 0), (0, h), (top, bottom))))
    q = roles(frame.brief)
    parts = [Part(_para(q["title"], display, pal.light, role="title"), 1.3, 0.8, valign="center")]
    subs = q["headline"] + q["tagline"] + q["info"] + q["body"]
    if subs:
        parts.append(Part(_para(subs, text, pal.light), 0.7, 0.4))
    comp.slots += stack(Box(m, m, w - 2 * m, h * 0.24), parts, m * 0.2)
    phone_h = h * 0.7
    phone_w = min(phone_h * 0.5, w * 0.7)
    px, py = (w - phone_w) / 2, h * 0.3
    r = phone_w * 0.12
    comp.art.append(Rect(px + 6, py + 10, phone_w, phone_h + h, (0, 0, 0, 60), r))
    comp.art.append(Rect(px, py, phone_w, phone_h + h, (24, 24, 30), r))
    bezel = phone_w * 0.04
    screen = Box(px + bezel, py + bezel, phone_w - 2 * bezel, phone_h + h)
    comp.art.append(Rect(screen.x, screen.y, screen.w, screen.h, (248, 248, 250), r * 0.8))
    comp.art.append(
        Rect(
            screen.x + screen.w * 0.35,
            screen.y + bezel,
            screen.w * 0.3,
            bezel * 1.2,
            (24, 24, 30),
            bezel,
        )
    )
    comp.art += app_screen(
        frame, Box(screen.x, screen.y + bezel * 3.5, screen.w, h - screen.y - bezel * 3.5)
    )
    return comp


def app_screen(frame: Frame, box: Box) -> list[Shape]:
    """An app's screen: a header, a hero card with the subject, rows with checks."""
    pal = frame.palette
    pad = box.w * 0.07
    art: list[Shape] = []
    art.append(Rect(box.x + pad, box.y + pad * 0.5, box.w * 0.4, pad * 0.6, pal.dark, pad * 0.3))
    hero = Box(box.x + pad, box.y + pad * 1.6, box.w - 2 * pad, box.w * 0.5)
    art.append(Rect(hero.x, hero.y, hero.w, hero.h, pal.accent, pad * 0.6))
    found = genre_art.subjects(frame)
    if found:
        art.append(
            stage.vector(
                frame, found[0], hero.x + hero.w * 0.72, hero.bottom - pad * 0.4, hero.h * 0.8
            )
        )
    art.append(
        Rect(
            hero.x + pad * 0.6,
            hero.y + hero.h * 0.3,
            hero.w * 0.35,
            pad * 0.5,
            with_alpha((255, 255, 255), 0.9),
            pad * 0.25,
        )
    )
    art.append(
        Rect(
            hero.x + pad * 0.6,
            hero.y + hero.h * 0.5,
            hero.w * 0.25,
            pad * 0.4,
            with_alpha((255, 255, 255), 0.6),
            pad * 0.2,
        )
    )
    y = hero.bottom + pad
    k = 0
    while y + pad * 2 < box.bottom and k < 6:
        art.append(Rect(box.x + pad, y, box.w - 2 * pad, pad * 1.8, (236, 236, 242), pad * 0.4))
        done = k % 3 != 2
        art.append(
            Ellipse(
                box.x + pad * 1.9,
                y + pad * 0.9,
                pad * 0.45,
                pad * 0.45,
                pal.accent2 if done else (200, 200, 210),
            )
        )
        art.append(
            Rect(
                box.x + pad * 3,
                y + pad * 0.65,
                box.w * (0.3 + 0.08 * (k % 3)),
                pad * 0.5,
                (120, 120, 135),
                pad * 0.25,
            )
        )
        y += pad * 2.3
        k += 1
    return art
