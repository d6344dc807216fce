"""Encode RGBA pictures as png, jpeg or webp, with provenance metadata.

Every file carries IPTC's digital source type in XMP (composite for an edit) and, when
credentials are given, a signed C2PA manifest (Content Credentials) over the whole file.
The metadata carries no
timestamps, so the same picture and parameters give the same bytes, apart from the
manifest's own signature fields.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from PIL import Image, PngImagePlugin

from pixmill.imaging.formats import MEDIA_TYPES
from pixmill.imaging.manifests import Ingredient, SoftwareAgent, digital_source_type
from pixmill.imaging.provenance import software, xmp_packet

if TYPE_CHECKING:
    from pixmill.imaging.c2pa_signing import ContentCredentials

RasterFormat = Literal["png", "jpeg", "webp"]


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
    credentials: ContentCredentials | None = None,
    agent: SoftwareAgent | None = None,
    ingredients: Sequence[Ingredient] = (),
) -> bytes:
    """Encode one picture. `compression` is the jpeg/webp quality (0-100); png is lossless.

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
        picture.save(out, "PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)
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


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency composited over white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") and has_alpha(image):
        plate = Image.new("RGB", image.size, (255, 255, 255))
        plate.paste(image.convert("RGBA"), mask=image.getchannel("A"))
        return plate
    return image.convert("RGB")
