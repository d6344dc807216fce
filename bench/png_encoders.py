"""PNG encoders for pixmill's pictures: time, size, and whether each keeps what we need.

    python bench/png_encoders.py [--runs 7]

The pictures are the design engine's, rendered once: the seed request (its "auto" size
and quality) and a 1024x1024 low one; and a synthetic photo-like one (tests/imaging/
synthetic.py: soft noise and grain everywhere), nearer what a diffusion engine makes.
Each encoder gets the same flattened RGB picture and is timed from it to finished
bytes, with pixmill's metadata chunks (Software tEXt, Description and XMP iTXt): Pillow
writes them itself; for the others they are put after IHDR, in the timing. Checked:

  lossless  the file decodes (by Pillow) to exactly the input pixels
  same      two encodes of one picture give the same bytes (deterministic)
  chunks    the metadata chunks are in the file

"pixmill" is what pixmill ships (src/pixmill/imaging/encode.py), Pillow's chunks and
pyvips at level 6: a drawn picture (a vector engine's) with no row filter, any other
with adaptive filters ("all").

Encoders that are not installed are listed as such: Pillow, skia-python and pyvips
come with pixmill; imagecodecs and opencv-python-headless do not.
Each round times every encoder once, in turn, so the machine's load falls on all alike;
the figure is the median over rounds. Ratios are against Pillow at level 6 (the encoder
before issue 21) in the same run.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import SEED_REQUEST
from tests.imaging.synthetic import portrait

from pixmill.engines.design import DesignEngine
from pixmill.imaging.encode import encode
from pixmill.imaging.provenance import software, xmp_packet
from pixmill.request import parse_request, resolve

DESCRIPTION = '{"ai_generated": true, "generator": "pixmill", "model": "gpt-image-1"}'
XMP = xmp_packet("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia")

Encoder = Callable[[Image.Image], bytes]


def _info() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", software())
    info.add_itxt("Description", DESCRIPTION)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return info


def _chunks() -> bytes:
    out = io.BytesIO()
    for kind, data, _after_idat in _info().chunks:
        PngImagePlugin.putchunk(out, kind, data)
    return out.getvalue()


CHUNKS = _chunks()


def spliced(png: bytes) -> bytes:
    """Our chunks after IHDR (8 bytes of signature, then IHDR's 25)."""
    return png[:33] + CHUNKS + png[33:]


def pillow(level: int) -> Encoder:
    def encode(image: Image.Image) -> bytes:
        out = io.BytesIO()
        image.save(out, "PNG", pnginfo=_info(), compress_level=level)
        return out.getvalue()

    return encode


def skia_png(image: Image.Image) -> bytes:
    import skia

    rgba = np.asarray(image.convert("RGBA"))
    picture = skia.Image.fromarray(rgba, colorType=skia.ColorType.kRGBA_8888_ColorType)
    return spliced(bytes(picture.encodeToData(skia.EncodedImageFormat.kPNG, 100)))


def imagecodecs_png(level: int, png_filter: str | None = None) -> Encoder:
    def encode(image: Image.Image) -> bytes:
        import imagecodecs

        options = {}
        if png_filter == "fast":  # imagecodecs' advice for speed, as OpenCV's settings
            options = {"strategy": 3, "filter": imagecodecs.PNG.FILTER.SUB}
        elif png_filter == "none":
            options = {"filter": imagecodecs.PNG.FILTER.NONE}
        return spliced(imagecodecs.png_encode(np.asarray(image), level=level, **options))

    return encode


def imagecodecs_spng(level: int) -> Encoder:
    def encode(image: Image.Image) -> bytes:
        import imagecodecs

        return spliced(imagecodecs.spng_encode(np.asarray(image), level=level))

    return encode


def opencv(level: int) -> Encoder:
    def encode(image: Image.Image) -> bytes:
        import cv2

        bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
        ok, data = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, level])
        assert ok
        return spliced(data.tobytes())

    return encode


def vips(level: int, png_filter: str = "none") -> Encoder:
    def encode(image: Image.Image) -> bytes:
        import pyvips

        data = image.tobytes()
        picture = pyvips.Image.new_from_memory(data, image.width, image.height, 3, "uchar")
        return spliced(picture.pngsave_buffer(compression=level, filter=png_filter, keep="none"))

    return encode


def pixmill_png(drawn: bool) -> Encoder:
    """What pixmill ships: imaging.encode, unsigned (its own provenance JSON)."""

    def run(image: Image.Image) -> bytes:
        return encode(image, "png", provenance={"model": "gpt-image-1"}, drawn=drawn)

    return run


