"""Style words as post-processes of the drawn backdrop (background and art, before type).

- watercolour: soft bleeding colour, lighter washes, paper grain;
- sketch / line art / pencil: dark strokes where the picture has edges, on paper;
- pixel art: a coarse grid of few colours;
- neon: a dark ground with the bright parts glowing;
- vintage print: muted warm inks, grain and a halftone screen;
- painterly (oil painting, impressionist, painters' names): smeared, dabbed colour.

Type is set after the style, so it stays crisp and its contrast is measured on
the styled pixels. Each filter works on an (h, w, 4) uint8 RGBA array, is
deterministic for a seed, and keeps alpha except pixel art (which pixelates it).
"""

from __future__ import annotations

import re

import numpy as np
from PIL import Image, ImageFilter

from pixmill.engines.design.brief import Brief

_STYLE_WORDS: tuple[tuple[str, str], ...] = (
    ("pixel", r"\bpixel(?:ated)?(?: art)?\b|\b8-?bit\b|\b16-?bit\b|\bretro game\b"),
    ("sketch", r"\bsketch(?:ed|y)?\b|\bline art\b|\bline drawing\b|\bpencil\b|\bink drawing\b"),
    ("watercolor", r"\bwatercolou?rs?\b|\baquarelle\b"),
    ("neon", r"\bneon\b|\bglow(?:ing)?\b"),
    ("vintage", r"\bvintage\b|\bretro print\b|\brisograph\b|\bhalftone\b|\bscreen ?print"),
    (
        "painterly",
        r"\bpainterly\b|\boil paint|\bimpressionis|\bvan gogh\b|\bmonet\b|\bgauguin\b"
        r"|\bcézanne\b|\bcezanne\b|\bturner\b|\bpainting\b|\bbrush ?strokes?\b",
    ),
)


def style_of(brief: Brief) -> str | None:
    """The first style the prompt's own words (not its quotes) ask for, if any."""
    for name, pattern in _STYLE_WORDS:
        if re.search(pattern, brief.lowered):
            return name
    return None


def apply(style: str | None, rgba: np.ndarray, seed: int) -> np.ndarray:
    """The styled pixels; the input when `style` is None."""
    if style is None:
        return rgba
    rng = np.random.default_rng(seed & 0xFFFFFFFF)
    rgb = rgba[..., :3].astype(np.float32)
    alpha = rgba[..., 3:]
    short = min(rgba.shape[:2])
    if style == "pixel":
        return _pixel(rgba, short)
    out = {
        "watercolor": _watercolor,
        "sketch": _sketch,
        "neon": _neon,
        "vintage": _vintage,
        "painterly": _painterly,
    }[style](rgb, short, rng)
    return np.concatenate([np.clip(out, 0, 255).astype(np.uint8), alpha], axis=2)


