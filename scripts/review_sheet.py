"""Render the design engine's review set to numbered pictures and a labelled contact sheet.

    python scripts/review_sheet.py [--out /tmp/review] [--size 384] [--only 3,7] [--seed 11]

The review set is separate from the tests' prompts: new users' kinds of requests
across genres, scenes, logos and tricky text. Each picture is rendered at its
"auto" size and background, medium quality, and saved as a JPEG (transparent ones
on a checkerboard) so a reviewer can look at every one and grade it.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw

from pixmill.engines.design import DesignEngine
from pixmill.request import RenderSpec, auto_background, auto_size

REVIEW_SET: tuple[str, ...] = (
    "a bowl of ramen",
    "a castle on a cliff above the sea",
    "an astronaut riding a horse on the moon",
    "an old fisherman in a yellow raincoat",
    'a fantasy book cover with a dragon titled "Ember Crown" by "L. Hart"',
    'an esports logo with a wolf for "Night Howlers"',
    'a cute avocado sticker "Holy Guacamole"',
    "a red car on a country road",
    "a robot barista making coffee",
    'a birthday card with balloons and a dinosaur "Happy 5th Birthday, Leo!"',
    'a craft beer label with mountains and pines "Summit Pale Ale" "5.2% ABV"',
    'a certificate of achievement "Certificate of Excellence" awarded to "Priya Raman"',
    'a conference badge "DevSummit 2026" "Sam Ortiz" "Speaker"',
    'an app store screenshot "Track every habit" for a habit tracker app',
    'a recipe card "Lemon Pasta" ingredients "200 g spaghetti" "1 lemon" "2 tbsp butter"',
    'an infographic "How to Plant a Tree" steps "Dig a hole" "Place the sapling" "Water daily"',
    'a sale poster "70% OFF" "Summer Clearance" "This weekend only"',
    'a bakery flyer "Fresh Bread Daily" "Open 7 am to 4 pm" "Maple & Oak Bakery"',
    'a quote card "Stay hungry, stay foolish." "Steve Jobs"',
    'a magazine cover "Wild Coast" issue "No. 42" headline "Surfing the Cold Atlantic"',
    "a watercolor painting of a fox in a forest",
    "pixel art of a knight and a castle",
    "a neon glow sign of a cocktail glass at night",
    "a vintage print of a sailboat at sea",
    "a line art sketch of a cat",
    "an isometric house with a garden",
    "a painterly landscape in the style of Van Gogh with sunflowers",
    "a flat illustration of a woman reading a book",
    "three oranges and a lemon on a table",
    "top view of a bowl of pho",
    'a black and gold logo for a jewelry brand "Aurum"',
    "a blue whale under the ocean",
    "a shocked bearded man",
    "a little girl with a kite in a park",
    "a lighthouse on a rocky coast at sunset",
    "a cozy kitchen with a cake on the counter",
    'a minimal tech startup logo "Quanta" with a rocket',
    'a wedding invitation "Maya & Tom" "Saturday, 12 September 2026 at 4 pm"',
    'a business card "Dr. Elena Vasquez" "Veterinarian" "+1 555 010 2233"',
    'a concert poster "The Velvet Owls" "Live at The Roxy" "Friday 9 pm" "$25"',
    'a YouTube thumbnail "I Built a Treehouse" with a treehouse',
    'a menu for a pizza place "Luigi\'s" "Margherita $12" "Pepperoni $14" "Calzone $13"',
    'a cream background poster with a green tractor "Farm Days" "June 3-5"',
    'a kawaii sticker of a panda eating bamboo "Snack Time"',
    "a dragon silhouette against a full moon",
    'a podcast cover "Deep Dive" with a microphone, purple and orange',
)


def render(engine: DesignEngine, prompt: str, seed: int) -> tuple[Image.Image, int]:
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
        seed=seed,
    )
    result = engine.generate(spec)[0]
    return result.image, len(result.credits)


def flatten(image: Image.Image) -> Image.Image:
    """Transparent pictures on a checkerboard, so both their edges and holes show."""
    board = Image.new("RGB", image.size, (255, 255, 255))
    draw = ImageDraw.Draw(board)
    step = max(8, image.width // 32)
    for y in range(0, image.height, step):
        for x in range((y // step) % 2 * step, image.width, 2 * step):
            draw.rectangle((x, y, x + step - 1, y + step - 1), fill=(205, 205, 205))
    board.paste(image, mask=image.getchannel("A"))
    return board


def sheet(cells: list[tuple[str, Image.Image]], cell: int, cols: int) -> Image.Image:
    label_h = 44
    rows = (len(cells) + cols - 1) // cols
    out = Image.new("RGB", (cols * cell, rows * (cell + label_h)), (250, 250, 250))
    draw = ImageDraw.Draw(out)
    for index, (label, image) in enumerate(cells):
        scale = (cell - 8) / max(image.size)
        small = image.resize((round(image.width * scale), round(image.height * scale)))
        x0 = (index % cols) * cell
        y0 = (index // cols) * (cell + label_h)
        out.paste(small, (x0 + (cell - small.width) // 2, y0 + 4))
        text = "\n".join(textwrap.wrap(label, cell // 6)[:3])
        draw.multiline_text((x0 + 4, y0 + cell - 2), text, fill=(20, 20, 20), spacing=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/review"))
    parser.add_argument("--size", type=int, default=384, help="longest side of each JPEG")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", default="", help="comma-separated indexes")
    parser.add_argument("--cols", type=int, default=4)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = {int(i) for i in args.only.split(",") if i.strip()}
    engine = DesignEngine()
    cells = []
    for index, prompt in enumerate(REVIEW_SET):
        if wanted and index not in wanted:
            continue
        image, credits = render(engine, prompt, args.seed + index)
        flat = flatten(image)
        scale = args.size / max(flat.size)
        small = flat.resize((round(flat.width * scale), round(flat.height * scale)), Image.LANCZOS)
        small.save(args.out / f"{index:02d}.jpg", quality=85)
        cells.append((f"{index}: {prompt}", small))
        print(f"{index:2d} credits={credits} {prompt}")
    for start in range(0, len(cells), 12):
        part = sheet(cells[start : start + 12], 300, args.cols)
        part.save(args.out / f"sheet-{start // 12}.png", optimize=True)
    print(f"wrote {len(cells)} pictures and {(len(cells) + 11) // 12} sheets to {args.out}")


if __name__ == "__main__":
    main()
