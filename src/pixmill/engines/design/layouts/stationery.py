"""Stationery: a centred business card, an arched invitation, a modern certificate
and a name badge with a colour-coded foot, after printed ones.

Centred card: the mark above the name, the role in small type, a short rule, the
contact details at the foot. Arched invitation: the text inside an arch panel on a
tinted sheet, the occasion's art at the arch's foot. Modern certificate: a colour
band down the side (across the top when portrait) holding the seal; the title in
spaced small type, the recipient's name the largest line, a signature line. Header
badge: the event on a colour header, the name large on white, the attendee's role
on a colour band at the foot (how conference badges code their holders).
"""

from __future__ import annotations

from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.layouts.base import (
    Composition,
    Frame,
    Part,
    band_colours,
    faces,
    ink_on,
    roles,
    simple_paragraphs,
    stack,
)
from pixmill.engines.design.layouts.documents import (
    GOLD,
    _para,
    certificate_roles,
    qr_block,
    seal,
)
from pixmill.engines.design.layouts.marks import emblem
from pixmill.engines.design.layouts.poster import text_parts
from pixmill.engines.design.palette import mix, named_colors
from pixmill.engines.design.scene import Box, Line, Path, Rect


def card_centered(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    paper = mix(pal.light, (255, 255, 255), 0.6)
    ink = pal.dark
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, paper))
    comp.background.append(Rect(0, h - h * 0.03, w, h * 0.03, pal.accent))
    r = frame.short * 0.09
    comp.art += emblem(frame, w / 2, m * 1.2 + r, r)
    parts = text_parts(frame, display, text, label, "center", ink, mix(pal.accent, ink, 0.5))
    top = m * 1.2 + 2 * r + m * 0.6
    main, contact = parts[:2], parts[2:]
    body_h = (h - top - m * 1.4) * (0.62 if contact else 1.0)
    comp.slots += stack(Box(m * 1.5, top, w - 3 * m, body_h), main, m * 0.2, valign="center")
    if contact:
        y = top + body_h + m * 0.3
        comp.background.append(
            Line(
                w / 2 - w * 0.06, y, w / 2 + w * 0.06, y, pal.accent, max(1.5, frame.short * 0.004)
            )
        )
        for part in contact:
            part.size_cap = frame.short * 0.045
        comp.slots += stack(
            Box(m * 1.5, y + m * 0.4, w - 3 * m, h - y - m * 1.6), contact, m * 0.15
        )
    return comp


def _arch(box: Box) -> tuple:
    r = box.w / 2
    cx = box.x + r
    k = 0.5523 * r
    return (
        ("M", box.x, box.bottom),
        ("L", box.x, box.y + r),
        ("C", box.x, box.y + r - k, cx - k, box.y, cx, box.y),
        ("C", cx + k, box.y, box.right, box.y + r - k, box.right, box.y + r),
        ("L", box.right, box.bottom),
        ("Z",),
    )


def invitation_arch(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, label = faces(frame)
    if display in ("display-black", "sans-black", "condensed", "display-bold"):
        display, text = "serif-bold", "serif"
    sheet = mix(pal.accent, pal.bg, 0.55)
    panel = mix(pal.light, (255, 252, 246), 0.7)
    ink = pal.dark
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, sheet))
    aw = min(w - 2.4 * m, (h - 2 * m) * 0.72)
    arch = Box((w - aw) / 2, m * 1.2, aw, h - 2.4 * m)
    comp.background.append(Path(_arch(arch), panel))
    inset = arch.inset(frame.short * 0.018)
    comp.background.append(Path(_arch(inset), None, pal.accent, max(1.0, frame.short * 0.003)))
    foot = Box(arch.x + arch.w * 0.12, arch.bottom - arch.h * 0.24, arch.w * 0.76, arch.h * 0.2)
    art = genre_art.vignette(frame, foot)
    comp.art += art
    parts = text_parts(frame, display, text, label, "center", ink, mix(pal.accent, ink, 0.45))
    top = arch.y + arch.w * 0.28
    bottom = (foot.y - m * 0.3) if art else arch.bottom - m
    area = Box(arch.x + arch.w * 0.12, top, arch.w * 0.76, bottom - top)
    comp.slots += stack(area, parts, m * 0.3, valign="center")
    return comp


