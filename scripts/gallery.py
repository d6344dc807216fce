"""Render the design engine's gallery: one picture per prompt, and a contact sheet.

    python scripts/gallery.py [--out docs/gallery] [--size 512]

Pictures are rendered at their "auto" size and medium quality with a fixed seed,
then saved downscaled as JPEG so the repository stays small.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from PIL import Image, ImageDraw

from pixmill.engines.design import DesignEngine
from pixmill.request import RenderSpec, auto_background, auto_size

ROOT = Path(__file__).resolve().parents[1]
SEED_REQUEST = ROOT.parent / "shared/examples/seed-request.json"

PROMPTS: list[str] = [
    'a magazine cover called "Nordic Living." with the headlines "Cabins by the Fjord" '
    '"Slow Mornings at Home" "The New Hygge: Twelve Ideas"',
    'A vibrant poster for a jazz night called "Blue Hour" with the tagline "Live every Friday" '
    'date "March 14, 9 PM"',
    'concert poster "ECHO DISTRICT" "World Tour 2026" "Madison Square Garden"',
    'a retro flyer for a bake sale "Sweet Saturday" "Cakes, cookies and pies" '
    '"Saturday at the Old Hall"',
    'a book cover for a thriller novel titled "The Silent Harbor" by "Mara Quinn"',
    'an album cover for "Neon Tides" by "The Midnight Owls"',
    'a web banner for a coffee shop "Brew & Co." "Fresh roasted every morning" "Order online"',
    'an instagram post for a yoga studio "Find Your Flow" "Classes start Monday"',
    'a youtube thumbnail "I Tried Living in Tokyo for 30 Days"',
    'a minimalist logo for "Northwind Labs" tagline "Data you can trust"',
    'a playful sticker of a cat "Stay Pawsitive"',
    'a business card for "Jane Doe" "Senior Product Designer" "jane@example.com"',
    'a wedding invitation "Anna & Luca" "request the pleasure of your company" '
    '"June 14, 2026 Villa Rosa"',
    'a vintage product label for honey "Wildflower Honey" "Raw & Unfiltered" "500 g"',
    'a cafe menu "Morning Menu" items "Espresso" "Cappuccino" "Croissant" "Avocado Toast"',
    'a quote card "The best way to predict the future is to invent it." "Alan Kay"',
    'an infographic "Tips for Better Sleep" "Keep a schedule" "Cut caffeine after noon" '
    '"Dim the lights" "No screens in bed"',
    'a dark neon poster "NIGHT DRIVE" "Synthwave all night" "Saturday at The Garage"',
    'a pastel poster "Spring Market" "Fresh flowers, local bread" "Sundays, Old Town Square"',
    'a corporate website header "Cloud Security Made Simple" "Start your free trial"',
    "a landscape with mountains at sunset",
    "a city at night",
    "a cat on a sofa",
    "a beach with a dog",
    "a forest with a house",
    "a red car in the countryside",
    "a cup of coffee",
    "a rocket in space",
    "something utterly indescribable",
]


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
    prompts = list(PROMPTS)
    if SEED_REQUEST.exists():
        prompts.insert(0, json.loads(SEED_REQUEST.read_text(encoding="utf-8"))["prompt"])
    engine = DesignEngine()
    thumbs: list[tuple[str, Image.Image]] = []
    for index, prompt in enumerate(prompts):
        width, height = auto_size(prompt)
        spec = RenderSpec(
            prompt=prompt,
            model="design",
            n=1,
            width=width,
            height=height,
            quality="medium",
            background=auto_background(prompt),
            output_format="png",
            output_compression=100,
            seed=args.seed + index,
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
    print(f"wrote {len(thumbs)} pictures and contact-sheet.jpg to {args.out}")


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
