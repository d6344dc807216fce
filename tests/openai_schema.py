"""OpenAI's published schemas (tests/data/openai-image-schemas.json) as strict validators.

Strict: an object may hold only the properties the spec names, and pixmill's documented
extensions (docs/compatibility.md) are the only values allowed beyond the spec's enums.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "data" / "openai-image-schemas.json"

# pixmill's documented extensions, by schema: extra properties, and wider values.
_EXTRA_PROPERTIES: dict[str, dict[str, Any]] = {
    "Model": {
        "engine": {"type": "string"},
        "alias_for": {"type": "string"},
        "capabilities": {
            "type": "object",
            "properties": {"edit": {"type": "boolean"}, "variation": {"type": "boolean"}},
            "required": ["edit", "variation"],
            "additionalProperties": False,
        },
    },
}
_WIDER_VALUES: dict[tuple[str, str], dict[str, Any]] = {
    # Any WxH an engine makes (docs: Sizes); pixmill's two higher qualities; SVG.
    ("ImagesResponse", "size"): {"type": "string", "pattern": "^[0-9]{3,4}x[0-9]{3,4}$"},
    ("ImagesResponse", "quality"): {"enum": ["low", "medium", "high", "xhigh", "max"]},
    ("ImagesResponse", "output_format"): {"enum": ["png", "webp", "jpeg", "svg"]},
}
_STRICT = (
    "ImagesResponse",
    "Image",
    "ImageGenUsage",
    "Model",
    "ListModelsResponse",
    "Error",
    "ImageGenPartialImageEvent",
    "ImageGenCompletedEvent",
    "ImageEditPartialImageEvent",
    "ImageEditCompletedEvent",
)


@cache
def _document() -> dict[str, Any]:
    document = json.loads(SCHEMAS.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    for name in _STRICT:
        schema = schemas[name]
        schema["properties"].update(_EXTRA_PROPERTIES.get(name, {}))
        schema["additionalProperties"] = False
    for (name, prop), wider in _WIDER_VALUES.items():
        schemas[name]["properties"][prop] = wider
    return document


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator of the named component schema, refs resolved within the document."""
    uri = "urn:openai-openapi"
    registry = Registry().with_resource(uri, Resource.opaque(_document()))
    return Draft202012Validator({"$ref": f"{uri}#/components/schemas/{name}"}, registry=registry)


def check(name: str, body: Any) -> None:
    """Raise jsonschema's ValidationError where `body` breaks the named schema."""
    validator(name).validate(body)


def nullable_fields(name: str = "CreateImageRequest") -> list[str]:
    """The properties the spec lets be null: `nullable: true`, or a `{"type": "null"}` choice
    (directly or through a $ref)."""
    schemas = _document()["components"]["schemas"]

    def nullable(prop: dict[str, Any]) -> bool:
        if "$ref" in prop:
            return nullable(schemas[prop["$ref"].rsplit("/", 1)[-1]])
        choices = prop.get("anyOf", [])
        return prop.get("nullable") is True or any(c.get("type") == "null" for c in choices)

    return sorted(key for key, prop in schemas[name]["properties"].items() if nullable(prop))
