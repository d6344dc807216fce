"""Encode RGBA pictures as png, jpeg or webp, with provenance metadata.

Every file carries IPTC's digital source type in XMP (composite for an edit) and, when
credentials are given, a signed C2PA manifest (Content Credentials) over the whole file.
The metadata carries no
timestamps, so the same picture and parameters give the same bytes, apart from the
manifest's own signature fields.

PNG is written by libvips (pyvips) at deflate level 6. A drawn picture (flat colour, as
a vector engine's) goes unfiltered: about 3x faster than Pillow, within ~10% of its
size; others (photos) keep adaptive row filtering, still faster than Pillow and ~30%
smaller than unfiltered (bench/png_encoders.py; docs/performance.md has the table).
Our text chunks are Pillow's, put after IHDR, as Pillow would place them.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from PIL import Image, PngImagePlugin

from pixmill.imaging.formats import MEDIA_TYPES
from pixmill.imaging.manifests import Ingredient, SoftwareAgent, digital_source_type
from pixmill.imaging.provenance import software, xmp_packet

if TYPE_CHECKING:
    from pixmill.imaging.c2pa_signing import ContentCredentials

RasterFormat = Literal["png", "jpeg", "webp"]


PNG_COMPRESS_LEVEL = 6
PNG_FILTERS = {True: "none", False: "all"}
"""libvips' row filter for a drawn picture (flat areas pack well unfiltered, and the
filter search is most of the time) and for any other (adaptive, as Pillow's)."""
_PNG_SIGNATURE_AND_IHDR = 8 + 25
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
    credentials: ContentCredentials | None = None,
    agent: SoftwareAgent | None = None,
    ingredients: Sequence[Ingredient] = (),
    drawn: bool = False,
) -> bytes:
    """Encode one picture. `compression` is the jpeg/webp quality (0-100); png is lossless.

    `drawn`: the picture is flat colour (a vector engine's), so its PNG rows go unfiltered.

    With `credentials` and `agent`, the file is signed: a C2PA manifest naming the agent
    and the `ingredients` it was made from. The XMP's digital source type says the same
    (an edit's whether signed or not).
    """
    keep_alpha = fmt != "jpeg" and has_alpha(image)
    picture = image if keep_alpha else _flatten(image)
    description = json.dumps(dict(provenance or {}), sort_keys=True, ensure_ascii=False)
    xmp = xmp_packet(digital_source_type(ingredients))
    out = io.BytesIO()
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", software())
        info.add_itxt("Description", description)
        info.add_itxt("XML:com.adobe.xmp", xmp.decode())
        _save_png(picture, info, out, png_filter=PNG_FILTERS[drawn])
    elif fmt in ("jpeg", "webp"):
        exif = Image.Exif()
        exif[_EXIF_SOFTWARE] = software()
        exif[_EXIF_IMAGE_DESCRIPTION] = description
        options = {"quality": compression, "exif": exif.tobytes(), "xmp": xmp}
        if fmt == "jpeg":
            picture.save(out, "JPEG", optimize=False, **options)
        else:
            picture.save(out, "WEBP", method=4, **options)
    else:
        raise ValueError(f"not a raster format: {fmt!r}")
    data = out.getvalue()
    if credentials is not None and agent is not None:
        data = credentials.sign(data, MEDIA_TYPES[fmt], agent, ingredients=ingredients)
    return data


def _save_png(
    image: Image.Image, info: PngImagePlugin.PngInfo, out: io.BytesIO, *, png_filter: str
) -> None:
    """The picture as PNG, by libvips, with `info`'s chunks right after IHDR."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    vips = load_png_encoder()
    raster = vips.Image.new_from_memory(
        image.tobytes(), image.width, image.height, len(image.mode), "uchar"
    )
    png = raster.pngsave_buffer(compression=PNG_COMPRESS_LEVEL, filter=png_filter, keep="none")
    if png[12:16] != b"IHDR":
        raise RuntimeError("libvips wrote a PNG that does not start with IHDR")
    out.write(png[:_PNG_SIGNATURE_AND_IHDR])
    for kind, data, _after_idat in info.chunks:
        PngImagePlugin.putchunk(out, kind, data)
    out.write(png[_PNG_SIGNATURE_AND_IHDR:])


@functools.cache
def load_png_encoder() -> Any:
    """pyvips, loaded on first use (~0.15 s: libvips starts threads and a cache)."""
    import pyvips

    # Nothing to reuse between calls: every picture is new, so cache no operations.
    pyvips.cache_set_max(0)
    return pyvips


def opaque_as_rgb(image: Image.Image) -> Image.Image:
    """RGB when no pixel is transparent (an engine's usual RGBA picture), else as it is.

    Done once per picture, it spares each later step its own transparency check and
    RGB copy (moderation and encoding both want RGB).
    """
    if image.mode == "RGBA" and not has_alpha(image):
        return image.convert("RGB")
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency composited over white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") and has_alpha(image):
        plate = Image.new("RGB", image.size, (255, 255, 255))
        plate.paste(image.convert("RGBA"), mask=image.getchannel("A"))
        return plate
    return image.convert("RGB")
