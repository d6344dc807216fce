"""Where an edit's pictures go: the layout's regions, and how the further pictures are
arranged (a grid, a collage, product tiles).

The first picture is the main visual. Alone, it fills the visual region; with further
pictures it keeps the larger part (`split`), and they share the rest in `grid` boxes,
arranged as the prompt asks (`Brief.arrangement`):

- **grid**: each picture covers its box, cropped around its subject.
- **collage**: photo cards (a light border, deeper at the foot, and a soft shadow),
  tilted a few degrees and nudged off their boxes so that they overlap at the edges,
  never at the subjects, which sit at the cards' centres. The main visual is a card
  too, straight (its pixels stay the picture's) and on top.
- **tiles**: equal product tiles on a clean ground, each subject cut out whole (never
  cropped into) above a caption strip with a numbered tag.

Tilts and nudges come from the image's seed, so the same seed gives the same collage.
This module only places and frames: the pictures come in already cropped or cut out.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pixmill.engines.design import fonts
from pixmill.engines.design.palette import mix

VISUAL_SHARE = 0.62
"""The main visual's share of the canvas's long side; the text panel takes the rest."""
GUTTER = 0.012
"""Space between grid tiles, as a share of the canvas's short side."""
REST_SHARE = 0.3
"""The further pictures' share of the visual region's long side (grows with their count)."""
MAX_TILT = 7.0
"""A collage card's largest tilt, in degrees."""
OVERHANG = 0.1
"""How far a tilted, nudged card may reach past its box, as a share of the box."""
CAPTION_SHARE = 0.2
"""A product tile's caption strip, as a share of the tile's height."""
TILE_ASPECT = 0.85
"""A product tile's width over its height: a little taller than square, for the strip."""

Box = tuple[int, int, int, int]
Colour = tuple[int, int, int]
Picture = Callable[[int, int, int], Image.Image]
"""picture(index, width, height): the index-th picture fitted to width x height, RGBA."""


@dataclass(frozen=True)
class Colours:
    """The panel's colours that frame the pictures."""

    dark: Colour
    main: Colour
    light: Colour


def colours_of(panel: Image.Image) -> Colours:
    """The panel's darkest colour, its dominant one (its lightest when the dominant one
    is the darkest) and its lightest."""
    counted = panel.convert("RGB").quantize(8).convert("RGB").getcolors(64) or []
    if not counted:
        return Colours((20, 20, 20), (200, 200, 200), (245, 245, 245))
    dark = min((colour for _, colour in counted), key=luma)
    light = max((colour for _, colour in counted), key=luma)
    dominant = max(counted)[1]
    main = dominant if luma(dominant) > luma(dark) + 40 else light
    return Colours(dark, main, light)


def luma(colour: Colour) -> float:
    return 0.3 * colour[0] + 0.59 * colour[1] + 0.11 * colour[2]


# Geometry


def regions(width: int, height: int) -> tuple[Box, Box]:
    """(visual, panel): side by side on a wide canvas, stacked on a square or tall one."""
    if width >= height * 1.2:
        split_at = round(width * VISUAL_SHARE)
        return (0, 0, split_at, height), (split_at, 0, width, height)
    split_at = round(height * VISUAL_SHARE)
    return (0, 0, width, split_at), (0, split_at, width, height)


def split(
    box: Box, further: int, width: int, height: int, aspect: float = 1.0
) -> tuple[Box, list[Box]]:
    """(main visual's box, further pictures' boxes): the further pictures take a band
    along the visual region's long side, at its right or its foot, in a `grid` of tiles
    as near `aspect` (width / height) as the band allows."""
    if further == 0:
        return box, []
    left, top, right, bottom = box
    share = min(0.45, REST_SHARE + 0.01 * further)
    if right - left >= bottom - top:
        cut = right - round((right - left) * share)
        band = (cut, top, right, bottom)
        return (left, top, cut, bottom), grid(band, further, width, height, aspect)
    cut = bottom - round((bottom - top) * share)
    band = (left, cut, right, bottom)
    return (left, top, right, cut), grid(band, further, width, height, aspect)


def grid(box: Box, count: int, width: int, height: int, aspect: float = 1.0) -> list[Box]:
    """`count` equal tiles filling `box` with gutters, in the rows and columns whose tiles
    come nearest `aspect` (width / height) with the fewest empty cells."""
    left, top, right, bottom = box
    gap = gutter(width, height)

    def tile_size(columns: int) -> tuple[int, int]:
        rows = math.ceil(count / columns)
        return (
            (right - left - gap * (columns + 1)) // columns,
            (bottom - top - gap * (rows + 1)) // rows,
        )

    def cost(columns: int) -> float:
        tile_w, tile_h = tile_size(columns)
        if tile_w <= 0 or tile_h <= 0:
            return math.inf
        empty = math.ceil(count / columns) * columns - count
        return abs(math.log(tile_w / tile_h / aspect)) + 0.6 * empty / count

    columns = min(range(1, count + 1), key=cost)
    rows = math.ceil(count / columns)
    tile_w, tile_h = tile_size(columns)
    # Whole-pixel tiles, all the same size; the few pixels left over go to the margins.
    x0 = left + gap + (right - left - gap * (columns + 1) - tile_w * columns) // 2
    y0 = top + gap + (bottom - top - gap * (rows + 1) - tile_h * rows) // 2
    tiles = []
    for number in range(count):
        row, column = divmod(number, columns)
        x = x0 + column * (tile_w + gap)
        y = y0 + row * (tile_h + gap)
        tiles.append((x, y, x + tile_w, y + tile_h))
    return tiles