def certificate_modern(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    paper = mix(pal.light, (255, 255, 255), 0.75)
    ink = mix(pal.dark, (20, 20, 30), 0.5)
    band = pal.accent if named_colors(frame.brief) else mix(pal.accent, pal.dark, 0.35)
    comp = Composition()
    comp.background.append(Rect(0, 0, w, h, paper))
    short = frame.short
    if frame.portrait:
        bh = h * 0.2
        comp.background.append(Rect(0, 0, w, bh, band))
        comp.background.append(Rect(0, bh, w, short * 0.01, GOLD))
        comp.art += seal(frame, w / 2, bh, short * 0.1)
        area = Box(m * 1.5, bh + short * 0.2, w - 3 * m, (h - bh - short * 0.2 - m * 2.5) * 0.8)
    else:
        bw = w * 0.26
        comp.background.append(Rect(0, 0, bw, h, band))
        comp.background.append(Rect(bw, 0, short * 0.01, h, GOLD))
        comp.art += seal(frame, bw / 2, h * 0.36, short * 0.12)
        area = Box(bw + m * 1.5, m * 1.6, w - bw - m * 3, h - m * 4.2)
    title, lead, names, rest = certificate_roles(frame)
    accent = mix(pal.accent, ink, 0.35)
    parts = [
        Part(
            _para(title, "sans-bold", accent, align="left", role="title"),
            0.9,
            0.55,
            size_cap=short * 0.06,
        ),
        Part(_para(lead, "serif-italic", ink, align="left"), 0.5, 0.5, size_cap=short * 0.035),
        Part(
            _para(names, "serif-bold", ink, align="left", role="headline"),
            1.5,
            0.8,
            size_cap=short * 0.13,
        ),
        Part(_para(rest, "serif", ink, align="left"), 0.8, 0.35, size_cap=short * 0.035),
    ]
    comp.slots += stack(area, parts, m * 0.25, valign="center")
    y = h - m * 1.5
    x0 = area.x
    comp.art.append(Line(x0, y, x0 + area.w * 0.4, y, ink, max(1.0, short * 0.002)))
    comp.art.append(
        Path(
            (
                ("M", x0 + area.w * 0.04, y - short * 0.015),
                (
                    "C",
                    x0 + area.w * 0.1,
                    y - short * 0.08,
                    x0 + area.w * 0.14,
                    y + short * 0.01,
                    x0 + area.w * 0.3,
                    y - short * 0.03,
                ),
            ),
            None,
            mix(ink, pal.accent, 0.4),
            max(1.0, short * 0.003),
        )
    )
    return comp


def badge_header(frame: Frame) -> Composition:
    w, h, m = frame.width, frame.height, frame.margin
    pal = frame.palette
    display, text, _ = faces(frame)
    comp = Composition()
    card = (252, 252, 250)
    comp.background.append(Rect(0, 0, w, h, card))
    q = roles(frame.brief)
    others = q["headline"] + q["tagline"] + q["info"] + q["body"]
    name, extra = others[:1], others[1:]
    role = [x for x in extra if len(x.text) <= 18][-1:]  # "Speaker", "Staff": the foot band
    extra = [x for x in extra if x not in role]
    head = h * 0.24
    header, head_ink = band_colours(frame, pal.accent)
    comp.background.append(Rect(0, 0, w, head, header))
    hole_w = w * 0.16
    comp.background.append(
        Rect(
            (w - hole_w) / 2,
            head * 0.12,
            hole_w,
            head * 0.09,
            mix(pal.accent, (255, 255, 255), 0.6),
            head * 0.045,
        )
    )
    comp.slots += stack(
        Box(m, head * 0.3, w - 2 * m, head * 0.62),
        [Part(_para(q["title"], display, head_ink, role="title"), 1, 0.8)],
        0,
        valign="center",
    )
    foot = h * (0.16 if role else 0.0)
    short = frame.short
    if role:
        colour = pal.dark
        comp.background.append(Rect(0, h - foot, w, foot, colour))
        comp.slots += stack(
            Box(m, h - foot + foot * 0.18, w - 2 * m, foot * 0.64),
            [
                Part(
                    _para(role, "display-bold", ink_on(frame, colour)),
                    1,
                    0.8,
                    size_cap=short * 0.09,
                )
            ],
            0,
            valign="center",
        )
    qr = frame.short * 0.16 if frame.portrait else 0.0
    body = Box(m * 1.2, head + m * 0.8, w - 2.4 * m, h - head - foot - m * 1.6 - qr)
    comp.slots += stack(
        body,
        [
            Part(
                _para(name, display, pal.dark, role="headline"),
                1.6,
                0.8,
                size_cap=frame.short * 0.16,
            ),
            Part(
                simple_paragraphs(extra, text, mix(pal.accent, pal.dark, 0.5), align="center"),
                0.8,
                0.45,
                size_cap=frame.short * 0.06,
            ),
        ],
        m * 0.2,
        valign="center",
    )
    if qr:
        comp.art += qr_block(
            frame,
            w / 2 - qr / 2,
            h - foot - qr - m * 0.5,
            qr,
            pal.dark,
            name[0].text if name else frame.brief.prompt,
        )
    return comp
