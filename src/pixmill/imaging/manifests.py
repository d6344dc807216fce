"""What a picture's C2PA manifest says: its actions, its ingredients, its source type.

A generation is new content: `c2pa.created`, digital source type
`trainedAlgorithmicMedia`. An edit is a given picture changed by a trained model, which
the C2PA specification (2.2, sections 18.14.2 and 18.15.3) records as:

    ingredient                      relationship   action that names it
    the first image (the edited)    parentOf       c2pa.opened  (first, as the spec requires)
    each further image              componentOf    c2pa.placed
    the mask                        inputTo        c2pa.edited
    the model's change                             c2pa.edited, digital source type
                                                   compositeWithTrainedAlgorithmicMedia

`c2pa.created` cannot describe an edit: a manifest holds one `c2pa.created` or one
`c2pa.opened`, and a `parentOf` ingredient requires `c2pa.opened` first. The C2PA
guidance records an AI inpainting as `c2pa.edited` with the composite source type; see
docs/compatibility.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pixmill import __version__
from pixmill.imaging.formats import MEDIA_TYPES
from pixmill.imaging.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
)

if TYPE_CHECKING:
    from pixmill.request import RenderSpec

Relationship = Literal["parentOf", "componentOf", "inputTo"]


@dataclass(frozen=True)
class SoftwareAgent:
    """Who made the picture: pixmill, with the engine and model that drew it."""

    engine: str
    model: str

    def as_c2pa(self) -> dict[str, str]:
        return {
            "name": "pixmill",
            "version": __version__,
            "engine": self.engine,
            "model": self.model,
        }


@dataclass(frozen=True)
class Ingredient:
    """A picture the signed one was made from. Added from its bytes, so a picture that
    carries Content Credentials of its own keeps them inside ours."""

    data: bytes = field(repr=False)
    media_type: str
    title: str
    """The request parameter it came from ("image", "image[1]", "mask"): never a file
    name, which is the caller's string."""
    relationship: Relationship
    composited: bool = False
    """The picture is a composite made with this ingredient (a composed design's art):
    its source type is then compositeWithTrainedAlgorithmicMedia."""


def edit_ingredients(spec: RenderSpec) -> tuple[Ingredient, ...]:
    """An edit's images as ingredients (see the module); none for a generation."""
    if not spec.is_edit:
        return ()
    first, *others = spec.inputs
    ingredients = [Ingredient(first.data, MEDIA_TYPES[first.format], first.param, "parentOf")]
    ingredients += [
        Ingredient(image.data, MEDIA_TYPES[image.format], image.param, "componentOf")
        for image in others
    ]
    if spec.mask is not None:
        mask = spec.mask
        ingredients.append(Ingredient(mask.data, MEDIA_TYPES[mask.format], mask.param, "inputTo"))
    return tuple(ingredients)


def is_edit(ingredients: Sequence[Ingredient]) -> bool:
    return any(ingredient.relationship == "parentOf" for ingredient in ingredients)


def digital_source_type(ingredients: Sequence[Ingredient]) -> str:
    """IPTC's term for the picture: composite for an edit or a composed design, trained
    media otherwise."""
    if is_edit(ingredients) or any(ingredient.composited for ingredient in ingredients):
        return COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    return TRAINED_ALGORITHMIC_MEDIA


def ingredient_label(index: int) -> str:
    """The builder's label pairing the index-th ingredient with the actions naming it."""
    return f"ingredient-{index}"


def manifest_definition(
    media_type: str, agent: SoftwareAgent, ingredients: Sequence[Ingredient] = ()
) -> dict[str, Any]:
    """The manifest c2pa's Builder signs; ingredients are added to it by index."""
    labels: dict[Relationship, list[str]] = {"parentOf": [], "componentOf": [], "inputTo": []}
    for index, ingredient in enumerate(ingredients):
        labels[ingredient.relationship].append(ingredient_label(index))
    if len(labels["parentOf"]) > 1:
        raise ValueError("a manifest has at most one parentOf ingredient")
    change: dict[str, Any] = {
        "digitalSourceType": digital_source_type(ingredients),
        "softwareAgent": agent.as_c2pa(),
    }
    if labels["inputTo"]:
        change["parameters"] = {"ingredientIds": labels["inputTo"]}
    placed = []
    if labels["componentOf"]:
        placed = [{"action": "c2pa.placed", "parameters": {"ingredientIds": labels["componentOf"]}}]
    if labels["parentOf"]:
        opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": labels["parentOf"]}}
        edited = {
            "action": "c2pa.edited",
            "description": "Changed by a trained model from a prompt"
            + (", within the mask" if labels["inputTo"] else ""),
            **change,
        }
        actions = [opened, *placed, edited]
    else:
        actions = [{"action": "c2pa.created", **change}, *placed]
    return {
        "claim_generator_info": [{"name": "pixmill", "version": __version__}],
        "format": media_type,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }
