"""What an edit's manifest says: its ingredients, their relationships and the actions
naming them, signed and read back with c2pa-python's Reader."""

from __future__ import annotations

import pytest

from pixmill.imaging.encode import MEDIA_TYPES, encode
from pixmill.imaging.inputs import InputLimits, decode_image, decode_mask
from pixmill.imaging.manifests import (
    Ingredient,
    SoftwareAgent,
    edit_ingredients,
    manifest_definition,
)
from pixmill.imaging.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
)
from pixmill.request import EditRequest, parse_request, resolve
from tests.content_credentials import (
    actions,
    ingredient_titles,
    read_back,
    with_garbage_manifest,
    xmp_source_type,
)
from tests.imaging.samples import encoded, mask, picture

AGENT = SoftwareAgent(engine="design", model="gpt-image-1")
LIMITS = InputLimits()


def edit_spec(*images: bytes, with_mask: bool = False):
    def param(index: int) -> str:
        return "image" if len(images) == 1 else f"image[{index}]"

    inputs = tuple(decode_image(d, param=param(i), limits=LIMITS) for i, d in enumerate(images))
    checked = decode_mask(mask(), limits=LIMITS, first=inputs[0]) if with_mask else None
    return resolve(EditRequest(prompt="a poster", inputs=inputs, mask=checked))


def test_an_edits_images_become_its_ingredients():
    spec = edit_spec(encoded("png"), encoded("jpeg", (30, 30)), encoded("webp"), with_mask=True)
    found = [(i.title, i.relationship, i.media_type) for i in edit_ingredients(spec)]
    assert found == [
        ("image[0]", "parentOf", "image/png"),
        ("image[1]", "componentOf", "image/jpeg"),
        ("image[2]", "componentOf", "image/webp"),
        ("mask", "inputTo", "image/png"),
    ]
    assert edit_ingredients(resolve(parse_request({"prompt": "a kite"}))) == ()


def test_a_generation_is_created_and_an_edit_opened():
    created = actions(manifest_definition("image/png", AGENT))
    assert [(a["action"], a["digitalSourceType"]) for a in created] == [
        ("c2pa.created", TRAINED_ALGORITHMIC_MEDIA)
    ]
    parent = Ingredient(b"", "image/png", "image", "parentOf")
    edited = actions(manifest_definition("image/png", AGENT, [parent]))
    assert [a["action"] for a in edited] == ["c2pa.opened", "c2pa.edited"]
    assert edited[1]["digitalSourceType"] == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    with pytest.raises(ValueError, match="one parentOf"):
        manifest_definition("image/png", AGENT, [parent, parent])


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_an_edit_is_signed_with_its_ingredients(fmt, credentials, authority):
    spec = edit_spec(encoded("jpeg"), encoded("webp"), with_mask=True)
    data = encode(
        picture(), fmt, credentials=credentials, agent=AGENT, ingredients=edit_ingredients(spec)
    )
    state, manifest, _ = read_back(data, MEDIA_TYPES[fmt], authority.ca_cert.read_bytes())
    assert state == "Trusted"
    steps = actions(manifest)
    assert [a["action"] for a in steps] == ["c2pa.opened", "c2pa.placed", "c2pa.edited"]
    assert [ingredient_titles(manifest, a) for a in steps] == [["image[0]"], ["image[1]"], ["mask"]]
    assert xmp_source_type(data) == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def test_an_unsigned_edit_still_says_composite_in_its_xmp():
    spec = edit_spec(encoded("png"))
    data = encode(picture(), "png", ingredients=edit_ingredients(spec))
    assert xmp_source_type(data) == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def test_an_ingredient_c2pa_cannot_parse_is_described_instead(credentials, authority):
    damaged = with_garbage_manifest(encoded("png"))
    ingredients = [
        Ingredient(encoded("png"), "image/png", "image[0]", "parentOf"),
        Ingredient(damaged, "image/png", "image[1]", "componentOf"),
        Ingredient(mask(), "image/png", "mask", "inputTo"),
    ]
    data = credentials.sign(encoded("png"), "image/png", AGENT, ingredients=ingredients)
    state, manifest, _ = read_back(data, "image/png", authority.ca_cert.read_bytes())
    assert state == "Trusted"
    by_title = {i["title"]: i for i in manifest["ingredients"]}
    assert set(by_title) == {"image[0]", "image[1]", "mask"}
    assert "could not be parsed" in by_title["image[1]"]["description"]
    assert "description" not in by_title["image[0]"]
    steps = actions(manifest)
    assert [ingredient_titles(manifest, a) for a in steps] == [["image[0]"], ["image[1]"], ["mask"]]
