"""Stylised people: a standing figure in flat-illustration style."""

from __future__ import annotations

import random
from dataclasses import dataclass

from pixmill.engines.design.palette import mix
from pixmill.engines.design.scene import Color, Ellipse, Group, Path, Rect, Shape

SKIN_TONES: tuple[Color, ...] = (
    (255, 219, 180),
    (241, 194, 150),
    (224, 172, 125),
    (198, 134, 90),
    (161, 102, 64),
    (120, 74, 46),
    (92, 56, 36),
)
HAIR_COLORS: tuple[Color, ...] = (
    (30, 22, 20),
    (55, 35, 25),
    (95, 60, 35),
    (150, 100, 50),
    (220, 190, 120),
    (120, 40, 30),
)


@dataclass(frozen=True)
class Outfit:
    skin: Color
    hair: Color
    jacket: Color
    shirt: Color
    trousers: Color
    shoes: Color
    long_hair: bool
    glasses: bool
    scarf: Color | None = None
    beard: bool = False
    expression: str = "smile"
    """smile, shocked, sad or calm: the mouth's shape."""


def random_outfit(
    rng: random.Random, jacket: Color, shirt: Color, trousers: Color, scarf: Color | None = None
) -> Outfit:
    return Outfit(
        skin=rng.choice(SKIN_TONES),
        hair=rng.choice(HAIR_COLORS),
        jacket=jacket,
        shirt=shirt,
        trousers=trousers,
        shoes=mix(trousers, (10, 10, 10), 0.6),
        long_hair=rng.random() < 0.5,
        glasses=rng.random() < 0.5,
        scarf=scarf if rng.random() < 0.5 else None,
    )


def _mirror(side: int, cx: float, points: list[tuple]) -> tuple[tuple, ...]:
    """Path commands with x given as offsets from cx, mirrored by side (-1 or 1)."""
    out = []
    for cmd in points:
        op, *coords = cmd
        mapped = []
        for i, v in enumerate(coords):
            mapped.append(cx + side * v if i % 2 == 0 else v)
        out.append((op, *mapped))
    return tuple(out)