def gutter(width: int, height: int) -> int:
    return max(2, round(min(width, height) * GUTTER))


def size_of(box: Box) -> tuple[int, int]:
    return max(1, box[2] - box[0]), max(1, box[3] - box[1])


# Arrangements


def grid_pictures(canvas: Image.Image, boxes: list[Box], picture: Picture, first: int) -> None:
    """Each picture covering its box."""
    for number, box in enumerate(boxes):
        paste(canvas, picture(first + number, *size_of(box)), box[:2])


def collage(
    canvas: Image.Image,
    visual: Box,
    hero: Box,
    boxes: list[Box],
    picture: Picture,
    rng: random.Random,
    framed: bool,
    hero_card: bool = True,
) -> None:
    """Photo cards: the further ones tilted and nudged (never past the visual region), in
    a shuffled order, then the main visual's straight card on top. `framed` is False for
    cut-outs (no border to draw); `hero_card` False leaves the main visual's place empty
    (a cut-out goes there)."""
    gap = gutter(*canvas.size)
    order = list(range(len(boxes)))
    rng.shuffle(order)
    tilts = {number: rng.uniform(2.0, MAX_TILT) * rng.choice((-1, 1)) for number in order}
    nudges = {number: (rng.uniform(-1, 1), rng.uniform(-1, 1)) for number in order}
    for number in order:
        box = boxes[number]
        card = photo_card(picture, 1 + number, box, tilts[number], framed)
        width, height = size_of(box)
        room_x = max(0, (width * (1 + 2 * OVERHANG) - card.width) / 2)
        room_y = max(0, (height * (1 + 2 * OVERHANG) - card.height) / 2)
        x = (box[0] + box[2] - card.width) / 2 + nudges[number][0] * room_x
        y = (box[1] + box[3] - card.height) / 2 + nudges[number][1] * room_y
        x = max(visual[0] + gap, min(visual[2] - gap - card.width, round(x)))
        y = max(visual[1] + gap, min(visual[3] - gap - card.height, round(y)))
        with_shadow(canvas, card, (x, y), gap)
    if not hero_card:
        return
    left, top, right, bottom = hero
    inset = (left + gap, top + gap, right - gap, bottom - gap)
    card = photo_card(picture, 0, inset, 0.0, framed)
    with_shadow(canvas, card, (inset[0], inset[1]), gap)


def photo_card(picture: Picture, index: int, box: Box, tilt: float, framed: bool) -> Image.Image:
    """The index-th picture as a card whose tilted outline fits `box` (plus the overhang)."""
    width, height = size_of(box)
    cos, sin = abs(math.cos(math.radians(tilt))), abs(math.sin(math.radians(tilt)))
    reach = 1 + 2 * OVERHANG if tilt else 1.0
    scale = min(
        reach * width / (width * cos + height * sin), reach * height / (width * sin + height * cos)
    )
    outer_w, outer_h = max(8, round(width * scale)), max(8, round(height * scale))
    border = max(2, round(min(outer_w, outer_h) * 0.035)) if framed else 0
    foot = round(border * 2.6)
    inner = picture(index, max(1, outer_w - 2 * border), max(1, outer_h - border - foot))
    if framed:
        card = Image.new("RGBA", (outer_w, outer_h), (250, 248, 243, 255))
        card.alpha_composite(inner.convert("RGBA"), (border, border))
    else:
        card = inner.convert("RGBA")
    if tilt:
        card = card.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True)
    return card


