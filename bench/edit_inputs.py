"""What an edit's input images cost before any rendering: checking, previews, moderation.

    python bench/edit_inputs.py [--runs 5]

Times, in one run, on images made here (a 12 MP phone-sized JPEG, a 2 MP PNG, and 16
one-megapixel JPEGs): the check of each image (header limits, then a full decode),
the preview that moderation classifies, the classifier itself, and a whole OpenAI
multipart edit body parsed into an EditRequest. The baseline is the parse of a
generation's JSON body, in the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.test_edits_forms import _starlette_request  # noqa: E402

from pixmill.api.edits_forms import OpenAIEditFields, load_edit, read_openai_edit  # noqa: E402
from pixmill.imaging.inputs import InputLimits, decode_image, preview  # noqa: E402
from pixmill.moderation import ImageModerator  # noqa: E402
from pixmill.request import parse_request  # noqa: E402
from pixmill.settings import Settings  # noqa: E402
from timing import median_seconds  # noqa: E402

LIMITS = InputLimits()
SETTINGS = Settings(_env_file=None)


def photo(width: int, height: int, fmt: str, seed: int = 0) -> bytes:
    """A photo-like picture: smooth gradients under fine noise (noise keeps files large)."""
    rng = np.random.default_rng(seed)
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    base = np.concatenate([xs * 200 + ys * 40, ys * 180 + 30 + xs * 0, (xs + ys) * 90], axis=2)
    noisy = base + rng.normal(0, 12, (height, width, 3)).astype(np.float32)
    out = io.BytesIO()
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(out, fmt.upper(), quality=90)
    return out.getvalue()


def parse_edit(files: list[tuple[str, tuple[str, bytes, str]]]) -> None:
    built = httpx.Request(
        "POST", "http://pixmill/v1/images/edits", files=files, data={"prompt": "an ad"}
    )

    async def run() -> None:
        parsed = await read_openai_edit(_starlette_request(built), SETTINGS)
        await load_edit(parsed, OpenAIEditFields, limits=LIMITS, allow_list=[])

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    big = photo(4032, 3024, "jpeg")
    mid = photo(1920, 1080, "png", 1)
    tiles = [photo(1024, 1024, "jpeg", seed) for seed in range(16)]
    baseline = median_seconds(
        lambda: parse_request({"prompt": "an ad", "size": "1024x1024", "n": 1}), runs * 20
    )
    print(f"baseline: a generation body parsed    {baseline * 1e3:8.3f} ms")

    moderator = ImageModerator()
    moderator.load()
    rows = [
        ("12 MP jpeg", big, f"{len(big) / 1e6:.1f} MB"),
        ("2 MP png", mid, f"{len(mid) / 1e6:.1f} MB"),
        ("1 MP jpeg", tiles[0], f"{len(tiles[0]) / 1e6:.2f} MB"),
    ]
    for name, data, size in rows:
        checked = decode_image(data, param="image", limits=LIMITS)
        check = median_seconds(lambda d=data: decode_image(d, param="image", limits=LIMITS), runs)
        shown = median_seconds(lambda c=checked: preview(c), runs)
        small = preview(checked)
        classify = median_seconds(lambda s=small: moderator.scores([s]), runs)
        print(
            f"{name:11s} ({size:>7s}): check {check * 1e3:7.1f} ms, preview "
            f"{shown * 1e3:6.1f} ms, classifier {classify * 1e3:6.1f} ms; "
            f"check = {check / baseline:,.0f}x baseline"
        )

    one = [("image", ("a.jpg", big, "image/jpeg"))]
    many = [("image[]", (f"{i}.jpg", data, "image/jpeg")) for i, data in enumerate(tiles)]
    for name, files in (("1 x 12 MP jpeg", one), ("16 x 1 MP jpeg", many)):
        total = median_seconds(lambda f=files: parse_edit(f), runs)
        megabytes = sum(len(part[1][1]) for part in files) / 1e6
        print(
            f"multipart edit, {name} ({megabytes:.1f} MB): parsed and checked in "
            f"{total * 1e3:7.1f} ms ({total / baseline:,.0f}x baseline)"
        )


if __name__ == "__main__":
    main()
