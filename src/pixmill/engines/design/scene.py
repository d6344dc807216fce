"""The vector scene: plain data that both the raster and the SVG renderer draw.

A `Scene` holds four layers, drawn in order:

- ``background``: the plate behind everything; dropped for transparent output,
- ``art``: the drawn subject (skyline, person, shapes),
- ``plates``: panels placed behind text that needs them for contrast,
- ``text``: the set lines of type.

Colours are ``(r, g, b)`` or ``(r, g, b, a)`` tuples of 0..255 ints. Geometry is in
canvas pixels of the requested size; renderers scale for supersampling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Color = tuple[int, ...]
Point = tuple[float, float]


@dataclass(frozen=True)
class LinearGradient:
    start: Point
    end: Point
    colors: tuple[Color, ...]
    stops: tuple[float, ...] | None = None


@dataclass(frozen=True)
class RadialGradient:
    center: Point
    radius: float
    colors: tuple[Color, ...]
    stops: tuple[float, ...] | None = None


Fill = Color | LinearGradient | RadialGradient


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: Fill
    radius: float = 0.0


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float
    fill: Fill


@dataclass(frozen=True)
class Path:
    """An outline from commands: ("M", x, y), ("L", x, y), ("Q", x1, y1, x, y),
    ("C", x1, y1, x2, y2, x, y), ("Z",)."""

    commands: tuple[tuple, ...]
    fill: Fill | None = None
    stroke: Color | None = None
    stroke_width: float = 0.0


def circle_commands(cx: float, cy: float, r: float) -> tuple[tuple, ...]:
    """Path commands for a circle: four cubic arcs, starting and ending at its right."""
    k = 0.5523 * r
    return (
        ("M", cx + r, cy),
        ("C", cx + r, cy + k, cx + k, cy + r, cx, cy + r),
        ("C", cx - k, cy + r, cx - r, cy + k, cx - r, cy),
        ("C", cx - r, cy - k, cx - k, cy - r, cx, cy - r),
        ("C", cx + k, cy - r, cx + r, cy - k, cx + r, cy),
        ("Z",),
    )


@dataclass(frozen=True)
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    color: Color
    width: float
    round_cap: bool = False


@dataclass(frozen=True)
class Group:
    """Items drawn together; with `opacity` < 1 they are composited as one layer, and
    with `clip` (x, y, w, h, corner radius) nothing is drawn outside that rectangle."""

    items: tuple = ()
    opacity: float = 1.0
    clip: tuple[float, float, float, float, float] | None = None


@dataclass(frozen=True)
class Vector:
    """A library illustration (`subjects.library`, by code) drawn in a `size`-pixel
    square at (x, y); `recolor` maps old fills to new ones, `flip` mirrors it."""

    code: str
    x: float
    y: float
    size: float
    recolor: tuple[tuple[str, str], ...] = ()
    flip: bool = False


Shape = Rect | Ellipse | Path | Line | Group | Vector


def vectors(items) -> list[Vector]:
    """Every Vector among `items`, groups included."""
    out: list[Vector] = []
    for item in items:
        if isinstance(item, Vector):
            out.append(item)
        elif isinstance(item, Group):
            out += vectors(item.items)
    return out


@dataclass(frozen=True)
class Span:
    """A run of characters set in one face (fallback faces split a line into spans)."""

    face: str
    text: str
    width: float
    """Advance width in pixels at the line's size."""


@dataclass(frozen=True)
class TextLine:
    x: float
    baseline: float
    size: float
    spans: tuple[Span, ...]
    fill: Color
    broken: bool = False
    """The line ends inside a word (a word too wide for its box)."""
    outline: Color | None = None
    """A stroke drawn under the fill (text over transparency: reads on light and dark)."""

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def intersects(self, other: Box) -> bool:
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )

    def inset(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, max(0.0, self.w - 2 * dx), max(0.0, self.h - 2 * dy))

    def union(self, other: Box) -> Box:
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Box(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)


@dataclass
class TextBlock:
    """One paragraph as set: its lines, its ink box, and the quoted string it carries."""

    source: str
    """The quoted string (normalised) that this block sets, or a part of it."""
    role: str
    lines: list[TextLine]
    box: Box
    color: Color
    plate: Color | None = None

    @property
    def text(self) -> str:
        """The set text: lines joined by a space, except after a break inside a word."""
        parts = []
        for line in self.lines:
            parts.append(line.text)
            parts.append("" if line.broken else " ")
        return "".join(parts[:-1])


@dataclass
class Scene:
    width: int
    height: int
    background: list[Shape] = field(default_factory=list)
    art: list[Shape] = field(default_factory=list)
    plates: list[Shape] = field(default_factory=list)
    text: list[TextLine] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    """The text as laid out, for checks: every block's lines are in `text` too."""
