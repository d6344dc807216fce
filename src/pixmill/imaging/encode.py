"""Encode RGBA pictures as png, jpeg or webp, with provenance metadata.

Metadata carries no timestamps, so the same picture and parameters always give
the same bytes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Literal

from PIL import Image, PngImagePlugin

from pixmill import __version__

RasterFormat = Literal["png", "jpeg", "webp"]

MEDIA_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}

PNG_COMPRESS_LEVEL = 6
_EXIF_IMAGE_DESCRIPTION = 0x010E
_EXIF_SOFTWARE = 0x0131


def has_alpha(image: Image.Image) -> bool:
    """True when some pixel is not fully opaque."""
    if image.mode not in ("RGBA", "LA"):
        return False
    low, _ = image.getchannel("A").getextrema()
    return low < 255


def encode(
    image: Image.Image,
    fmt: RasterFormat,
    *,
    compression: int = 100,
    provenance: Mapping[str, object] | None = None,
) -> bytes:
    """Encode one picture. `compression` is the jpeg/webp quality (0-100); png is lossless."""
    keep_alpha = fmt != "jpeg" and has_alpha(image)
    picture = image if keep_alpha else _flatten(image)
    description = json.dumps(dict(provenance or {}), sort_keys=True, ensure_ascii=False)
    out = io.BytesIO()
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", _software())
        info.add_itxt("Description", description)
        picture.save(out, "PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)
    elif fmt in ("jpeg", "webp"):
        exif = Image.Exif()
        exif[_EXIF_SOFTWARE] = _software()
        exif[_EXIF_IMAGE_DESCRIPTION] = description
        options = {"quality": compression, "exif": exif.tobytes()}
        if fmt == "jpeg":
            picture.save(out, "JPEG", optimize=False, **options)
        else:
            picture.save(out, "WEBP", method=4, **options)
    else:
        raise ValueError(f"not a raster format: {fmt!r}")
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency composited over white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") and has_alpha(image):
        plate = Image.new("RGB", image.size, (255, 255, 255))
        plate.paste(image.convert("RGBA"), mask=image.getchannel("A"))
        return plate
    return image.convert("RGB")


def _software() -> str:
    return f"pixmill {__version__}"
