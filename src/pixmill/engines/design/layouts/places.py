"""Settings added with the subject library: a moon surface, a clifftop above the sea,
a kitchen counter, a country road, and an isometric tile. Each draws into `bg` and
returns the y where subjects stand."""

from __future__ import annotations

from pixmill.engines.design.layouts.base import Frame
from pixmill.engines.design.palette import mix, with_alpha
from pixmill.engines.design.scene import Box, Ellipse, LinearGradient, Path, Rect
from pixmill.engines.design.subjects import decor, nature


def draw(
    frame: Frame, box: Box, setting: str | None, horizon: float, bg: list, green
) -> float | None:
    """Draw one of this module's settings; None when `setting` is not one of them."""
    rng, pal, detail = frame.rng, frame.palette, frame.detail
    ground = box.y + box.h * 0.86
    if setting == "moon":
        earth = (
            box.x + box.w * rng.uniform(0.15, 0.3),
            box.y + box.h * 0.2,
            min(box.w, box.h) * 0.08,
        )
        if not frame.brief.has("earth", "globe", "world"):  # a named Earth is drawn large
            bg.append(Ellipse(earth[0], earth[1], earth[2], earth[2], (60, 120, 200)))
            bg.append(
                Ellipse(
                    earth[0] - earth[2] * 0.3,
                    earth[1],
                    earth[2] * 0.4,
                    earth[2] * 0.6,
                    (90, 170, 90),
                )
            )
        surface = box.y + box.h * 0.7
        bg += nature.hills(box.x, box.w, surface, box.h * 0.05, (150, 150, 158), rng, box.bottom)
        for _ in range(4 + 2 * detail):
            cx = box.x + box.w * rng.random()
            cy = surface + box.h * rng.uniform(0.08, 0.28)
            r = min(box.w, box.h) * rng.uniform(0.02, 0.05)
            bg.append(Ellipse(cx, cy, r, r * 0.35, (118, 118, 128)))
        return ground
    if setting == "desert":  # sand dunes, lit from the low side
        dim = 0.4 if "time:night" in frame.shown else 0.0
        far = mix(mix((226, 180, 120), pal.accent, 0.1), (20, 20, 40), dim)
        near = mix(mix((240, 200, 140), pal.accent, 0.1), (20, 20, 40), dim)
        bg += nature.hills(box.x, box.w, horizon, box.h * 0.08, far, rng, box.bottom)
        bg += nature.hills(box.x, box.w, horizon + box.h * 0.1, box.h * 0.09,
                           mix(far, (150, 90, 50), 0.25), rng, box.bottom)  # fmt: skip
        bg += nature.hills(box.x, box.w, horizon + box.h * 0.2, box.h * 0.06, near, rng, box.bottom)
        return ground + box.h * 0.04
    if setting == "cliff":
        sea_color = mix((20, 90, 160), pal.accent2, 0.2)
        bg += nature.sea(
            box.x,
            horizon,
            box.w,
            box.bottom - horizon,
            sea_color,
            mix(sea_color, (255, 255, 255), 0.3),
            detail,
            rng,
        )
        top_y = box.y + box.h * 0.6
        rock = mix((120, 110, 100), pal.bg2, 0.15)
        edge = box.x + box.w * 0.78
        bg.append(
            Path(
                (
                    ("M", box.x, top_y),
                    ("L", edge - box.w * 0.04, top_y),
                    (
                        "Q",
                        edge + box.w * 0.02,
                        top_y + box.h * 0.1,
                        edge - box.w * 0.02,
                        box.bottom,
                    ),
                    ("L", box.x, box.bottom),
                    ("Z",),
                ),
                rock,
            )
        )
        bg.append(
            Rect(
                box.x,
                top_y - box.h * 0.015,
                edge - box.x - box.w * 0.03,
                box.h * 0.03,
                green,
                box.h * 0.01,
            )
        )
        return top_y + box.h * 0.01
    if setting == "kitchen":
        wall = mix(pal.bg, (240, 236, 228), 0.6)
        bg.append(Rect(box.x, box.y, box.w, box.h, wall))
        tile = with_alpha(mix(wall, (0, 0, 0), 0.4), 0.12)
        bg.append(
            decor.stripes(Box(box.x, box.y + box.h * 0.35, box.w, box.h * 0.35), tile, 14, True)
        )
        counter = box.y + box.h * 0.74
        bg.append(
            Rect(box.x, counter, box.w, box.bottom - counter, mix(pal.bg2, (110, 80, 60), 0.5))
        )
        bg.append(Rect(box.x, counter, box.w, box.h * 0.03, mix(pal.light, (200, 200, 200), 0.3)))
        return counter + box.h * 0.08
    if setting == "road":
        bg += nature.hills(box.x, box.w, horizon, box.h * 0.12, green, rng, box.bottom)
        road = box.y + box.h * 0.74
        bg.append(Rect(box.x, road, box.w, box.h * 0.16, (70, 72, 80)))
        for k in range(6):
            bg.append(
                Rect(
                    box.x + box.w * (k / 6 + 0.03),
                    road + box.h * 0.075,
                    box.w / 12,
                    box.h * 0.012,
                    (240, 230, 180),
                )
            )
        return road + box.h * 0.13
    if setting == "underwater":
        top, deep = mix((40, 150, 200), pal.accent2, 0.15), (8, 40, 90)
        bg.append(
            Rect(
                box.x, box.y, box.w, box.h, LinearGradient((0, box.y), (0, box.bottom), (top, deep))
            )
        )
        for k in range(3):  # light shafts from the surface
            x0 = box.x + box.w * (0.2 + 0.3 * k)
            bg.append(
                Path(
                    (
                        ("M", x0, box.y),
                        ("L", x0 + box.w * 0.08, box.y),
                        ("L", x0 + box.w * 0.2, box.bottom),
                        ("L", x0 + box.w * 0.05, box.bottom),
                        ("Z",),
                    ),
                    with_alpha((255, 255, 255), 0.07),
                )
            )
        floor = box.y + box.h * 0.86
        bg.append(Rect(box.x, floor, box.w, box.bottom - floor, (214, 190, 140)))
        for _ in range(5 + 3 * detail):
            x = box.x + box.w * rng.random()
            r = min(box.w, box.h) * rng.uniform(0.006, 0.016)
            y = box.y + box.h * rng.uniform(0.05, 0.7)
            bg.append(Ellipse(x, y, r, r, with_alpha((255, 255, 255), 0.5)))
        for k in range(4):  # seaweed
            x = box.x + box.w * (0.08 + 0.28 * k + rng.uniform(-0.04, 0.04))
            height = box.h * rng.uniform(0.12, 0.25)
            bg.append(
                Path(
                    (
                        ("M", x, floor + 2),
                        (
                            "Q",
                            x - height * 0.3,
                            floor - height * 0.5,
                            x + height * 0.1,
                            floor - height,
                        ),
                    ),
                    None,
                    (40, 140, 90),
                    min(box.w, box.h) * 0.012,
                )
            )
        return box.y + box.h * 0.72
    return None