CANDIDATES: dict[str, tuple[str, Encoder]] = {
    "pillow level 6": ("PIL", pillow(6)),
    "pillow level 3": ("PIL", pillow(3)),
    "pillow level 2": ("PIL", pillow(2)),
    "pillow level 1": ("PIL", pillow(1)),
    "skia-python": ("skia", skia_png),
    "imagecodecs libpng 1": ("imagecodecs", imagecodecs_png(1)),
    "imagecodecs libpng 3": ("imagecodecs", imagecodecs_png(3)),
    "imagecodecs libpng 1 fast": ("imagecodecs", imagecodecs_png(1, "fast")),
    "imagecodecs libpng 3 (no filter)": ("imagecodecs", imagecodecs_png(3, "none")),
    "imagecodecs libpng 6 (no filter)": ("imagecodecs", imagecodecs_png(6, "none")),
    "imagecodecs spng 1": ("imagecodecs", imagecodecs_spng(1)),
    "imagecodecs spng 3": ("imagecodecs", imagecodecs_spng(3)),
    "opencv 1": ("cv2", opencv(1)),
    "opencv 3": ("cv2", opencv(3)),
    "pixmill, drawn (pyvips 6)": ("pyvips", pixmill_png(drawn=True)),
    "pixmill, other (pyvips 6 all)": ("pyvips", pixmill_png(drawn=False)),
    "pyvips 1 (no filter)": ("pyvips", vips(1)),
    "pyvips 3 (no filter)": ("pyvips", vips(3)),
    "pyvips 6 (no filter)": ("pyvips", vips(6)),
    "pyvips 3 sub": ("pyvips", vips(3, "sub")),
    "pyvips 6 all": ("pyvips", vips(6, "all")),
}


def pictures() -> dict[str, Image.Image]:
    """The seed request's picture, a 1024x1024 low one (flattened as encode() does), and a
    photo-like one."""
    import json

    engine = DesignEngine()
    seed = json.loads(SEED_REQUEST.read_text(encoding="utf-8")) | {"seed": 1}
    out = {}
    for name, body in (
        ("seed", seed),
        ("1024 low", seed | {"size": "1024x1024", "quality": "low"}),
    ):
        spec = resolve(parse_request(body))
        image = engine.generate(spec, None)[0].image
        out[f"{name} {spec.width}x{spec.height}"] = image.convert("RGB")
    # What a diffusion engine makes looks more like this: grain everywhere, no flat areas.
    out["photo-like 1024x1024 (synthetic)"] = portrait((1024, 1024))[0].convert("RGB")
    return out


def checks(encoder: Encoder, image: Image.Image) -> str:
    first, second = encoder(image), encoder(image)
    decoded = Image.open(io.BytesIO(first))
    lossless = np.array_equal(np.asarray(decoded.convert("RGB")), np.asarray(image))
    chunks = decoded.text.get("Software") == software() and "XML:com.adobe.xmp" in decoded.text
    marks = [("lossless", lossless), ("same", first == second), ("chunks", chunks)]
    return " ".join(name if ok else f"NOT-{name}" for name, ok in marks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    available = {}
    for name, (module, encoder) in CANDIDATES.items():
        try:
            __import__(module)
        except ImportError:
            print(f"{name}: not installed ({module})")
            continue
        available[name] = encoder
    for label, image in pictures().items():
        notes = {name: checks(encoder, image) for name, encoder in available.items()}
        sizes = {name: len(encoder(image)) for name, encoder in available.items()}
        times: dict[str, list[float]] = {name: [] for name in available}
        cpu: dict[str, list[float]] = {name: [] for name in available}
        for _ in range(args.runs):
            for name, encoder in available.items():
                started, cpu_started = time.perf_counter(), time.process_time()
                encoder(image)
                times[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
        base = statistics.median(times["pillow level 6"])
        base_size = sizes["pillow level 6"]
        print(f"\n{label}: median of {args.runs} rounds; ratios against pillow level 6")
        print(f"{'encoder':<34}{'ms':>8}{'x time':>8}{'cpu ms':>8}{'KiB':>9}{'x size':>8}  checks")
        for name in available:
            ms = statistics.median(times[name])
            print(
                f"{name:<34}{ms * 1000:>8.1f}{ms / base:>8.2f}"
                f"{statistics.median(cpu[name]) * 1000:>8.1f}{sizes[name] / 1024:>9.0f}"
                f"{sizes[name] / base_size:>8.2f}  {notes[name]}"
            )


if __name__ == "__main__":
    main()
