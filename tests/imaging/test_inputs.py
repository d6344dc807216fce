"""Input images of an edit: formats, limits before decoding, masks, base64."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from pixmill.errors import InvalidRequest
from pixmill.imaging.inputs import (
    InputLimits,
    decode_base64,
    decode_image,
    decode_mask,
    editable_area,
    open_input,
)
from pixmill.settings import Settings
from tests.imaging.samples import encoded, mask, picture, png_claiming

LIMITS = InputLimits()


@pytest.mark.parametrize(
    ("fmt", "alpha", "options"),
    [
        ("png", False, {}),
        ("png", True, {}),
        ("jpeg", False, {"quality": 95}),
        ("webp", True, {"lossless": True}),
        ("webp", False, {"quality": 90}),
    ],
)
def test_each_format_decodes_to_its_own_pixels(fmt: str, alpha: bool, options: dict) -> None:
    data = encoded(fmt, (64, 48), alpha=alpha, **options)
    checked = decode_image(data, param="image", limits=LIMITS)
    assert (checked.format, checked.width, checked.height) == (fmt, 64, 48)
    assert checked.has_alpha is alpha
    assert checked.data == data
    pixels = np.asarray(open_input(checked).convert("RGB"), dtype=np.int16)
    expected = np.asarray(picture((64, 48)), dtype=np.int16)
    assert np.abs(pixels - expected).mean() < 3  # jpeg and lossy webp within their error
    assert tuple(pixels[18, 24]) == pytest.approx((255, 0, 0), abs=40)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"not an image at all", "unreadable"),
        (encoded("gif"), "gif is not accepted"),
        (encoded("bmp"), "bmp is not accepted"),
        (encoded("png")[:300], "truncated: the header reads, the pixels do not"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "svg is not a raster input"),
    ],
)
def test_unreadable_or_foreign_files_are_refused(data: bytes, why: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        decode_image(data, param="image[2]", limits=LIMITS)
    assert caught.value.param == "image[2]", why
    assert caught.value.status == 400


def test_byte_limit() -> None:
    data = encoded("png", (64, 48))
    with pytest.raises(InvalidRequest, match="larger than 100 bytes") as caught:
        decode_image(data, param="image", limits=InputLimits(max_bytes=100))
    assert caught.value.param == "image"
    with pytest.raises(InvalidRequest):
        decode_image(b"", param="image", limits=LIMITS)


def test_pixel_limits_are_checked_from_the_header_before_decoding() -> None:
    # 15000x5000 1-bit pixels in a few hundred bytes: refused before any decode.
    bomb = png_claiming(15_000, 5_000)
    assert len(bomb) < 1000
    with pytest.raises(InvalidRequest, match="15000x5000") as caught:
        decode_image(bomb, param="mask", limits=LIMITS)
    assert caught.value.param == "mask"
    small = InputLimits(max_pixels=1_000_000)
    with pytest.raises(InvalidRequest, match="1000000 pixels in all"):
        decode_image(png_claiming(1100, 1000), param="image", limits=small)


def test_pillow_bomb_guard_is_a_400_too() -> None:
    """Even with limits raised as far as the settings allow, Pillow's own guard answers."""
    loose = InputLimits(max_pixels=178_000_000, max_side=65_500)
    with pytest.raises(InvalidRequest, match="too many pixels") as caught:
        decode_image(png_claiming(13_000, 13_000), param="image", limits=loose)
    assert caught.value.param == "image"


def test_exif_orientation_gives_the_upright_size() -> None:
    image = picture((40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    checked = decode_image(buffer.getvalue(), param="image", limits=LIMITS)
    assert (checked.width, checked.height) == (20, 40)
    assert open_input(checked).size == (20, 40)


def test_mask_of_the_first_image() -> None:
    first = decode_image(encoded("jpeg", (64, 48)), param="image[0]", limits=LIMITS)
    checked = decode_mask(mask((64, 48), (8, 8, 24, 24)), limits=LIMITS, first=first)
    area = np.asarray(editable_area(checked))
    assert area.shape == (48, 64)
    assert area[10, 10] == 255  # transparent in the mask: may change
    assert area[40, 60] == 0  # opaque: must stay
    assert int((area == 255).sum()) == 16 * 16


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (mask((64, 48), mode="RGB"), "no alpha channel"),
        (mask((64, 48), mode="L"), "no alpha channel"),
        (mask((64, 48), mode="RGBA", fmt="webp"), "must be a PNG"),
        (mask((32, 48)), "is 32x48 but the image it applies to"),
        (b"garbage", "not a readable"),
    ],
)
def test_bad_masks(data: bytes, message: str) -> None:
    first = decode_image(encoded("png", (64, 48)), param="image", limits=LIMITS)
    with pytest.raises(InvalidRequest, match=message) as caught:
        decode_mask(data, limits=LIMITS, first=first)
    assert caught.value.param == "mask"


def test_base64_and_data_urls() -> None:
    data = encoded("png")
    text = base64.b64encode(data).decode()
    assert decode_base64(text, param="image_urls[0]", max_bytes=10**6) == data
    assert decode_base64(f"data:image/png;base64,{text}", param="p", max_bytes=10**6) == data
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert decode_base64(wrapped, param="p", max_bytes=10**6) == data
    # The declared media type is not trusted: this is still checked by decoding later.
    assert decode_base64(f"data:text/plain;base64,{text}", param="p", max_bytes=10**6) == data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data:image/png,not-base64", "must be a base64 data URL"),
        ("!!!!", "not valid base64"),
        ("", "empty"),
        ("A" * 2000, "larger than 1000 bytes"),
    ],
)
def test_bad_base64(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as caught:
        decode_base64(text, param="image_urls[3]", max_bytes=1000)
    assert caught.value.param == "image_urls[3]"


def test_limits_from_settings_and_the_edit_body_limit() -> None:
    settings = Settings(_env_file=None)
    limits = InputLimits.from_settings(settings)
    assert limits.max_bytes == 20 * 1024 * 1024
    # 16 images and a mask at the per-image limit, base64-encoded, fit the body limit...
    assert settings.edit_body_limit() >= 17 * len(base64.b64encode(b"\0" * limits.max_bytes))
    # ... which is separate from the generation limit.
    assert settings.max_body_bytes == 1_048_576
    assert Settings(_env_file=None, edit_max_image_bytes=50 * 1024 * 1024).edit_body_limit() > (
        settings.edit_body_limit()
    )
    with pytest.raises(ValueError):
        Settings(_env_file=None, edit_max_image_bytes=51 * 1024 * 1024)
