"""Input images of an edit: decoded under limits, whatever the client says they are.

Order of checks, cheapest first, so that nothing large is decoded before it is known
to fit: the byte size (of the base64 text before decoding it, too), the format from
the file's own header (png, jpeg or webp: a declared content type is not trusted), the
pixel size from the header (side and area: the decompression-bomb guard), and only then
the full decode of the first frame, which proves the whole file is readable. Every
failure is an InvalidRequest naming the parameter the image came from.

A mask is a PNG with an alpha channel, as large as the first image; its transparent
pixels mark where the picture may change (OpenAI's convention).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace

from PIL import Image, ImageOps

from pixmill.errors import InvalidRequest
from pixmill.request import InputFormat, InputImage, RenderSpec
from pixmill.settings import Settings

_FORMATS: dict[str, InputFormat] = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w.+-]+=[\w.+-]+)*)(;base64)?,", re.I)
_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class InputLimits:
    """How large one input image may be: bytes as sent, pixel sides and area."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_side: int = 12_000

    @classmethod
    def from_settings(cls, settings: Settings) -> InputLimits:
        return cls(
            max_bytes=settings.edit_max_image_bytes,
            max_pixels=settings.edit_max_image_pixels,
            max_side=settings.edit_max_image_side,
        )


def decode_base64(text: str, *, param: str, max_bytes: int) -> bytes:
    """The bytes of a data URL (`data:image/png;base64,...`) or of bare base64 text.

    The length is checked before decoding, so an oversized string costs no decode.
    """
    match = _DATA_URL.match(text)
    if match:
        if not match[3]:
            raise InvalidRequest(f"'{param}' must be a base64 data URL.", param=param)
        text = text[match.end() :]
    # Base64 takes 4 characters per 3 bytes; allow line breaks besides.
    if len(text) > (max_bytes + 2) // 3 * 4 * 1.05 + 64:
        raise _too_large(param, max_bytes)
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"'{param}' is not valid base64 image data.", param=param) from None
    if len(data) > max_bytes:
        raise _too_large(param, max_bytes)
    if not data:
        raise InvalidRequest(f"'{param}' is empty.", param=param)
    return data


def decode_image(data: bytes, *, param: str, limits: InputLimits) -> InputImage:
    """Check that `data` is one png, jpeg or webp image within the limits; see the module."""
    if len(data) > limits.max_bytes:
        raise _too_large(param, limits.max_bytes)
    if not data:
        raise InvalidRequest(f"'{param}' is empty.", param=param)
    with _decoding(param), Image.open(io.BytesIO(data), formats=list(_FORMATS)) as image:
        width, height = image.size
        if max(width, height) > limits.max_side or width * height > limits.max_pixels:
            raise InvalidRequest(
                f"'{param}' is {width}x{height} pixels; the limit is {limits.max_side} pixels "
                f"a side and {limits.max_pixels} pixels in all.",
                param=param,
            )
        if width < 1 or height < 1:
            raise InvalidRequest(f"'{param}' has no pixels.", param=param)
        image.load()
        orientation = image.getexif().get(_ORIENTATION, 1)
        if orientation in _SWAPPING_ORIENTATIONS:
            width, height = height, width
        return InputImage(
            data=data,
            format=_FORMATS[image.format or ""],
            width=width,
            height=height,
            has_alpha=_has_alpha_channel(image),
            param=param,
        )


def decode_mask(
    data: bytes, *, param: str = "mask", limits: InputLimits, first: InputImage
) -> InputImage:
    """A mask for `first`: a PNG with an alpha channel, the same size as `first`."""
    mask = decode_image(data, param=param, limits=limits)
    if mask.format != "png":
        raise InvalidRequest(
            f"'{param}' must be a PNG image with an alpha channel, not {mask.format}.",
            param=param,
        )
    if not mask.has_alpha:
        raise InvalidRequest(
            f"'{param}' has no alpha channel: its transparent pixels mark where the image "
            "may change.",
            param=param,
        )
    if (mask.width, mask.height) != (first.width, first.height):
        raise InvalidRequest(
            f"'{param}' is {mask.size} but the image it applies to ('{first.param}') is "
            f"{first.size}; they must be the same size.",
            param=param,
        )
    return mask