def with_shadow(canvas: Image.Image, sprite: Image.Image, at: tuple[int, int], gap: int) -> None:
    """The sprite on the canvas over a soft shadow cast down and right of it."""
    blur = max(2, gap)
    pad = blur * 3
    alpha = sprite.getchannel("A").point(lambda value: value * 0.45)
    shade = Image.new("RGBA", (sprite.width + 2 * pad, sprite.height + 2 * pad), (0, 0, 0, 0))
    shade.paste((10, 10, 10, 255), (pad, pad), alpha)
    shade = shade.filter(ImageFilter.GaussianBlur(blur))
    offset = max(1, gap // 2)
    paste(canvas, shade, (at[0] - pad + offset, at[1] - pad + offset * 2))
    paste(canvas, sprite, at)


def product_tiles(
    canvas: Image.Image,
    boxes: list[Box],
    cut_out: Callable[[int], Image.Image],
    colours: Colours,
    clean: bool,
    first: int,
) -> None:
    """Equal tiles: each cut-out subject whole on a clean ground, over a caption strip
    with a numbered tag. `clean` is False on a transparent canvas (no ground drawn)."""
    for number, box in enumerate(boxes):
        tile = product_tile(cut_out(first + number), size_of(box), number + 1, colours, clean)
        paste(canvas, tile, box[:2])


def product_tile(
    subject: Image.Image, size: tuple[int, int], number: int, colours: Colours, clean: bool
) -> Image.Image:
    """One tile: `subject` (RGBA, cut out) fitted above the caption strip."""
    width, height = size
    strip = max(10, round(height * CAPTION_SHARE))
    opaque = subject.getchannel("A").getbbox()
    if opaque is not None:  # fit the subject itself, not the margin around it
        subject = subject.crop(opaque)
    tile = tile_chrome(size, strip, number, colours, clean)
    pad = max(2, round(min(width, height - strip) * 0.08))
    room_w, room_h = max(1, width - 2 * pad), max(1, height - strip - 2 * pad)
    scale = min(room_w / subject.width, room_h / subject.height)
    fitted = subject.resize(
        (max(1, round(subject.width * scale)), max(1, round(subject.height * scale))),
        Image.Resampling.LANCZOS,
    )
    x = (width - fitted.width) // 2
    y = pad + (room_h - fitted.height) // 2
    ground_shadow(tile, (x, y, x + fitted.width, y + fitted.height), pad)
    tile.alpha_composite(fitted, (x, y))
    return tile


def tile_chrome(
    size: tuple[int, int], strip: int, number: int, colours: Colours, clean: bool
) -> Image.Image:
    """A tile's ground, strip and tag, drawn at twice the size for smooth edges."""
    width, height = size
    big = Image.new("RGBA", (width * 2, height * 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    radius = max(2, round(min(width, height) * 0.05)) * 2
    if clean:
        ground = mix(colours.light, (255, 255, 255), 0.75)
        draw.rounded_rectangle((0, 0, width * 2 - 1, height * 2 - 1), radius, fill=ground)
    top = (height - strip) * 2
    draw.rounded_rectangle(
        (0, top, width * 2 - 1, height * 2 - 1),
        radius,
        fill=colours.dark,
        corners=(False, False, True, True),
    )
    # The tag: a label with a pointed left end and a punched hole, on the strip.
    tag_h = strip * 2 * 0.66
    tag_w = tag_h * 2.3
    cy = top + strip
    x0 = strip * 2 * 0.35
    points = [
        (x0, cy),
        (x0 + tag_h * 0.45, cy - tag_h / 2),
        (x0 + tag_w, cy - tag_h / 2),
        (x0 + tag_w, cy + tag_h / 2),
        (x0 + tag_h * 0.45, cy + tag_h / 2),
    ]
    tag = colours.main if abs(luma(colours.main) - luma(colours.dark)) > 60 else colours.light
    draw.polygon(points, fill=tag)
    hole = tag_h * 0.1
    hx = x0 + tag_h * 0.42
    draw.ellipse((hx - hole, cy - hole, hx + hole, cy + hole), fill=colours.dark)
    ink = colours.dark if luma(tag) > 128 else (255, 255, 255)
    font = ImageFont.truetype(str(fonts.face_path("sans-bold")), max(6, round(tag_h * 0.55)))
    label = f"{number:02d}"
    draw.text((x0 + tag_h * 0.62 + (tag_w - tag_h * 0.62) / 2, cy), label, fill=ink, font=font,
              anchor="mm")  # fmt: skip
    return big.resize(size, Image.Resampling.LANCZOS)


def ground_shadow(tile: Image.Image, box: Box, blur: int) -> None:
    """A soft oval shadow under a cut-out product, so it stands on the tile."""
    left, _, right, bottom = box
    layer = Image.new("RGBA", tile.size, (0, 0, 0, 0))
    spread = (right - left) * 0.42
    centre = (left + right) / 2
    height = max(2, (right - left) * 0.06)
    ImageDraw.Draw(layer).ellipse(
        (centre - spread, bottom - height, centre + spread, bottom + height), fill=(0, 0, 0, 70)
    )
    tile.alpha_composite(layer.filter(ImageFilter.GaussianBlur(max(1, blur / 2))))


# Helpers


def paste(canvas: Image.Image, sprite: Image.Image, at: tuple[int, int]) -> None:
    """alpha_composite at `at`, clipped to the canvas (a card may reach past its edge)."""
    x, y = at
    left, top = max(0, -x), max(0, -y)
    right = min(sprite.width, canvas.width - x)
    bottom = min(sprite.height, canvas.height - y)
    if right <= left or bottom <= top:
        return
    part = sprite.convert("RGBA")
    if (left, top, right, bottom) != (0, 0, sprite.width, sprite.height):
        part = part.crop((left, top, right, bottom))
    canvas.alpha_composite(part, (x + left, y + top))