def person(cx: float, top: float, height: float, outfit: Outfit, detail: int) -> list[Shape]:
    """A figure standing facing us; head top at `top`, feet at top + height."""
    u = height / 8.0
    o = outfit
    skin_shade = mix(o.skin, (60, 30, 20), 0.22)
    jacket_shade = mix(o.jacket, (0, 0, 0), 0.25)
    items: list[Shape] = []
    ys = top + 1.3 * u  # shoulder line
    hip = top + 3.8 * u
    feet = top + 8.0 * u
    hem = top + 4.2 * u
    if o.long_hair:  # hair falling behind the shoulders
        items.append(
            Path(
                (
                    ("M", cx - 0.44 * u, top + 0.35 * u),
                    (
                        "C",
                        cx - 0.62 * u,
                        top + 1.1 * u,
                        cx - 0.55 * u,
                        top + 1.7 * u,
                        cx - 0.72 * u,
                        top + 2.0 * u,
                    ),
                    ("Q", cx, top + 2.15 * u, cx + 0.72 * u, top + 2.0 * u),
                    (
                        "C",
                        cx + 0.55 * u,
                        top + 1.7 * u,
                        cx + 0.62 * u,
                        top + 1.1 * u,
                        cx + 0.44 * u,
                        top + 0.35 * u,
                    ),
                    ("Z",),
                ),
                o.hair,
            )
        )
    # legs and shoes
    for side in (-1, 1):
        items.append(
            Path(
                _mirror(
                    side,
                    cx,
                    [
                        ("M", 0.66 * u, hip - 0.3 * u),
                        ("L", 0.0, hip - 0.3 * u),
                        ("L", 0.1 * u, feet - 0.2 * u),
                        ("L", 0.46 * u, feet - 0.2 * u),
                        ("Z",),
                    ],
                ),
                o.trousers,
            )
        )
        items.append(
            Path(
                _mirror(
                    side,
                    cx,
                    [
                        ("M", 0.08 * u, feet - 0.24 * u),
                        ("L", 0.48 * u, feet - 0.24 * u),
                        ("Q", 0.66 * u, feet - 0.1 * u, 0.6 * u, feet),
                        ("L", 0.08 * u, feet),
                        ("Z",),
                    ],
                ),
                o.shoes,
            )
        )
    # neck and shirt
    items.append(Rect(cx - 0.15 * u, top + 0.75 * u, 0.3 * u, 0.7 * u, skin_shade))
    items.append(
        Path(
            (
                ("M", cx - 0.5 * u, ys - 0.05 * u),
                ("L", cx + 0.5 * u, ys - 0.05 * u),
                ("L", cx + 0.45 * u, hem),
                ("L", cx - 0.45 * u, hem),
                ("Z",),
            ),
            o.shirt,
        )
    )
    items.append(
        Path(
            (
                ("M", cx - 0.17 * u, ys - 0.06 * u),
                ("Q", cx, ys + 0.35 * u, cx + 0.17 * u, ys - 0.06 * u),
                ("Z",),
            ),
            skin_shade,
        )
    )
    # jacket halves opening on the shirt, lapels, sleeves
    for side in (-1, 1):
        body = o.jacket if side < 0 or detail < 2 else mix(o.jacket, jacket_shade, 0.35)
        items.append(
            Path(
                _mirror(
                    side,
                    cx,
                    [
                        ("M", 0.24 * u, ys - 0.08 * u),
                        ("Q", 0.8 * u, ys - 0.12 * u, 0.92 * u, ys + 0.28 * u),
                        ("Q", 0.9 * u, top + 2.3 * u, 0.74 * u, top + 3.0 * u),
                        ("Q", 0.8 * u, top + 3.6 * u, 0.84 * u, hem),
                        ("L", 0.14 * u, hem),
                        ("L", 0.14 * u, top + 2.6 * u),
                        ("Z",),
                    ],
                ),
                body,
            )
        )
        items.append(
            Path(
                _mirror(
                    side,
                    cx,
                    [
                        ("M", 0.24 * u, ys - 0.08 * u),
                        ("L", 0.44 * u, ys + 0.02 * u),
                        ("L", 0.34 * u, ys + 0.5 * u),
                        ("L", 0.44 * u, ys + 0.62 * u),
                        ("L", 0.15 * u, top + 2.6 * u),
                        ("Z",),
                    ],
                ),
                jacket_shade,
            )
        )
    # arms hang at the sides, hands showing below the cuffs
    for side in (-1, 1):
        sleeve = o.jacket if side < 0 or detail < 2 else mix(o.jacket, jacket_shade, 0.5)
        items.append(
            Path(
                _mirror(
                    side,
                    cx,
                    [
                        ("M", 0.66 * u, ys - 0.04 * u),
                        ("Q", 0.96 * u, ys - 0.04 * u, 1.0 * u, ys + 0.35 * u),
                        ("Q", 1.12 * u, ys + 1.3 * u, 1.1 * u, top + 3.72 * u),
                        ("L", 0.84 * u, top + 3.72 * u),
                        ("Q", 0.84 * u, ys + 1.4 * u, 0.7 * u, ys + 0.6 * u),
                        ("Z",),
                    ],
                ),
                sleeve,
            )
        )
        items.append(
            Path(
                _mirror(
                    side,
                    cx,
                    [
                        ("M", 0.87 * u, top + 3.68 * u),
                        ("L", 1.07 * u, top + 3.68 * u),
                        ("Q", 1.1 * u, top + 4.05 * u, 0.97 * u, top + 4.12 * u),
                        ("Q", 0.84 * u, top + 4.05 * u, 0.87 * u, top + 3.68 * u),
                        ("Z",),
                    ],
                ),
                o.skin,
            )
        )
    if o.scarf is not None:
        items.append(
            Path(
                (
                    ("M", cx - 0.32 * u, ys - 0.12 * u),
                    ("Q", cx, ys + 0.2 * u, cx + 0.32 * u, ys - 0.12 * u),
                    ("L", cx + 0.36 * u, ys + 0.1 * u),
                    ("L", cx + 0.2 * u, top + 2.4 * u),
                    ("L", cx + 0.02 * u, top + 2.35 * u),
                    ("L", cx + 0.08 * u, ys + 0.25 * u),
                    ("Q", cx - 0.2 * u, ys + 0.15 * u, cx - 0.36 * u, ys + 0.1 * u),
                    ("Z",),
                ),
                o.scarf,
            )
        )
    # head: ears, face, hair
    for side in (-1, 1):
        items.append(Ellipse(cx + side * 0.34 * u, top + 0.55 * u, 0.07 * u, 0.11 * u, skin_shade))
    items.append(Ellipse(cx, top + 0.5 * u, 0.34 * u, 0.47 * u, o.skin))
    items.append(
        Path(
            (
                ("M", cx - 0.37 * u, top + 0.6 * u),
                (
                    "C",
                    cx - 0.46 * u,
                    top - 0.1 * u,
                    cx + 0.3 * u,
                    top - 0.2 * u,
                    cx + 0.39 * u,
                    top + 0.4 * u,
                ),
                ("L", cx + 0.37 * u, top + 0.58 * u),
                ("Q", cx + 0.3 * u, top + 0.28 * u, cx + 0.02 * u, top + 0.2 * u),
                ("Q", cx - 0.22 * u, top + 0.3 * u, cx - 0.3 * u, top + 0.42 * u),
                ("L", cx - 0.33 * u, top + 0.62 * u),
                ("Z",),
            ),
            o.hair,
        )
    )
    items += _face(cx, top, u, o, detail)
    return [Group(tuple(items))]


