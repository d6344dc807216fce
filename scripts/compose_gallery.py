"""Render the gallery of composed designs (issue 25): exact text over another model's art.

    python scripts/compose_gallery.py [--out docs/gallery/compose] [--size 640]

The art model is a gateway model ("photos", the OpenAI engine) whose provider is a fake
on loopback: it answers each prompt with one of scikit-image's bundled photos (in its
wheel, no download: `pip install -e '.[gallery]'`), cropped to the size asked, chosen by
a word of the prompt the art model was sent. The composed model ("poster": the design
engine with `{"art": "photos"}`) runs through the real pipeline in this process
(`ImageService.generate`), so each design went through the art prompt, the inline art
call, moderation and the layout exactly as on a server. Every picture is saved as a
JPEG (longest side --size), with a contact sheet (sheet.jpg) and a before-and-after
(before-after.jpg: the art model's picture beside the design).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import uvicorn
from PIL import Image, ImageDraw, ImageFont, ImageOps
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pixmill.engines.design import fonts
from pixmill.request import ImageRequest
from pixmill.service import ImageService
from pixmill.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

PHOTOS = {
    # a word the art prompt carries -> the scikit-image photo the fake answers with
    "astronaut": "astronaut",
    "cat": "chelsea",
    "espresso": "coffee",
    "rocket": "rocket",
    "galaxies": "hubble_deep_field",
    "coins": "coins",
    "photographer": "camera",
    "grass": "grass",
    "cells": "immunohistochemistry",
    "moon": "moon",
    "clock": "clock",
    "brick": "brick",
}
PROMPTS = (
    (
        "movie",
        'Movie poster, an astronaut in an orange spacesuit, title "LOST IN ORBIT", '
        'tagline "No one hears you up there"',
        "1024x1536",
    ),
    (
        "adoption",
        'Cat adoption flyer, a tabby cat with green eyes, title "ADOPT ME", '
        'info "Saturday 10-4, City Shelter"',
        "1536x1024",
    ),
    (
        "cafe",
        "Instagram post for a café, an espresso cup on a red saucer, warm cozy mood, "
        'text "Good Morning" and "Open 7am - 3pm"',
        "1024x1024",
    ),
    (
        "launch",
        'Event banner, a rocket on the launch pad at dawn, title "LAUNCH DAY" in yellow, '
        'date "March 14, 9:00 AM"',
        "1536x1024",
    ),
    (
        "lecture",
        'Public lecture poster, galaxies in deep space, title "How Big Is the Universe?", '
        'info "Planetarium, Friday 8pm"',
        "1024x1536",
    ),
    (
        "coins",
        'Flyer for a coin fair, old silver coins, title "COIN FAIR", tagline "Buy, sell and trade"',
        "1024x1024",
    ),
    (
        "workshop",
        "Workshop flyer, a photographer with a vintage camera, black and white, "
        'title "Darkroom Basics", info "Sundays in May"',
        "1024x1536",
    ),
    (
        "garden",
        'Garden centre sale banner, fresh green grass, title "SPRING SALE", '
        'tagline "30% off all seeds"',
        "1536x1024",
    ),
    (
        "magazine",
        'Science magazine cover, stained cells under a microscope, title "INSIDE THE CELL", '
        'headline "The proteins that keep you alive"',
        "1024x1536",
    ),
    (
        "hike",
        'Night hike poster, the cratered moon, title "FULL MOON HIKE", '
        'info "Meet at 9pm, North Gate"',
        "1024x1536",
    ),
    (
        "webinar",
        'Webinar thumbnail, an old clock, title "Beat Procrastination", '
        'tagline "Live, Thursday 6pm"',
        "1536x1024",
    ),
    (
        "loft",
        'Real estate ad, a red brick wall, title "LOFT FOR RENT", '
        'info "2 rooms, 80 m², call 555-0142"',
        "1024x1024",
    ),
)


def photo_for(prompt: str, width: int, height: int) -> bytes:
    """The photo a word of the art prompt names, cropped to the asked shape and size."""
    from skimage import data

    lowered = prompt.lower()
    name = next((photo for word, photo in PHOTOS.items() if word in lowered), "astronaut")
    picture = Image.fromarray(getattr(data, name)()).convert("RGB")
    fitted = ImageOps.fit(picture, (width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, "PNG")
    return out.getvalue()


def fake_provider(sent: list[str]) -> Starlette:
    async def generations(request: Request) -> JSONResponse:
        body = await request.json()
        sent.append(body["prompt"])
        width, height = (int(side) for side in body["size"].split("x"))
        data = photo_for(body["prompt"], width, height)
        return JSONResponse(
            {
                "created": int(time.time()),
                "data": [{"b64_json": base64.b64encode(data).decode()}],
                "size": body["size"],
                "quality": body.get("quality", "medium"),
                "output_format": "png",
                "background": "opaque",
            }
        )

    return Starlette(routes=[Route("/v1/images/generations", generations, methods=["POST"])])


@contextlib.contextmanager
def serving(app: Starlette) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/gallery/compose")
    parser.add_argument("--size", type=int, default=640, help="longest side of each JPEG")
    parser.add_argument("--quality", default="medium")
    args = parser.parse_args()
    try:
        import skimage  # noqa: F401
    except ImportError:
        sys.exit("The gallery needs scikit-image: pip install -e '.[gallery]'")
    args.out.mkdir(parents=True, exist_ok=True)
    sent: list[str] = []
    with serving(fake_provider(sent)) as base_url, tempfile.TemporaryDirectory() as tmp:
        options = {"base_url": base_url, "api_key": "sk-gallery", "model": "gpt-image-1"}
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            content_credentials=False,
            models={
                "photos": {"engine": "openai", "options": options},
                "poster": {"engine": "design", "options": {"art": "photos"}},
            },
        )
        service = ImageService.from_settings(settings)
        made = []
        for index, (name, prompt, size) in enumerate(PROMPTS):
            request = ImageRequest(model="poster", prompt=prompt, size=size, quality=args.quality)
            result = anyio.run(service.generate, request)
            image = Image.open(io.BytesIO(result.images[0].data))
            meta = json.loads(image.info["Description"])
            path = args.out / f"{index + 1:02d}-{name}.jpg"
            save(image, path, args.size)
            made.append((name, image.convert("RGB")))
            print(f"{path.name}: layout {meta['layout']}; art prompt: {meta['art_prompt']}")
        service.close()
    contact_sheet(made, 300).save(args.out / "sheet.jpg", quality=82)
    first, size = PROMPTS[0][1], PROMPTS[0][2]
    width, height = (int(side) for side in size.split("x"))
    before = Image.open(io.BytesIO(photo_for(sent[0], width, height)))
    before_after(before, made[0][1], first).save(args.out / "before-after.jpg", quality=85)
    print(f"wrote {len(made)} designs, sheet.jpg and before-after.jpg to {args.out}")


def save(image: Image.Image, path: Path, longest: int) -> None:
    image = image.convert("RGB")
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    image.save(path, quality=85)


def contact_sheet(images: list[tuple[str, Image.Image]], cell: int, cols: int = 4) -> Image.Image:
    rows = (len(images) + cols - 1) // cols
    gap = 12
    sheet = Image.new("RGB", (cols * (cell + gap) + gap, rows * (cell + gap) + gap), "white")
    for k, (_, image) in enumerate(images):
        thumb = image.copy()
        thumb.thumbnail((cell, cell), Image.Resampling.LANCZOS)
        x = gap + (k % cols) * (cell + gap) + (cell - thumb.width) // 2
        y = gap + (k // cols) * (cell + gap) + (cell - thumb.height) // 2
        sheet.paste(thumb, (x, y))
    return sheet


def before_after(before: Image.Image, after: Image.Image, prompt: str) -> Image.Image:
    """The art model's picture and the design made over it, side by side, captioned."""
    height = 560
    pictures = []
    for picture in (before, after):
        picture = picture.convert("RGB")
        pictures.append(picture.resize((round(picture.width * height / picture.height), height)))
    gap, caption = 16, 64
    width = sum(p.width for p in pictures) + gap * 3
    canvas = Image.new("RGB", (width, height + caption + gap), "white")
    draw = ImageDraw.Draw(canvas)
    label_font = ImageFont.truetype(str(fonts.face_path("sans-medium")), 18)
    prompt_font = ImageFont.truetype(str(fonts.face_path("sans")), 15)
    x = gap
    for label, picture in zip(
        ("the art model's picture", "the composed design"), pictures, strict=True
    ):
        canvas.paste(picture, (x, gap))
        draw.text((x, height + gap + 6), label, fill=(30, 30, 30), font=label_font)
        x += picture.width + gap
    draw.text((gap, height + gap + 36), prompt[:120], fill=(90, 90, 90), font=prompt_font)
    return canvas


if __name__ == "__main__":
    main()
