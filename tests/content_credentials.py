"""Test helpers for Content Credentials: strip a C2PA manifest, read one back."""

from __future__ import annotations

import base64
import struct
import zlib


def without_manifest(data: bytes) -> bytes:
    """The file with its C2PA manifest store removed: png caBX chunks, jpeg APP11 segments,
    webp C2PA chunks. What is left is the file as pixmill encoded it, before signing."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        out, i = bytearray(data[:8]), 8
        while i < len(data):
            (length,) = struct.unpack(">I", data[i : i + 4])
            if data[i + 4 : i + 8] != b"caBX":
                out += data[i : i + 12 + length]
            i += 12 + length
        return bytes(out)
    if data.startswith(b"\xff\xd8"):
        out, i = bytearray(data[:2]), 2
        while i < len(data):
            marker = data[i + 1]
            if marker == 0xDA:  # start of scan: the rest is image data
                return bytes(out + data[i:])
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if marker != 0xEB:
                out += data[i : i + 2 + length]
            i += 2 + length
        return bytes(out)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        body, i = bytearray(), 12
        while i < len(data):
            (length,) = struct.unpack("<I", data[i + 4 : i + 8])
            end = i + 8 + length + (length & 1)
            if data[i : i + 4] != b"C2PA":
                body += data[i:end]
            i = end
        return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + bytes(body)
    return data


def unsigned_b64(b64: str) -> bytes:
    """A b64_json image's bytes with the manifest stripped."""
    return without_manifest(base64.b64decode(b64))


def read_back(data: bytes, media_type: str, anchor: bytes) -> tuple[str, dict, dict]:
    """c2pa-python's Reader on a file, trusting `anchor` (PEM): (validation state, the
    active manifest, the whole store with every manifest by label)."""
    import io
    import json

    import c2pa

    context = c2pa.Context.from_dict({"trust": {"user_anchors": anchor.decode()}})
    with c2pa.Reader(media_type, io.BytesIO(data), context=context) as reader:
        state = reader.get_validation_state()
        return state, reader.get_active_manifest(), json.loads(reader.json())


def actions(manifest: dict) -> list[dict]:
    """The actions of a manifest's actions assertion(s), in order."""
    return [
        action
        for assertion in manifest["assertions"]
        if assertion["label"].startswith("c2pa.actions")
        for action in assertion["data"]["actions"]
    ]


def ingredient_titles(manifest: dict, action: dict) -> list[str]:
    """The titles of the ingredients an action names (by hashed URI to their assertion)."""
    titles = {ingredient["label"]: ingredient["title"] for ingredient in manifest["ingredients"]}
    return [
        titles[reference["url"].rsplit("/", 1)[-1]]
        for reference in action.get("parameters", {}).get("ingredients", [])
    ]


def xmp_source_type(data: bytes) -> str | None:
    """The XMP's Iptc4xmpExt:DigitalSourceType, read with Pillow."""
    import io
    import xml.etree.ElementTree as ET

    from PIL import Image

    xmp = Image.open(io.BytesIO(data)).info["xmp"]
    packet = ET.fromstring(xmp.decode() if isinstance(xmp, bytes) else xmp)
    attribute = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}DigitalSourceType"
    values = [node.get(attribute) for node in packet.iter() if node.get(attribute)]
    assert len(values) == 1, values
    return values[0]


def with_garbage_manifest(png: bytes) -> bytes:
    """The png with a `caBX` chunk (where C2PA keeps its store) of bytes that are no JUMBF:
    Pillow still decodes it (it skips the chunk); c2pa cannot parse it."""
    payload = b"jumb" + bytes(range(200))
    chunk = struct.pack(">I", len(payload)) + b"caBX" + payload
    chunk += struct.pack(">I", zlib.crc32(b"caBX" + payload))
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]