def _blur(rgb: np.ndarray, radius: float) -> np.ndarray:
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    if radius >= 4:  # a wide blur loses nothing at a quarter of the pixels, in half the time
        size = image.size
        small = image.resize((size[0] // 2, size[1] // 2), Image.BILINEAR)
        blurred = small.filter(ImageFilter.GaussianBlur(radius / 2)).resize(size, Image.BILINEAR)
        return np.asarray(blurred, dtype=np.float32)
    return np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)


def _field(shape: tuple[int, int], rng, scale: float) -> np.ndarray:
    """Smooth noise in -1..1, features about `scale` pixels wide."""
    h, w = shape
    small = rng.random((max(2, int(h / scale)), max(2, int(w / scale))), dtype=np.float32)
    image = Image.fromarray((small * 255).astype(np.uint8), "L").resize((w, h), Image.BICUBIC)
    return np.asarray(image, dtype=np.float32) / 127.5 - 1.0


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def _watercolor(rgb, short, rng):
    """Transparent washes on cold-press paper: each colour is pigment laid over the
    paper (paper minus what it absorbs), unevenly dense from wash to wash (blooms and
    back-runs), settled into the paper's tooth (granulation), pooled darker along each
    shape's wobbling edge. The shapes stay crisp enough to read, not blurred."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    reach = short / 140
    dy = (_field((h, w), rng, short / 35) * reach).astype(np.int32)
    dx = (_field((h, w), rng, short / 35) * reach).astype(np.int32)
    wobbled = rgb[np.clip(yy + dy, 0, h - 1), np.clip(xx + dx, 0, w - 1)]
    paper = np.array([252, 248, 240], np.float32)
    # how densely the pigment lies: large soft blooms, lighter where the wash ran thin
    density = 0.8 + 0.14 * _field((h, w), rng, short / 6) + 0.07 * _field((h, w), rng, short / 20)
    # the paper's tooth, the same in every direction: fine grain and broader dimples
    tooth = 0.6 * _field((h, w), rng, short / 260) + 0.4 * _field((h, w), rng, short / 80)
    pigment = np.clip(paper - wobbled, 0, 255)
    absorbed = pigment * (density * (1 + 0.22 * tooth))[..., None]
    wash = paper * (1 + 0.025 * tooth[..., None]) - absorbed
    luma = _luma(wobbled)
    rim = np.abs(luma - _luma(_blur(wobbled, short / 160)))[..., None]
    return wash - np.clip(rim, 0, 60) * 0.7  # pigment pools along each shape's edge


def _streaks(shape, rng, across: float, along: float, angle: float) -> np.ndarray:
    """Noise in -1..1 stretched `along` pixels in the direction `angle` (radians) and
    `across` pixels wide: the bristle marks of a brush, the fibres of paper."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c, s = np.cos(angle), np.sin(angle)
    u = (xx * c + yy * s) / along
    v = (-xx * s + yy * c) / across
    u -= u.min()
    v -= v.min()
    grid = rng.random((int(v.max()) + 2, int(u.max()) + 2), dtype=np.float32)
    ui, vi = u.astype(np.int32), v.astype(np.int32)
    fu = u - ui
    value = grid[vi, ui] * (1 - fu) + grid[vi, ui + 1] * fu  # smooth along, sharp across
    return value * 2 - 1


def _sketch(rgb, short, rng):
    luma = _luma(_blur(rgb, max(0.6, short / 900)))
    gy, gx = np.gradient(luma)
    strokes = np.clip(np.hypot(gx, gy) * 6.0, 0, 255)[..., None]
    paper = np.array([248, 246, 240], np.float32)
    tint = rgb * 0.12 + paper * 0.88  # a faint wash of the original colours
    shade = np.clip((200 - luma) / 200, 0, 1)[..., None] * 40  # hatching-like tone
    grain = _field(rgb.shape[:2], rng, short / 300)[..., None] * 6
    return tint - strokes - shade + grain


def _pixel(rgba, short):
    cells = 96 if short >= 512 else 64
    h, w = rgba.shape[:2]
    small_size = (max(1, round(w * cells / short)), max(1, round(h * cells / short)))
    image = Image.fromarray(rgba, "RGBA").resize(small_size, Image.BOX)
    small = np.asarray(image).copy()
    small[..., :3] = (small[..., :3] // 32) * 32 + 16  # eight levels a channel
    small[..., 3] = np.where(small[..., 3] > 127, 255, 0)
    return np.asarray(Image.fromarray(small, "RGBA").resize((w, h), Image.NEAREST))


def _neon(rgb, short, rng):
    del rng
    luma = _luma(rgb)
    sat = rgb.max(axis=2) - rgb.min(axis=2)
    bright = np.clip((sat + luma * 0.5 - 90) / 120, 0, 1)[..., None]
    lit = rgb * bright
    glow = _blur(lit, short / 60) * 1.6 + _blur(lit, short / 200) * 0.9
    dark = rgb * 0.18 + np.array([8, 4, 22], np.float32)
    return dark + glow + lit * 0.8


def _vintage(rgb, short, rng):
    luma = _luma(rgb)[..., None]
    muted = rgb * 0.6 + luma * 0.4
    ink = muted * np.array([1.0, 0.94, 0.8], np.float32) + np.array([18, 14, 0], np.float32)
    h, w = rgb.shape[:2]
    step = max(3.0, short / 140)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = (xx + yy) / step, (xx - yy) / step  # a 45-degree screen
    dots = (np.cos(u * np.pi) * np.cos(v * np.pi))[..., None]
    darkness = 1 - luma / 255
    ink = ink - dots * darkness * 28
    grain = rng.normal(0, 9, (h, w, 1)).astype(np.float32)
    return ink * 0.93 + np.array([250, 240, 215], np.float32) * 0.07 + grain


def _painterly(rgb, short, rng):
    """Oil paint: dabs of colour pulled along brush strokes whose direction changes
    from patch to patch, bristle marks, and light catching the ridges of the paint.
    The stroke fields are made at half size and enlarged (they are soft), so the cost
    stays under the PNG encode of the picture."""
    h, w = rgb.shape[:2]
    h2, w2, half = max(2, h // 2), max(2, w // 2), short / 2
    angles = rng.uniform(0, np.pi, 3)
    marks = [_streaks((h2, w2), rng, half / 160, half / 22, a) for a in angles]
    pick = np.digitize(_field((h2, w2), rng, half / 9), (-0.25, 0.25))  # a direction a patch
    bristle = np.choose(pick, marks)
    pull = (bristle + _field((h2, w2), rng, half / 30)) * (short / 110)
    cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
    dx, dy = _up(cos[pick] * pull, (h, w)), _up(sin[pick] * pull, (h, w))
    gy, gx = np.gradient(bristle)
    ridge = _up(np.clip((gx - gy) * half * 0.24, -18, 18) + bristle * 5, (h, w))
    yy, xx = np.mgrid[0:h, 0:w]
    paint = rgb[
        np.clip(yy + dy.astype(np.int32), 0, h - 1), np.clip(xx + dx.astype(np.int32), 0, w - 1)
    ]
    luma = _luma(paint)[..., None]
    return luma + (paint - luma) * 1.15 + ridge[..., None]


def _up(field: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A soft field enlarged to `shape` (bilinear)."""
    image = Image.fromarray(field.astype(np.float32), "F").resize(shape[::-1], Image.BILINEAR)
    return np.asarray(image, dtype=np.float32)