def _face(cx: float, top: float, u: float, o: Outfit, detail: int) -> list[Shape]:
    dark = (28, 22, 26)
    items: list[Shape] = []
    eye_y = top + 0.52 * u
    if o.glasses:
        for side in (-1, 1):
            items.append(
                Rect(
                    cx + side * 0.16 * u - 0.13 * u,
                    eye_y - 0.07 * u,
                    0.26 * u,
                    0.15 * u,
                    dark,
                    0.06 * u,
                )
            )
        items.append(Rect(cx - 0.05 * u, eye_y - 0.04 * u, 0.1 * u, 0.03 * u, dark))
    else:
        for side in (-1, 1):
            items.append(Ellipse(cx + side * 0.14 * u, eye_y, 0.035 * u, 0.045 * u, dark))
            items.append(
                Path(
                    (
                        ("M", cx + side * 0.08 * u, eye_y - 0.1 * u),
                        (
                            "Q",
                            cx + side * 0.14 * u,
                            eye_y - 0.14 * u,
                            cx + side * 0.21 * u,
                            eye_y - 0.1 * u,
                        ),
                    ),
                    None,
                    o.hair,
                    0.03 * u,
                )
            )
    if o.beard:  # around the jaw, under the mouth
        items.append(
            Path(
                (
                    ("M", cx - 0.36 * u, top + 0.55 * u),
                    ("Q", cx - 0.34 * u, top + 1.12 * u, cx, top + 1.15 * u),
                    ("Q", cx + 0.34 * u, top + 1.12 * u, cx + 0.36 * u, top + 0.55 * u),
                    ("Q", cx + 0.2 * u, top + 0.78 * u, cx, top + 0.74 * u),
                    ("Q", cx - 0.2 * u, top + 0.78 * u, cx - 0.36 * u, top + 0.55 * u),
                    ("Z",),
                ),
                o.hair,
            )
        )
    lips = mix(o.skin, (140, 40, 50), 0.55)
    if o.expression == "shocked":
        items.append(Ellipse(cx, top + 0.86 * u, 0.1 * u, 0.14 * u, (60, 20, 30)))
    elif detail >= 1 or o.expression != "smile":
        dip = {"sad": -0.06, "calm": 0.0}.get(o.expression, 0.06)
        items.append(
            Path(
                (
                    ("M", cx - 0.09 * u, top + 0.81 * u),
                    ("Q", cx, top + 0.81 * u + dip * u, cx + 0.09 * u, top + 0.81 * u),
                ),
                None,
                lips,
                0.035 * u,
            )
        )
    if detail >= 1:
        items.append(
            Path(
                (
                    ("M", cx + 0.01 * u, eye_y + 0.06 * u),
                    ("L", cx + 0.04 * u, eye_y + 0.18 * u),
                    ("L", cx - 0.02 * u, eye_y + 0.18 * u),
                ),
                None,
                mix(o.skin, (60, 30, 20), 0.3),
                0.025 * u,
            )
        )
    return items
