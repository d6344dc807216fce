"""Render the design engine's gallery: one picture per prompt, and a contact sheet.

    python scripts/gallery.py [--out docs/gallery] [--size 512]

Pictures are rendered at their "auto" size and medium quality with a fixed seed,
then saved downscaled as JPEG so the repository stays small.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

from pixmill.engines.design import DesignEngine
from pixmill.request import auto_background, auto_size

ROOT = Path(__file__).resolve().parents[1]
SEED_REQUEST = ROOT.parent / "shared/examples/seed-request.json"
sys.path.insert(0, str(ROOT))

from tests.engines.design.design_prompts import GALLERY_PROMPTS, make_spec  # noqa: E402

SUBJECT_PROMPTS = [  # appended after the tests' prompts, so their numbering holds
    "an astronaut riding a horse on the moon",
    "an old fisherman in a yellow raincoat",
    "a castle on a cliff above the sea",
    "top view of a bowl of ramen",
    'an esports logo with a wolf "Night Howlers"',
    'a birthday card with balloons and a dinosaur "Happy 5th Birthday, Leo!"',
    'a craft beer label with mountains and pines "Summit Pale Ale" "5.2% ABV"',
    'a certificate "Certificate of Excellence" awarded to "Priya Raman"',
    'a conference badge "DevSummit 2026" "Sam Ortiz" "Speaker"',
    'an app store screenshot "Track every habit" for a habit tracker app',
    'a recipe card "Lemon Pasta" "200 g spaghetti" "1 lemon" "2 tbsp butter"',
    'an infographic "How to Plant a Tree" "Dig a hole" "Place the sapling" "Water daily"',
]
STYLE_SUBJECT = "a fox in a forest"
STYLES = (
    "flat illustration",
    "watercolor painting",
    "line art sketch",
    "pixel art",
    "neon glow",
    "vintage print",
    "painterly",
    "isometric",
)


def slug(text: str, index: int) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return f"{index:02d}-{'-'.join(words) or 'prompt'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/gallery")
    parser.add_argument("--size", type=int, default=512, help="longest side of each JPEG")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    prompts = list(GALLERY_PROMPTS) + SUBJECT_PROMPTS
    if SEED_REQUEST.exists():
        prompts.insert(0, json.loads(SEED_REQUEST.read_text(encoding="utf-8"))["prompt"])
    engine = DesignEngine()
    thumbs: list[tuple[str, Image.Image]] = []
    for index, prompt in enumerate(prompts):
        width, height = auto_size(prompt)
        spec = make_spec(
            prompt, width, height, background=auto_background(prompt), seed=args.seed + index
        )
        started = time.perf_counter()
        image = engine.generate(spec)[0].image
        elapsed = time.perf_counter() - started
        flat = Image.new("RGB", image.size, (236, 236, 236))
        flat.paste(image, mask=image.getchannel("A"))  # transparent ones on light grey
        scale = args.size / max(flat.size)
        small = flat.resize((round(flat.width * scale), round(flat.height * scale)), Image.LANCZOS)
        name = slug(prompt, index)
        small.save(args.out / f"{name}.jpg", quality=82, optimize=True)
        thumbs.append((prompt, small))
        print(f"{elapsed * 1000:6.0f} ms  {width}x{height}  {name}")
    contact_sheet(thumbs).save(args.out / "contact-sheet.jpg", quality=80, optimize=True)
    styled = []
    for style in STYLES:  # one subject in each style, side by side
        spec = make_spec(f"{STYLE_SUBJECT}, {style}", 512, 512, seed=args.seed)
        styled.append((style, engine.generate(spec)[0].image.convert("RGB")))
    contact_sheet(styled, cell=256, cols=4).save(args.out / "styles.jpg", quality=80)
    print(f"wrote {len(thumbs)} pictures, contact-sheet.jpg and styles.jpg to {args.out}")


def contact_sheet(thumbs: list[tuple[str, Image.Image]], cell: int = 240, cols: int = 6):
    rows = (len(thumbs) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * cell, rows * cell), (250, 250, 250))
    draw = ImageDraw.Draw(sheet)
    for index, (_, image) in enumerate(thumbs):
        scale = (cell - 12) / max(image.size)
        small = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.LANCZOS
        )
        x = (index % cols) * cell + (cell - small.width) // 2
        y = (index // cols) * cell + (cell - small.height) // 2
        sheet.paste(small, (x, y))
        draw.rectangle((x - 1, y - 1, x + small.width, y + small.height), outline=(210, 210, 210))
    return sheet


if __name__ == "__main__":
    main()
