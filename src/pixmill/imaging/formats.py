"""Output formats and their media types: shared by the encoder and by engines that hand
back bytes already encoded (gateway mode), which must not import the encoder."""

from __future__ import annotations

MEDIA_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
