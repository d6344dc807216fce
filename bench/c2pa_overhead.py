"""What Content Credentials add per image: signing time against encode time, at 1024x1024.

    python bench/c2pa_overhead.py [--runs 5]

For png, jpeg (quality 90) and webp (quality 90), in the same run: encoding a real design
engine picture without a manifest (the baseline), and signing the encoded file with a
local CA's certificate (ES256, no thumbnail, no timestamp authority):
- a generation's manifest (`c2pa.created`);
- an edit's, with one 1024x1024 png photo as its parent and a mask;
- an edit's with 16 input images (1024x1024 jpeg), OpenAI's most.
Partial images are encoded and signed the same way, so each costs what a final image
of its format does. Target: a generation's signing at most 0.3x the encode (an edit's
ingredients are shown beside it; its input images' parsing costs far more).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from PIL import Image, ImageDraw

from pixmill.engines.design import DesignEngine
from pixmill.imaging.c2pa_signing import ContentCredentials, ensure_local_authority
from pixmill.imaging.encode import MEDIA_TYPES, encode
from pixmill.imaging.manifests import Ingredient, SoftwareAgent
from pixmill.request import parse_request, resolve
from timing import median_seconds

TARGET = 0.3


def photo(fmt: str, seed: int) -> bytes:
    """A 1024x1024 photo-like input: a noisy ground with a disc."""
    rng = np.random.default_rng(seed)
    ground = np.clip(rng.normal(180, 25, (1024, 1024, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(ground, "RGB")
    ImageDraw.Draw(image).ellipse((300, 250, 800, 750), fill=(200, 40, 40))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def mask() -> bytes:
    image = Image.new("RGBA", (1024, 1024), (0, 0, 0, 255))
    ImageDraw.Draw(image).rectangle((100, 100, 500, 400), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    spec = resolve(
        parse_request(
            {"prompt": 'A poster for the "Harbor Jazz Festival"', "size": "1024x1024", "seed": 7}
        )
    )
    picture = DesignEngine().generate(spec)[0].image
    agent = SoftwareAgent(engine="design", model="gpt-image-1")
    one = (
        Ingredient(photo("PNG", 0), "image/png", "image", "parentOf"),
        Ingredient(mask(), "image/png", "mask", "inputTo"),
    )
    sixteen = tuple(
        Ingredient(
            photo("JPEG", k), "image/jpeg", f"image[{k}]", "parentOf" if k == 0 else "componentOf"
        )
        for k in range(16)
    )
    with tempfile.TemporaryDirectory() as folder:
        authority = ensure_local_authority(Path(folder))
        credentials = ContentCredentials(
            authority.signer_cert.read_bytes(), authority.signer_key.read_bytes()
        )
        print(f"1024x1024 design picture, median of {args.runs} runs; signing ms (x the encode)")
        print(
            f"{'format':<6} {'encode ms':>10} {'generation':>14} {'edit, 1+mask':>14} "
            f"{'edit, 16 in':>14} {'bytes added':>12}"
        )
        worst = 0.0
        for fmt in ("png", "jpeg", "webp"):
            encoded = encode(picture, fmt, compression=90)  # type: ignore[arg-type]
            media_type = MEDIA_TYPES[fmt]
            encode_s = median_seconds(
                lambda fmt=fmt: encode(picture, fmt, compression=90), args.runs
            )
            cells = []
            for ingredients in ((), one, sixteen):
                sign_s = median_seconds(
                    lambda e=encoded, m=media_type, i=ingredients: credentials.sign(
                        e, m, agent, ingredients=i
                    ),
                    args.runs,
                )
                ratio = sign_s / encode_s
                if not ingredients:  # the target is the generation's; edits are shown
                    worst = max(worst, ratio)
                cells.append(f"{sign_s * 1000:>6.1f} ({ratio:>4.2f})")
            added = len(credentials.sign(encoded, media_type, agent)) - len(encoded)
            print(f"{fmt:<6} {encode_s * 1000:>10.1f} {cells[0]:>14} {cells[1]:>14} "
                  f"{cells[2]:>14} {added:>12}")  # fmt: skip
        verdict = "within" if worst <= TARGET else "OVER"
        print(f"worst generation ratio {worst:.2f}: {verdict} the target of {TARGET}x the encode")


if __name__ == "__main__":
    main()
