"""Animals, vehicles, food and drink, houses, furniture: drawn from simple shapes.

Each function takes a centre x, the line it stands on (`base`) and a size, and
returns shapes.
"""

from __future__ import annotations

from pixmill.engines.design.palette import mix
from pixmill.engines.design.scene import Color, Ellipse, Line, Path, Rect, Shape

_DARK = (30, 26, 30)


def cat(cx: float, base: float, size: float, fur: Color) -> list[Shape]:
    """A sitting cat seen from the front; `size` is its height."""
    s = size
    shade = mix(fur, (0, 0, 0), 0.2)
    head_y = base - s * 0.72
    return [
        Path(
            (
                ("M", cx + s * 0.22, base - s * 0.05),
                (
                    "C",
                    cx + s * 0.6,
                    base - s * 0.05,
                    cx + s * 0.55,
                    base - s * 0.45,
                    cx + s * 0.38,
                    base - s * 0.4,
                ),
            ),
            None,
            shade,
            s * 0.07,
        ),  # tail
        Ellipse(cx, base - s * 0.3, s * 0.3, s * 0.32, fur),  # body
        Ellipse(cx - s * 0.12, base - s * 0.04, s * 0.09, s * 0.05, shade),
        Ellipse(cx + s * 0.12, base - s * 0.04, s * 0.09, s * 0.05, shade),
        Path(
            (
                ("M", cx - s * 0.2, head_y - s * 0.05),
                ("L", cx - s * 0.17, head_y - s * 0.3),
                ("L", cx - s * 0.03, head_y - s * 0.15),
                ("Z",),
            ),
            fur,
        ),
        Path(
            (
                ("M", cx + s * 0.2, head_y - s * 0.05),
                ("L", cx + s * 0.17, head_y - s * 0.3),
                ("L", cx + s * 0.03, head_y - s * 0.15),
                ("Z",),
            ),
            fur,
        ),
        Ellipse(cx, head_y, s * 0.22, s * 0.18, fur),  # head
        Ellipse(cx - s * 0.08, head_y - s * 0.02, s * 0.03, s * 0.04, _DARK),
        Ellipse(cx + s * 0.08, head_y - s * 0.02, s * 0.03, s * 0.04, _DARK),
        Path(
            (
                ("M", cx - s * 0.025, head_y + s * 0.05),
                ("L", cx + s * 0.025, head_y + s * 0.05),
                ("L", cx, head_y + s * 0.08),
                ("Z",),
            ),
            (230, 120, 130),
        ),
    ]


def dog(cx: float, base: float, size: float, fur: Color) -> list[Shape]:
    """A standing dog in profile, facing right; `size` is its height."""
    s = size
    shade = mix(fur, (0, 0, 0), 0.25)
    items: list[Shape] = []
    for lx in (-0.32, -0.18, 0.2, 0.32):
        items.append(
            Rect(cx + s * lx - s * 0.05, base - s * 0.4, s * 0.1, s * 0.4, shade, s * 0.03)
        )
    items += [
        Path(
            (("M", cx - s * 0.45, base - s * 0.55), ("L", cx - s * 0.62, base - s * 0.8)),
            None,
            fur,
            s * 0.07,
        ),
        Rect(cx - s * 0.48, base - s * 0.7, s * 0.9, s * 0.34, fur, s * 0.16),
        Ellipse(cx + s * 0.48, base - s * 0.82, s * 0.2, s * 0.18, fur),
        Ellipse(cx + s * 0.64, base - s * 0.76, s * 0.12, s * 0.08, fur),
        Ellipse(cx + s * 0.38, base - s * 0.78, s * 0.08, s * 0.15, shade),
        Ellipse(cx + s * 0.52, base - s * 0.86, s * 0.025, s * 0.03, _DARK),
        Ellipse(cx + s * 0.75, base - s * 0.78, s * 0.035, s * 0.03, _DARK),
    ]
    return items


def bird(cx: float, cy: float, size: float, color: Color) -> list[Shape]:
    """A bird in flight, a simple 'm' stroke."""
    s = size
    return [
        Path(
            (
                ("M", cx - s, cy),
                ("Q", cx - s * 0.5, cy - s * 0.6, cx, cy),
                ("Q", cx + s * 0.5, cy - s * 0.6, cx + s, cy),
            ),
            None,
            color,
            max(1.0, s * 0.12),
        )
    ]


