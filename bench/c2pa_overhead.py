"""What Content Credentials add per image: signing time against encode time, at 1024x1024.

    python bench/c2pa_overhead.py [--runs 5]

For png, jpeg (quality 90) and webp (quality 90), in the same run: encoding a real design
engine picture without a manifest (the baseline), and signing the encoded file with a
local CA's certificate (ES256, no thumbnail, no timestamp authority). Target: signing at
most 0.3x the encode.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pixmill.engines.design import DesignEngine
from pixmill.imaging.c2pa_signing import (
    ContentCredentials,
    SoftwareAgent,
    ensure_local_authority,
)
from pixmill.imaging.encode import MEDIA_TYPES, encode
from pixmill.request import parse_request, resolve
from timing import median_seconds

TARGET = 0.3


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
    with tempfile.TemporaryDirectory() as folder:
        authority = ensure_local_authority(Path(folder))
        credentials = ContentCredentials(
            authority.signer_cert.read_bytes(), authority.signer_key.read_bytes()
        )
        print(f"1024x1024 design picture, median of {args.runs} runs")
        print(f"{'format':<6} {'encode ms':>10} {'sign ms':>9} {'ratio':>6} {'bytes added':>12}")
        worst = 0.0
        for fmt in ("png", "jpeg", "webp"):
            encoded = encode(picture, fmt, compression=90)  # type: ignore[arg-type]
            encode_s = median_seconds(
                lambda fmt=fmt: encode(picture, fmt, compression=90), args.runs
            )
            sign_s = median_seconds(
                lambda fmt=fmt, encoded=encoded: credentials.sign(encoded, MEDIA_TYPES[fmt], agent),
                args.runs,
            )
            added = len(credentials.sign(encoded, MEDIA_TYPES[fmt], agent)) - len(encoded)
            ratio = sign_s / encode_s
            worst = max(worst, ratio)
            print(
                f"{fmt:<6} {encode_s * 1000:>10.1f} {sign_s * 1000:>9.1f} {ratio:>6.2f} {added:>12}"
            )
        verdict = "within" if worst <= TARGET else "OVER"
        print(f"worst ratio {worst:.2f}: {verdict} the target of {TARGET}x the encode")


if __name__ == "__main__":
    main()
