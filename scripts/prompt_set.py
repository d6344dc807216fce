"""Render the design engine's prompt set (tests/data/design_prompt_set.jsonl) as JPEG
contact sheets, and print the in-repo subject proxy: for each prompt whose subject the
library holds, whether the drawn scene contains it.

    PYTHONPATH=src python scripts/prompt_set.py [--out docs/gallery] [--size 320]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from pixmill.engines.design import DesignEngine
from pixmill.engines.design.scene import vectors
from pixmill.engines.design.subjects import matching
from pixmill.request import auto_background, auto_size

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engines.design.design_prompts import make_spec  # noqa: E402

SET = ROOT / "tests/data/design_prompt_set.jsonl"


def load() -> list[dict]:
    return [json.loads(line) for line in SET.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs/gallery"))
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--per-sheet", type=int, default=30)
    args = parser.parse_args()
    engine = DesignEngine()
    held = shown = 0
    missed: list[str] = []
    tiles: list[Image.Image] = []
    for k, row in enumerate(load()):
        text = row["prompt"]
        width, height = auto_size(text)
        spec = make_spec(text, width, height, background=auto_background(text))
        picture = engine.generate(spec)[0]
        design = engine.design(spec)
        drawn = {v.code for v in vectors(design.scene.art) + vectors(design.scene.background)}
        for word in row.get("subjects", [])[:1]:
            subject = next((s for s in matching.match(word).subjects if s.code), None)
            if subject is not None:
                held += 1
                seen = bool(drawn & set(matching.variants(subject)))  # or the seed's variant
                shown += seen
                if not seen:
                    missed.append(f"{k:02d} {word}")
        image = picture.image.convert("RGBA")
        flat = Image.new("RGB", image.size, (235, 235, 235))
        flat.paste(image, mask=image.getchannel("A"))
        flat.thumbnail((args.size, args.size))
        tile = Image.new("RGB", (args.size, args.size + 34), (255, 255, 255))
        tile.paste(flat, ((args.size - flat.width) // 2, (args.size - flat.height) // 2))
        draw = ImageDraw.Draw(tile)
        label = f"{k:02d} {text}"
        draw.text((4, args.size + 2), label[:52], fill=(0, 0, 0))
        draw.text((4, args.size + 17), label[52:104], fill=(0, 0, 0))
        tiles.append(tile)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cols = 6
    for sheet_no, start in enumerate(range(0, len(tiles), args.per_sheet)):
        group = tiles[start : start + args.per_sheet]
        rows = (len(group) + cols - 1) // cols
        w, h = group[0].size
        sheet = Image.new("RGB", (cols * w, rows * h), (255, 255, 255))
        for i, tile in enumerate(group):
            sheet.paste(tile, ((i % cols) * w, (i // cols) * h))
        sheet.save(out / f"prompt-set-{sheet_no + 1}.jpg", quality=80, optimize=True)
    print(f"subject proxy: {shown}/{held} = {shown / max(1, held):.2f}; missed: {missed}")


if __name__ == "__main__":
    main()