def car(cx: float, base: float, size: float, body: Color) -> list[Shape]:
    """A small car in profile; `size` is its length."""
    s = size
    glass = (200, 225, 245)
    wheel_r = s * 0.11
    return [
        Path(
            (
                ("M", cx - s * 0.5, base - s * 0.12),
                ("L", cx - s * 0.5, base - s * 0.28),
                ("L", cx - s * 0.3, base - s * 0.3),
                ("L", cx - s * 0.16, base - s * 0.46),
                ("L", cx + s * 0.2, base - s * 0.46),
                ("L", cx + s * 0.34, base - s * 0.3),
                ("L", cx + s * 0.5, base - s * 0.26),
                ("L", cx + s * 0.5, base - s * 0.12),
                ("Z",),
            ),
            body,
        ),
        Path(
            (
                ("M", cx - s * 0.12, base - s * 0.42),
                ("L", cx + s * 0.18, base - s * 0.42),
                ("L", cx + s * 0.28, base - s * 0.3),
                ("L", cx - s * 0.24, base - s * 0.3),
                ("Z",),
            ),
            glass,
        ),
        Rect(cx + s * 0.02, base - s * 0.43, s * 0.025, s * 0.14, body),
        Ellipse(cx - s * 0.3, base - wheel_r, wheel_r, wheel_r, _DARK),
        Ellipse(cx + s * 0.3, base - wheel_r, wheel_r, wheel_r, _DARK),
        Ellipse(cx - s * 0.3, base - wheel_r, wheel_r * 0.45, wheel_r * 0.45, (190, 190, 196)),
        Ellipse(cx + s * 0.3, base - wheel_r, wheel_r * 0.45, wheel_r * 0.45, (190, 190, 196)),
        Ellipse(cx + s * 0.48, base - s * 0.22, s * 0.025, s * 0.02, (255, 230, 150)),
    ]


def cup(
    cx: float,
    base: float,
    size: float,
    color: Color,
    drink: Color = (110, 70, 45),
    steam: Color | None = (255, 255, 255, 150),
) -> list[Shape]:
    """A cup of coffee on a saucer; `size` is its height."""
    s = size
    items: list[Shape] = [
        Ellipse(cx, base - s * 0.05, s * 0.62, s * 0.09, mix(color, (0, 0, 0), 0.12)),
        Path(
            (
                ("M", cx + s * 0.32, base - s * 0.55),
                (
                    "C",
                    cx + s * 0.62,
                    base - s * 0.58,
                    cx + s * 0.6,
                    base - s * 0.22,
                    cx + s * 0.28,
                    base - s * 0.25,
                ),
            ),
            None,
            color,
            s * 0.07,
        ),
        Path(
            (
                ("M", cx - s * 0.42, base - s * 0.7),
                ("L", cx + s * 0.42, base - s * 0.7),
                ("Q", cx + s * 0.4, base - s * 0.1, cx, base - s * 0.1),
                ("Q", cx - s * 0.4, base - s * 0.1, cx - s * 0.42, base - s * 0.7),
                ("Z",),
            ),
            color,
        ),
        Ellipse(cx, base - s * 0.7, s * 0.42, s * 0.07, drink),
    ]
    if steam is not None:
        for k in (-1, 0, 1):
            x = cx + k * s * 0.15
            items.append(
                Path(
                    (
                        ("M", x, base - s * 0.82),
                        (
                            "C",
                            x - s * 0.1,
                            base - s * 0.95,
                            x + s * 0.1,
                            base - s * 1.05,
                            x,
                            base - s * 1.2,
                        ),
                    ),
                    None,
                    steam,
                    s * 0.035,
                )
            )
    return items


def fruit(cx: float, base: float, size: float, color: Color) -> list[Shape]:
    """An apple-like fruit with a leaf."""
    s = size
    return [
        Ellipse(cx - s * 0.18, base - s * 0.42, s * 0.3, s * 0.4, color),
        Ellipse(cx + s * 0.18, base - s * 0.42, s * 0.3, s * 0.4, color),
        Ellipse(
            cx - s * 0.2, base - s * 0.55, s * 0.08, s * 0.12, mix(color, (255, 255, 255), 0.4)
        ),
        Line(cx, base - s * 0.8, cx + s * 0.05, base - s * 0.98, (90, 60, 30), s * 0.05, True),
        Ellipse(cx + s * 0.16, base - s * 0.92, s * 0.12, s * 0.05, (70, 160, 70)),
    ]


def pizza(cx: float, base: float, size: float) -> list[Shape]:
    """A pizza lying on the table, seen at an angle (an ellipse)."""
    s = size
    k = 0.42  # vertical squash of the view
    cy = base - s * 0.5 * k
    items: list[Shape] = [
        Ellipse(cx, cy + s * 0.03, s * 0.5, s * 0.5 * k, (190, 125, 55)),
        Ellipse(cx, cy, s * 0.5, s * 0.5 * k, (214, 150, 70)),
        Ellipse(cx, cy, s * 0.43, s * 0.43 * k, (240, 200, 90)),
    ]
    for dx, dy in ((-0.2, -0.1), (0.15, -0.2), (0.05, 0.15), (-0.15, 0.2), (0.25, 0.1)):
        items.append(Ellipse(cx + dx * s, cy + dy * s * k, s * 0.07, s * 0.07 * k, (190, 50, 40)))
    return items