def isometric_tile(frame: Frame, box: Box, bg: list) -> float:
    """A 30-degree tile with two lit faces; returns where subjects stand on it."""
    pal = frame.palette
    cx, cy = box.x + box.w / 2, box.y + box.h * 0.66
    half = min(box.w, box.h) * 0.38
    rise, depth = half * 0.577, half * 0.18
    top = mix((120, 190, 110), pal.accent2, 0.2)
    left, right = mix(top, (0, 0, 0), 0.25), mix(top, (0, 0, 0), 0.4)
    soil_l, soil_r = mix((150, 110, 80), left, 0.2), mix((120, 85, 60), right, 0.2)
    e, w_, n, s_ = (cx + half, cy), (cx - half, cy), (cx, cy - rise), (cx, cy + rise)
    bg.append(
        Path(
            (
                ("M", *w_),
                ("L", *s_),
                ("L", s_[0], s_[1] + depth),
                ("L", w_[0], w_[1] + depth),
                ("Z",),
            ),
            soil_l,
        )
    )
    bg.append(
        Path(
            (("M", *s_), ("L", *e), ("L", e[0], e[1] + depth), ("L", s_[0], s_[1] + depth), ("Z",)),
            soil_r,
        )
    )
    bg.append(Path((("M", *n), ("L", *e), ("L", *s_), ("L", *w_), ("Z",)), top))
    return cy + rise * 0.35
