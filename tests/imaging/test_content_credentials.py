"""Content Credentials on encoded files: signed, readable by c2pa's Reader, deterministic."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import c2pa
import numpy as np
import pytest
from PIL import Image

from pixmill.imaging.c2pa_signing import (
    LOCAL_DIR,
    ContentCredentials,
    SoftwareAgent,
    ensure_local_authority,
    has_manifest,
    verify,
)
from pixmill.imaging.encode import MEDIA_TYPES, encode
from pixmill.imaging.provenance import TRAINED_ALGORITHMIC_MEDIA, svg_with_provenance
from pixmill.settings import Settings
from tests.content_credentials import without_manifest

FORMATS = ["png", "jpeg", "webp"]
AGENT = SoftwareAgent(engine="design", model="gpt-image-1")
IPTC = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}DigitalSourceType"


def picture() -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 255, (96, 128, 4), dtype=np.uint8), "RGBA")


def actions(manifest: dict) -> list[dict]:
    [assertion] = [a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions")]
    return assertion["data"]["actions"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_raster_is_signed_and_reads_back_trusted(fmt, credentials, authority):
    data = encode(picture(), fmt, compression=80, credentials=credentials, agent=AGENT)
    with c2pa.Reader(
        MEDIA_TYPES[fmt],
        io.BytesIO(data),
        context=c2pa.Context.from_dict({"trust": {"user_anchors": authority.ca_cert.read_text()}}),
    ) as reader:
        assert reader.get_validation_state() == "Trusted"
        manifest = reader.get_active_manifest()
    [created] = actions(manifest)
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert created["softwareAgent"]["name"] == "pixmill"
    assert (created["softwareAgent"]["engine"], created["softwareAgent"]["model"]) == (
        "design",
        "gpt-image-1",
    )
    assert "thumbnail" not in manifest  # no second encode per image


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_xmp_names_the_digital_source_type(fmt, credentials):
    data = encode(picture(), fmt, credentials=credentials, agent=AGENT)
    xmp = Image.open(io.BytesIO(data)).info["xmp"]
    packet = ET.fromstring(xmp.decode() if isinstance(xmp, bytes) else xmp)
    values = [node.get(IPTC) for node in packet.iter() if node.get(IPTC)]
    assert values == [TRAINED_ALGORITHMIC_MEDIA]


@pytest.mark.parametrize("fmt", FORMATS)
def test_apart_from_the_manifest_the_bytes_are_what_was_encoded(fmt, credentials):
    unsigned = encode(picture(), fmt, compression=80)
    first = encode(picture(), fmt, compression=80, credentials=credentials, agent=AGENT)
    again = encode(picture(), fmt, compression=80, credentials=credentials, agent=AGENT)
    assert first != again  # each signature is new...
    assert without_manifest(first) == without_manifest(again) == unsigned  # ...nothing else
    assert not has_manifest(unsigned, MEDIA_TYPES[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_changed_pixel_breaks_the_hash(fmt, credentials, authority):
    data = bytearray(encode(picture(), fmt, credentials=credentials, agent=AGENT))
    data[-40] ^= 0xFF  # inside the image data, not the manifest
    result = verify(bytes(data), MEDIA_TYPES[fmt], [authority.ca_cert.read_bytes()])
    assert result is not None
    assert not result.intact
    assert result.failures


def test_without_the_anchor_it_is_valid_but_not_trusted(credentials):
    data = encode(picture(), "png", credentials=credentials, agent=AGENT)
    result = verify(data, "image/png", [])
    assert result is not None and result.state == "Valid" and result.intact


def test_the_local_authority_is_made_once_with_a_proper_profile(authority):
    from cryptography import x509

    before = authority.signer_cert.read_bytes()
    assert ensure_local_authority(authority.folder).signer_cert.read_bytes() == before
    signer, ca = x509.load_pem_x509_certificates(before)
    assert signer.issuer == ca.subject
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert oct(authority.signer_key.stat().st_mode & 0o777) == "0o600"


def test_settings_choose_the_operator_certificate_or_none(tmp_path, authority):
    operator = Settings(
        _env_file=None,
        data_dir=tmp_path,
        c2pa_certificate=authority.signer_cert,
        c2pa_private_key=authority.signer_key,
    )
    assert ContentCredentials.from_settings(operator) is not None
    assert not (tmp_path / LOCAL_DIR).exists()  # no local CA when the operator gives one
    off = Settings(_env_file=None, data_dir=tmp_path, content_credentials=False)
    assert ContentCredentials.from_settings(off) is None
    half = Settings(_env_file=None, data_dir=tmp_path, c2pa_certificate=authority.signer_cert)
    with pytest.raises(ValueError, match="C2PA_PRIVATE_KEY"):
        ContentCredentials.from_settings(half)


def test_svg_metadata_says_the_same():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4"><rect/></svg>'
    root = ET.fromstring(svg_with_provenance(svg))
    metadata = root.find("{http://www.w3.org/2000/svg}metadata")
    assert metadata is not None
    assert [n.get(IPTC) for n in metadata.iter() if n.get(IPTC)] == [TRAINED_ALGORITHMIC_MEDIA]
    assert ET.fromstring(svg_with_provenance(b'<svg xmlns="http://www.w3.org/2000/svg"/>'))


def test_a_key_that_is_not_the_certificates_is_refused_at_start(tmp_path, authority):
    ca_only = Settings(
        _env_file=None,
        data_dir=tmp_path,
        c2pa_certificate=authority.ca_cert,  # the CA's certificate, with the signer's key
        c2pa_private_key=authority.signer_key,
    )
    with pytest.raises(ValueError, match="does not belong"):
        ContentCredentials.from_settings(ca_only)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ValueError, match="not PEM"):
        ContentCredentials(junk.read_bytes(), authority.signer_key.read_bytes())