def glass_of_wine(cx: float, base: float, size: float, wine: Color = (130, 20, 50)) -> list[Shape]:
    s = size
    glass = (230, 235, 240, 200)
    return [
        Ellipse(cx, base - s * 0.02, s * 0.2, s * 0.03, glass),
        Rect(cx - s * 0.02, base - s * 0.5, s * 0.04, s * 0.5, glass),
        Path(
            (
                ("M", cx - s * 0.22, base - s * 1.0),
                ("L", cx + s * 0.22, base - s * 1.0),
                ("Q", cx + s * 0.24, base - s * 0.5, cx, base - s * 0.5),
                ("Q", cx - s * 0.24, base - s * 0.5, cx - s * 0.22, base - s * 1.0),
                ("Z",),
            ),
            glass,
        ),
        Path(
            (
                ("M", cx - s * 0.21, base - s * 0.8),
                ("L", cx + s * 0.21, base - s * 0.8),
                ("Q", cx + s * 0.2, base - s * 0.52, cx, base - s * 0.52),
                ("Q", cx - s * 0.2, base - s * 0.52, cx - s * 0.21, base - s * 0.8),
                ("Z",),
            ),
            wine,
        ),
    ]


def house(cx: float, base: float, size: float, wall: Color, roof: Color) -> list[Shape]:
    s = size
    window = (255, 225, 150)
    return [
        Rect(cx - s * 0.4, base - s * 0.55, s * 0.8, s * 0.55, wall),
        Path(
            (
                ("M", cx - s * 0.5, base - s * 0.52),
                ("L", cx, base - s),
                ("L", cx + s * 0.5, base - s * 0.52),
                ("Z",),
            ),
            roof,
        ),
        Rect(cx - s * 0.08, base - s * 0.3, s * 0.16, s * 0.3, mix(roof, (0, 0, 0), 0.2)),
        Rect(cx - s * 0.3, base - s * 0.42, s * 0.14, s * 0.12, window),
        Rect(cx + s * 0.16, base - s * 0.42, s * 0.14, s * 0.12, window),
    ]


def sofa(cx: float, base: float, width: float, color: Color) -> list[Shape]:
    w = width
    shade = mix(color, (0, 0, 0), 0.18)
    return [
        Rect(cx - w * 0.45, base - w * 0.42, w * 0.9, w * 0.26, shade, w * 0.04),
        Rect(cx - w * 0.5, base - w * 0.26, w * 1.0, w * 0.18, color, w * 0.03),
        Rect(cx - w * 0.52, base - w * 0.32, w * 0.1, w * 0.26, shade, w * 0.03),
        Rect(cx + w * 0.42, base - w * 0.32, w * 0.1, w * 0.26, shade, w * 0.03),
        Rect(cx - w * 0.45, base - w * 0.08, w * 0.04, w * 0.08, (60, 40, 30)),
        Rect(cx + w * 0.41, base - w * 0.08, w * 0.04, w * 0.08, (60, 40, 30)),
    ]


def rocket(cx: float, base: float, size: float, body: Color, accent: Color) -> list[Shape]:
    s = size
    return [
        Path(
            (
                ("M", cx - s * 0.12, base - s * 0.2),
                ("L", cx - s * 0.28, base),
                ("L", cx - s * 0.1, base - s * 0.05),
                ("Z",),
            ),
            accent,
        ),
        Path(
            (
                ("M", cx + s * 0.12, base - s * 0.2),
                ("L", cx + s * 0.28, base),
                ("L", cx + s * 0.1, base - s * 0.05),
                ("Z",),
            ),
            accent,
        ),
        Path(
            (
                ("M", cx, base - s),
                ("Q", cx + s * 0.2, base - s * 0.7, cx + s * 0.13, base - s * 0.05),
                ("L", cx - s * 0.13, base - s * 0.05),
                ("Q", cx - s * 0.2, base - s * 0.7, cx, base - s),
                ("Z",),
            ),
            body,
        ),
        Ellipse(cx, base - s * 0.62, s * 0.07, s * 0.07, (120, 190, 240)),
        Path(
            (
                ("M", cx - s * 0.08, base - s * 0.04),
                ("L", cx, base + s * 0.22),
                ("L", cx + s * 0.08, base - s * 0.04),
                ("Z",),
            ),
            (255, 170, 60),
        ),
    ]


def boat(cx: float, base: float, size: float, hull: Color, sail: Color) -> list[Shape]:
    """A sailing boat on the water line `base`; `size` is its length."""
    s = size
    return [
        Path(
            (
                ("M", cx - s * 0.5, base - s * 0.12),
                ("L", cx + s * 0.5, base - s * 0.12),
                ("L", cx + s * 0.36, base + s * 0.04),
                ("L", cx - s * 0.38, base + s * 0.04),
                ("Z",),
            ),
            hull,
        ),
        Rect(cx - s * 0.015, base - s * 0.85, s * 0.03, s * 0.74, (70, 60, 55)),
        Path(
            (
                ("M", cx + s * 0.03, base - s * 0.82),
                ("L", cx + s * 0.4, base - s * 0.18),
                ("L", cx + s * 0.03, base - s * 0.18),
                ("Z",),
            ),
            sail,
        ),
        Path(
            (
                ("M", cx - s * 0.03, base - s * 0.7),
                ("L", cx - s * 0.3, base - s * 0.18),
                ("L", cx - s * 0.03, base - s * 0.18),
                ("Z",),
            ),
            mix(sail, (0, 0, 0), 0.12),
        ),
    ]
