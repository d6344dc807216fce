import io
import json
import zlib

import numpy as np
import pytest
from PIL import Image

from pixmill.imaging.encode import encode


def _picture(alpha: bool = False) -> Image.Image:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (64, 96, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    if alpha:
        pixels[:16, :, 3] = 0
        pixels[16:20, :, 3] = 128
    return Image.fromarray(pixels, "RGBA")


def test_png_is_lossless_and_carries_provenance():
    picture = _picture()
    data = encode(picture, "png", compression=10, provenance={"model": "design", "seed": 3})
    decoded = Image.open(io.BytesIO(data))
    assert decoded.format == "PNG"
    assert np.array_equal(np.asarray(decoded.convert("RGBA")), np.asarray(picture))
    assert json.loads(decoded.text["Description"]) == {"model": "design", "seed": 3}
    assert decoded.text["Software"].startswith("pixmill")


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_alpha_is_kept_where_the_format_has_it(fmt):
    decoded = Image.open(io.BytesIO(encode(_picture(alpha=True), fmt)))
    alpha = np.asarray(decoded.convert("RGBA"))[..., 3]
    assert decoded.mode == "RGBA"
    assert alpha[:16].max() == 0
    assert alpha[30:].min() == 255


def test_opaque_pictures_are_stored_without_alpha():
    assert Image.open(io.BytesIO(encode(_picture(), "png"))).mode == "RGB"


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_compression_sets_the_lossy_quality(fmt):
    picture = _picture()
    small = encode(picture, fmt, compression=10)
    large = encode(picture, fmt, compression=95)
    assert len(small) < len(large)
    assert Image.open(io.BytesIO(small)).format == fmt.upper()


def test_encoding_is_deterministic():
    picture = _picture(alpha=True)
    for fmt in ("png", "jpeg", "webp"):
        assert encode(picture, fmt, provenance={"seed": 1}) == encode(
            picture, fmt, provenance={"seed": 1}
        )


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each chunk, in file order."""
    chunks, at = [], 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        chunks.append((png[at + 4 : at + 8], png[at + 8 : at + 8 + length]))
        at += 12 + length
    return chunks


@pytest.mark.parametrize("alpha", [False, True])
def test_png_is_deterministic_with_its_text_chunks_before_the_pixels(alpha):
    picture = _picture(alpha=alpha)
    provenance = {"model": "design", "credits": ["Zoë Ørsted, 東京"]}
    data = encode(picture, "png", provenance=provenance)
    assert data == encode(picture, "png", provenance=provenance)
    chunks = _chunks(data)
    assert [kind for kind, _ in chunks[:4]] == [b"IHDR", b"tEXt", b"iTXt", b"iTXt"]
    # iTXt, so UTF-8 text is kept as it is; XMP in PNG must be iTXt
    assert chunks[2][1].startswith(b"Description\0")
    assert chunks[3][1].startswith(b"XML:com.adobe.xmp\0")
    assert chunks[-1][0] == b"IEND" and b"IDAT" in {kind for kind, _ in chunks}
    decoded = Image.open(io.BytesIO(data))
    assert json.loads(decoded.text["Description"]) == provenance
    assert decoded.text["XML:com.adobe.xmp"].startswith("<?xpacket")
    assert np.array_equal(np.asarray(decoded.convert("RGBA")), np.asarray(picture))


def _row_filters(png: bytes, width: int, bands: int) -> set[int]:
    pixels = zlib.decompress(b"".join(data for kind, data in _chunks(png) if kind == b"IDAT"))
    stride = 1 + width * bands
    return {pixels[row] for row in range(0, len(pixels), stride)}


def test_drawn_pictures_go_unfiltered_and_others_keep_adaptive_filters():
    ramp = np.linspace(0, 255, 96, dtype=np.uint8)
    smooth = Image.fromarray(np.stack([np.tile(ramp, (64, 1))] * 3, axis=-1), "RGB")
    assert _row_filters(encode(smooth, "png", drawn=True), 96, 3) == {0}
    assert _row_filters(encode(smooth, "png"), 96, 3) != {0}
