"""A masked edit's quoted text: set inside the mask's bounding box, as large as fits.

The panel drawn into the mask (the engine's own design of the prompt) would place the text
wherever its layout puts it, at whatever size, and a small box may lose it. So the panel
is drawn without the quotes, and the quoted strings are set here: centred in the box,
broken into the lines that give the largest size, in a heavy face with a contrasting
outline. Text whose capitals would be under `MIN_CAP_PX` high there is not legible: the
edit is refused (400 naming `mask`) before anything is held.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont, ImageOps, ImageStat

from pixmill.engines.design import fonts
from pixmill.engines.design.brief import _find_quotes, parse
from pixmill.errors import InvalidRequest
from pixmill.request import RenderSpec

FACE = "display-bold"
MIN_CAP_PX = 12
"""The smallest cap height read reliably, by eye and by OCR, at 1x."""
MARGIN = 0.08
"""Room left on each side of the box, as a share of its side."""
LEADING = 1.2
PLATE_CONTRAST = 150
"""Ground this close to the ink's lightness (0-255) would swallow the letters..."""
PLATE_SHARE = 0.02
"""...once it is more than this share of the ground under the text: then a plate."""
_UNIT = 100


@dataclass(frozen=True)
class Setting:
    lines: tuple[str, ...]
    size: int
    """The font size in pixels."""


def quoted_text(prompt: str) -> str:
    """The prompt's quoted strings, in order, one a line; empty when none."""
    return "\n".join(quote.text for quote in parse(prompt).quotes)


def without_quotes(prompt: str) -> str:
    """The prompt with its quoted strings taken out: what the panel under the text draws."""
    for start, end, _ in reversed(_find_quotes(prompt)):
        prompt = prompt[:start] + " " + prompt[end + 1 :]
    return " ".join(prompt.split())


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.face_path(FACE)), size)


def _cap_height(size: int) -> float:
    return fonts.metrics(FACE)[2] * size


def _breaks(words: list[str]) -> list[tuple[str, ...]]:
    """Every way of cutting `words` into consecutive lines (few words: a quote)."""
    if len(words) <= 1:
        return [tuple(words)]
    if len(words) > 12:  # a long quote: greedy lines of about the same length
        count = max(1, round(len(words) ** 0.5))
        step = -(-len(words) // count)
        return [tuple(" ".join(words[i : i + step]) for i in range(0, len(words), step))]
    ways: list[tuple[str, ...]] = []
    for mask in range(1 << (len(words) - 1)):
        lines, current = [], [words[0]]
        for position, word in enumerate(words[1:]):
            if mask >> position & 1:
                lines.append(" ".join(current))
                current = [word]
            else:
                current.append(word)
        lines.append(" ".join(current))
        ways.append(tuple(lines))
    return ways


def fit(text: str, width: int, height: int) -> Setting | None:
    """The largest setting of `text` (its own line breaks kept) in width x height, less the
    margins; None when its capitals would be under MIN_CAP_PX."""
    room_w, room_h = width * (1 - 2 * MARGIN), height * (1 - 2 * MARGIN)
    unit = _font(_UNIT)
    candidates = [()]
    for paragraph in text.split("\n"):
        candidates = [c + way for c in candidates for way in _breaks(paragraph.split())][:4096]
    best: Setting | None = None
    for lines in candidates:
        widest = max(unit.getlength(line) for line in lines) / _UNIT
        tall = (len(lines) - 1) * LEADING + sum(fonts.metrics(FACE)[:2])
        # 0.94: room for the outline, and for the renderer's line height over the metrics'
        size = int(0.94 * min(room_w / max(widest, 1e-6), room_h / tall))
        if best is None or size > best.size:
            best = Setting(lines, size)
    if best is None or _cap_height(best.size) < MIN_CAP_PX:
        return None
    return best


def check(spec: RenderSpec) -> None:
    """Refuse a masked edit whose quoted text cannot be legible in the mask's box (at the
    size the edit is made: the image and mask scaled to `size` first)."""
    text = quoted_text(spec.prompt)
    if spec.mask is None or not text:
        return
    with Image.open(io.BytesIO(spec.mask.data), formats=["PNG"]) as mask:
        box = ImageOps.invert(mask.convert("RGBA").getchannel("A")).getbbox()
    if box is None:
        return
    scale = max(spec.width / spec.mask.width, spec.height / spec.mask.height)
    width, height = (box[2] - box[0]) * scale, (box[3] - box[1]) * scale
    if fit(text, int(width), int(height)) is None:
        raise InvalidRequest(
            f"The mask's editable area ({round(width)}x{round(height)} pixels at size "
            f"{spec.size}) is too small to set the prompt's quoted text legibly: "
            f"its capitals would be under {MIN_CAP_PX} pixels high. Make the mask's "
            "transparent area larger, or the quoted text shorter.",
            param="mask",
        )


def set_text(design: Image.Image, text: str) -> Image.Image:
    """`design` (RGBA, the box's size) with `text` set on it, centred, as large as fits."""
    setting = fit(text, *design.size)
    if setting is None:  # refused by check() before the job; a box that shrank since
        return design
    font = _font(setting.size)
    text = "\n".join(setting.lines)
    spacing = round(setting.size * (LEADING - 1))
    centre = (design.width / 2, design.height / 2)
    out = design.copy()
    draw = ImageDraw.Draw(out)
    area = draw.multiline_textbbox(
        centre, text, font=font, anchor="mm", align="center", spacing=spacing
    )
    # Judged by the pixels under the text, not the whole box: where any of them is
    # near the ink's own lightness, a plate goes behind the letters, so they never
    # merge with a shape behind them.
    under = design.convert("L").crop(area)
    light = ImageStat.Stat(under).mean[0] > 140
    ink, edge = ((20, 20, 24, 255), (255, 255, 255, 255)) if light else (
        (255, 255, 255, 255), (20, 20, 24, 255))  # fmt: skip
    close = under.point(lambda value: 255 if abs(value - ink[0]) < PLATE_CONTRAST else 0)
    if ImageStat.Stat(close).mean[0] / 255 > PLATE_SHARE:
        pad = round(setting.size * 0.25)
        plate = Image.new("RGBA", out.size, (0, 0, 0, 0))
        ImageDraw.Draw(plate).rounded_rectangle(
            (area[0] - pad, area[1] - pad, area[2] + pad, area[3] + pad),
            radius=pad,
            fill=(*edge[:3], 224),
        )
        out = Image.alpha_composite(out, plate)
        draw = ImageDraw.Draw(out)
    draw.multiline_text(
        centre,
        text,
        font=font,
        fill=ink,
        anchor="mm",
        align="center",
        spacing=spacing,
        stroke_width=max(1, round(setting.size * 0.05)),
        stroke_fill=edge,
    )
    return out
