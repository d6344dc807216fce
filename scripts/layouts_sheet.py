"""Render every named layout of the design engine to one contact sheet.

    python scripts/layouts_sheet.py [--out docs/gallery/layouts.jpg] [--size 1024x1280]

Each tile is one named layout (`pixmill.engines.design.layouts.LAYOUTS`), drawn from
its genre's prompt in tests/engines/design/test_design_layouts.py at the seed that
picks it, labelled with its name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "engines" / "design"))

from design_prompts import make_spec  # noqa: E402
from test_design_layouts import PLAIN_POSTER, PROMPTS  # noqa: E402

from pixmill.engines.design import DesignEngine  # noqa: E402
from pixmill.engines.design.layouts import LAYOUTS  # noqa: E402

TILE = 256
COLUMNS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "gallery" / "layouts.jpg"))
    parser.add_argument("--size", default="768x960", help="each layout's render size")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    engine = DesignEngine()
    tiles: list[tuple[str, Image.Image]] = []
    seen: set[str] = set()
    for genre, entries in LAYOUTS.items():
        if genre == "scene":
            continue
        for seed, named in enumerate(entries):
            if named.name in seen:
                continue
            seen.add(named.name)
            spec = make_spec(PROMPTS[genre], width, height, seed=seed, quality="medium")
            if engine.design(spec).layout != named.name:  # it gave way to the subject
                spec = make_spec(PLAIN_POSTER, width, height, seed=seed, quality="medium")
            image = engine.generate(spec)[0].image.convert("RGB")
            image.thumbnail((TILE, TILE * height // width))
            tiles.append((named.name, image))
    tile_h = TILE * height // width + 18
    rows = -(-len(tiles) // COLUMNS)
    sheet = Image.new("RGB", (COLUMNS * (TILE + 6) + 6, rows * (tile_h + 6) + 6), (235, 235, 235))
    draw = ImageDraw.Draw(sheet)
    for i, (name, image) in enumerate(tiles):
        x = 6 + (i % COLUMNS) * (TILE + 6)
        y = 6 + (i // COLUMNS) * (tile_h + 6)
        sheet.paste(image, (x, y))
        draw.text((x + 2, y + image.height + 3), name, fill=(20, 20, 20))
    sheet.save(args.out, quality=85)
    print(f"{len(tiles)} layouts -> {args.out}")


if __name__ == "__main__":
    main()