def open_input(source: InputImage) -> Image.Image:
    """The decoded, upright picture of a checked input, RGBA when it has alpha, else RGB."""
    with Image.open(io.BytesIO(source.data), formats=list(_FORMATS)) as image:
        upright = ImageOps.exif_transpose(image)
        return upright.convert("RGBA" if source.has_alpha else "RGB")


def preview(source: InputImage, longest: int = 512) -> Image.Image:
    """The picture at most `longest` pixels a side, upright, RGB or RGBA: enough for a
    classifier, and cheap (a JPEG is decoded at reduced scale, never in full)."""
    with Image.open(io.BytesIO(source.data), formats=list(_FORMATS)) as image:
        image.draft("RGB", (longest, longest))  # JPEG only: decode at 1/2, 1/4 or 1/8 scale
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((longest, longest), Image.Resampling.BILINEAR)
        return upright.convert("RGBA" if source.has_alpha else "RGB")


def fit_masked_edit(spec: RenderSpec) -> RenderSpec:
    """A masked edit asked at another size than its image's: the image and its mask scaled
    to cover that size and centre-cropped to it (Pillow's `ImageOps.fit`: Lanczos for the
    picture, bilinear for the mask), so the edit is made at the size asked for and, outside
    the mask, the picture is the input's own, scaled. Any other spec is returned as it is."""
    if spec.mask is None or not spec.inputs:
        return spec
    first, size = spec.inputs[0], (spec.width, spec.height)
    if (first.width, first.height) == size:
        return spec
    picture = ImageOps.fit(open_input(first), size, Image.Resampling.LANCZOS)
    with Image.open(io.BytesIO(spec.mask.data), formats=["PNG"]) as mask:
        fitted_mask = ImageOps.fit(mask.convert("RGBA"), size, Image.Resampling.BILINEAR)
    return replace(
        spec,
        inputs=(_as_input(picture, first.param), *spec.inputs[1:]),
        mask=_as_input(fitted_mask, spec.mask.param),
    )


def _as_input(picture: Image.Image, param: str) -> InputImage:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    alpha = picture.mode == "RGBA"
    return InputImage(buffer.getvalue(), "png", picture.width, picture.height, alpha, param)


def has_transparent_pixels(source: InputImage) -> bool:
    """Whether the picture has any pixel that is not fully opaque (looked at in preview)."""
    if not source.has_alpha:
        return False
    low, _ = preview(source).convert("RGBA").getchannel("A").getextrema()
    return low < 255


def editable_area(mask: InputImage) -> Image.Image:
    """An "L" picture of the mask: 255 where the picture may change (transparent in the
    mask), 0 where it must stay, and partial values in between."""
    with Image.open(io.BytesIO(mask.data), formats=["PNG"]) as image:
        alpha = image.convert("RGBA").getchannel("A")
    return ImageOps.invert(alpha)


def _has_alpha_channel(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


@contextlib.contextmanager
def _decoding(param: str) -> Iterator[None]:
    """Turns whatever Pillow raises on a client's file into a 400 naming `param`.

    Decoding untrusted bytes can fail in many ways deep inside Pillow's plugins; each is
    the client's bad file, never a server error.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except InvalidRequest:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidRequest(
            f"'{param}' has too many pixels to decode safely.", param=param
        ) from None
    except Exception:
        raise InvalidRequest(
            f"'{param}' is not a readable png, jpeg or webp image.", param=param
        ) from None


def _too_large(param: str, max_bytes: int) -> InvalidRequest:
    return InvalidRequest(f"'{param}' is larger than {max_bytes} bytes.", param=param)
