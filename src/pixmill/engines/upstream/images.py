"""Pictures from an upstream's bytes: checked, opened lazily, kept encoded for delivery."""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

from pixmill.engines.base import GeneratedImage, UpstreamReport
from pixmill.engines.upstream.errors import malformed
from pixmill.request import RenderSpec

MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def decode_base64(text: object, provider: str) -> bytes:
    if not isinstance(text, str) or not text:
        raise malformed(provider, "an image is missing")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise malformed(provider, "an image is not valid base64") from exc


def partial_picture(text: object, provider: str) -> Image.Image:
    """A partial image from its base64: decoded now, as it goes to the client re-encoded."""
    data = decode_base64(text, provider)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise malformed(provider, "a partial image could not be read") from exc
    return image


def picture_from(
    data: bytes, spec: RenderSpec, report: UpstreamReport, provider: str
) -> GeneratedImage:
    """Check the bytes are a whole image of the asked size, without decoding its pixels.

    The image opens lazily: its pixels are decoded only if a later step needs them
    (conversion, background removal, moderation), so passing it through costs little.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # chunk structure and checksums: catches cut-off images cheaply
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise malformed(provider, "an image could not be read") from exc
    media_type = MEDIA_TYPES.get(image.format or "")
    if media_type is None:
        raise malformed(provider, f"an image is in an unexpected format ({image.format})")
    if image.size != (spec.width, spec.height):
        width, height = image.size
        raise malformed(provider, f"an image is {width}x{height}, not {spec.size}")
    return GeneratedImage(image=image, encoded=data, media_type=media_type, report=report)
