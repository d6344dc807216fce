"""Test helpers for Content Credentials: strip a C2PA manifest, read one back."""

from __future__ import annotations

import base64
import struct


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
