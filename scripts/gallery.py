"""Render the design engine's gallery: one subject in each style, then the gallery of
edits (inputs -> output) and its sheet. The prompt set's contact sheets come from
scripts/prompt_set.py.

    python scripts/gallery.py [--out docs/gallery] [--size 512] [--edits-only]

Pictures are rendered at medium quality with a fixed seed, then saved downscaled as
JPEG so the repository stays small. The edits' inputs are
photos that scikit-image ships inside its wheel (`pip install -e '.[gallery]'`): public
domain or CC0, credited in docs/edits.md.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from pixmill.engines.design import DesignEngine
from pixmill.imaging.inputs import InputImage, InputLimits, decode_image, decode_mask

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engines.design.design_prompts import make_spec  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/gallery")
    parser.add_argument("--size", type=int, default=512, help="longest side of each JPEG")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--edits-only", action="store_true", help="only the gallery of edits")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.edits_only:
        prompts_gallery(args)
    edits_gallery(args)


def prompts_gallery(args: argparse.Namespace) -> None:
    """One subject in each style, side by side (the prompt set's contact sheets come
    from scripts/prompt_set.py)."""
    engine = DesignEngine()
    styled = []
    for style in STYLES:
        spec = make_spec(f"{STYLE_SUBJECT}, {style}", 512, 512, seed=args.seed)
        styled.append((style, engine.generate(spec)[0].image.convert("RGB")))
    contact_sheet(styled, cell=256, cols=4).save(args.out / "styles.jpg", quality=80)
    print(f"wrote styles.jpg to {args.out}")


@dataclass(frozen=True)
class Edit:
    name: str
    prompt: str
    photos: tuple[str, ...]
    """scikit-image sample photos (skimage.data functions), the first one first."""
    size: tuple[int, int] | None = None
    """None: the first photo's size (a masked edit keeps it)."""
    fidelity: str = "high"
    background: str = "opaque"
    mask: tuple[int, int, int, int] | None = None
    """The box that may change, in the first photo's pixels."""


EDITS = (
    Edit(
        "edit-product-ad",
        'An ad for "Pikolo Espresso" with the tagline "Roasted every morning"',
        ("coffee",),
        (1024, 1536),
    ),
    Edit(
        "edit-portrait-poster",
        'A poster of an astronaut cut out, titled "Reach for the Stars"',
        ("astronaut",),
        (1024, 1536),
    ),
    Edit(
        "edit-masked-fill",
        'a sign saying "Open Daily"',
        ("coffee",),
        mask=(430, 0, 600, 140),
    ),
    Edit(
        "edit-collage",
        'A moodboard called "Summer of Space"',
        ("astronaut", "rocket", "coffee", "chelsea"),
        (1536, 1024),
        fidelity="low",
    ),
    Edit(
        "edit-product-tiles",
        'Product tiles for a coffee shop "Pikolo Goods"',
        ("coffee", "chelsea", "rocket", "astronaut"),
        (1024, 1536),
    ),
)


def sample_photo(name: str, param: str) -> InputImage:
    """One of scikit-image's bundled photos (in its wheel, no download) as an edit input."""
    try:
        from skimage import data
    except ImportError:
        sys.exit("The gallery of edits needs scikit-image: pip install -e '.[gallery]'")
    buffer = io.BytesIO()
    Image.fromarray(getattr(data, name)()).save(buffer, "PNG")
    return decode_image(buffer.getvalue(), param=param, limits=InputLimits())


def edit_mask(first: InputImage, box: tuple[int, int, int, int]) -> InputImage:
    """Opaque but for `box`: where the picture may change."""
    mask = Image.new("RGBA", (first.width, first.height), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), box)
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return decode_mask(buffer.getvalue(), limits=InputLimits(), first=first)


def edits_gallery(args: argparse.Namespace) -> None:
    """Each edit's output as a JPEG, and edits.jpg: each edit's inputs beside its output."""
    engine = DesignEngine()
    rows: list[tuple[list[Image.Image], Image.Image]] = []
    for number, edit in enumerate(EDITS):
        inputs = tuple(
            sample_photo(name, f"image[{index}]") for index, name in enumerate(edit.photos)
        )
        width, height = edit.size or (inputs[0].width, inputs[0].height)
        spec = make_spec(
            edit.prompt,
            width,
            height,
            seed=args.seed + number,
            inputs=inputs,
            input_fidelity=edit.fidelity,
            background=edit.background,
            mask=edit_mask(inputs[0], edit.mask) if edit.mask else None,
        )
        started = time.perf_counter()
        [result] = engine.generate(spec)
        elapsed = time.perf_counter() - started
        small = downscaled(flattened(result.image), args.size)
        small.save(args.out / f"{edit.name}.jpg", quality=85, optimize=True)
        photos = [Image.open(io.BytesIO(image.data)).convert("RGB") for image in inputs]
        rows.append((photos, small))
        print(f"{elapsed * 1000:6.0f} ms  {width}x{height}  {result.layout:8} {edit.name}")
    edits_sheet(rows).save(args.out / "edits.jpg", quality=82, optimize=True)
    print(f"wrote {len(rows)} edits and edits.jpg to {args.out}")


def flattened(image: Image.Image) -> Image.Image:
    """RGB; transparent pixels over a light checkerboard, so a cut-out shows as one."""
    board = Image.new("RGB", image.size, (236, 236, 236))
    square = max(8, min(image.size) // 32)
    draw = ImageDraw.Draw(board)
    for y in range(0, image.height, square):
        for x in range((y // square) % 2 * square, image.width, square * 2):
            draw.rectangle((x, y, x + square - 1, y + square - 1), fill=(206, 206, 206))
    board.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    return board


def downscaled(image: Image.Image, longest: int) -> Image.Image:
    scale = longest / max(image.size)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)


def edits_sheet(rows: list[tuple[list[Image.Image], Image.Image]], height: int = 300):
    """One row per edit: its inputs (one large, or several in a 2 x 2 block), an arrow,
    its output."""
    pad, arrow = 14, 70
    cell = (height - pad) // 2
    block = 2 * cell + pad  # the inputs' column: one photo, or a 2 x 2 block of them
    lines = [(inputs, downscaled(output, height)) for inputs, output in rows]
    width = pad + block + arrow + max(output.width for _, output in lines) + pad
    sheet = Image.new("RGB", (width, len(lines) * (height + pad) + pad), "white")
    draw = ImageDraw.Draw(sheet)
    for row, (inputs, output) in enumerate(lines):
        top = pad + row * (height + pad)
        if len(inputs) == 1:
            places = [(pad, top, block, height)]
        else:
            places = [
                (pad + (i % 2) * (cell + pad), top + (i // 2) * (cell + pad), cell, cell)
                for i in range(len(inputs))
            ]
        for image, (x, y, room_w, room_h) in zip(inputs, places, strict=False):
            small = image.copy()
            small.thumbnail((room_w, room_h), Image.LANCZOS)
            sheet.paste(small, (x + (room_w - small.width) // 2, y + (room_h - small.height) // 2))
        middle, start = top + height // 2, pad + block + 18
        draw.line((start, middle, start + 24, middle), fill=(90, 90, 90), width=3)
        draw.polygon(
            [(start + 34, middle), (start + 22, middle - 8), (start + 22, middle + 8)],
            fill=(90, 90, 90),
        )
        sheet.paste(output, (pad + block + arrow, top + (height - output.height) // 2))
    return sheet


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
