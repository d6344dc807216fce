"""Composed design models (issue 25), in process: the art prompt, the `art` option's
checks at start-up, the art's size, prices, and the layout over a known picture."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pixmill.accounts.pricing import PriceTable
from pixmill.catalog import ModelCatalog
from pixmill.engines.design import DesignEngine, brief, edits, saliency
from pixmill.engines.design.art import ArtModel, ComposedEngine
from pixmill.engines.design.art_layout import lay_out, subject_of
from pixmill.engines.design.art_prompt import NO_LETTERING, art_prompt
from pixmill.engines.design.contrast import luminance_map
from pixmill.errors import ModerationBlocked
from pixmill.moderation import ImageModerator, PromptModerator
from pixmill.request import RenderSpec
from pixmill.settings import ModelConfig


@pytest.mark.parametrize(
    ("prompt", "kept", "left_out"),
    [
        (
            'A poster of a red fox in a snowy forest with the title "WINTER TALES" at the top',
            ["red fox", "snowy forest"],
            ["winter", "tales", "poster", "title", "top"],
        ),
        (
            'movie poster, an astronaut floating in space, retro style, title "LOST IN ORBIT", '
            'tagline "No one hears you"',
            ["astronaut floating in space", "retro style"],
            ["lost", "orbit", "hears", "tagline", "title", "poster"],
        ),
        (
            'a watercolor illustration of a cat sleeping on a windowsill, caption "Sunday" '
            "in the corner, warm cozy mood",
            ["watercolor", "cat sleeping on a windowsill", "warm cozy mood"],
            ["sunday", "caption", "corner"],
        ),
        (
            'jazz night flyer, moody blue tones, a saxophone player on stage, headline "Blue '
            'Note" and date "June 12"',
            ["moody blue tones", "saxophone player on stage"],
            ["note", "june", "12", "headline", "date", "flyer"],
        ),
    ],
)
def test_the_art_prompt_keeps_the_picture_and_leaves_out_text_and_layout(prompt, kept, left_out):
    written = art_prompt(prompt)
    assert written.endswith(NO_LETTERING)
    body = written.removesuffix(NO_LETTERING).lower()
    for phrase in kept:
        assert phrase in body, (phrase, written)
    words = set(body.replace(",", " ").split())
    for word in left_out:
        assert word not in words, (word, written)


def test_a_prompt_with_only_text_asks_for_a_background():
    written = art_prompt('a flyer "SALE 50% OFF"')
    assert "sale" not in written.lower() and written.endswith(NO_LETTERING)


def _catalog(models: dict[str, dict], aliases: dict[str, str] | None = None) -> ModelCatalog:
    table = {name: ModelConfig(**config) for name, config in models.items()}
    return ModelCatalog(table, aliases=aliases)


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ({"poster": {"engine": "design", "options": {"art": "sd"}}}, "'sd', which is not a"),
        ({"poster": {"engine": "design", "options": {"art": "poster"}}}, "the model itself"),
        (
            {
                "a": {"engine": "design", "options": {"art": "b"}},
                "b": {"engine": "design", "options": {"art": "c"}},
                "c": {"engine": "design", "options": {"art": "a"}},
            },
            "cycle (a -> b -> c -> a)",
        ),
        ({"poster": {"engine": "design", "options": {"art": 3}}}, "must name a configured model"),
    ],
)
def test_an_art_option_naming_no_usable_model_is_refused_at_start_up(models, message):
    with pytest.raises(ValueError, match="art") as refused:
        _catalog(models)
    assert message in str(refused.value)


def test_art_may_name_a_design_model_or_an_alias():
    catalog = _catalog(
        {
            "plain": {"engine": "design"},
            "poster": {"engine": "design", "options": {"art": "flat"}},
        },
        aliases={"flat": "plain"},
    )
    composed = catalog.get("poster").engine
    assert composed.art.name == "plain"
    assert composed.capabilities.edits  # the design engine edits, so the composed one does


def test_the_price_is_the_art_models_plus_the_layouts():
    prices = PriceTable(
        {"sd": {"*": {"*": "0.01"}}, "poster": {"*": {"*": "0.002"}}}, art={"poster": "sd"}
    )
    assert prices.per_image("poster", "low", 1024, 1536) == 12_000
    assert prices.listing("poster")["high"] == {"*": 12_000}
    both = PriceTable({"sd": {"*": {"*": "0.01"}}}, art={"poster": "sd"}).listing("poster")
    assert both["low"]["1024x1024"] == 10_000 + PriceTable().per_image("x", "low", 1024, 1024)
    chained = PriceTable({"*": {"*": {"*": "1"}}}, art={"a": "b", "b": "c"})
    assert chained.per_image("a", "medium", 512, 512) == 3_000_000


def known_picture(width: int, height: int) -> Image.Image:
    """A calm sky over a busy, salient subject in the lower half."""
    sky = np.linspace([40, 90, 170], [150, 190, 230], height, dtype=np.float32)
    image = Image.fromarray(np.repeat(sky[:, None, :], width, axis=1).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(1)
    for _ in range(400):
        x, y = rng.integers(0, width), rng.integers(height // 2, height)
        r = int(rng.integers(4, 30))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    cx, cy = width // 2, height * 3 // 4
    draw.ellipse((cx - 120, cy - 120, cx + 120, cy + 120), fill=(230, 60, 30))
    return image


def test_the_text_goes_where_the_picture_is_quiet_and_reads():
    art = known_picture(768, 768)
    saliency = np.zeros((320, 320), np.float32)
    saliency[200:300, 110:210] = 1.0  # the disc
    prompt = 'a poster of a red sun, title "QUIET SKY", tagline "Tonight only"'
    laid = lay_out(art, saliency, brief.parse(prompt), 768, 768, 0)
    assert laid.zone == "top"
    out = np.asarray(laid.image.convert("RGB"))
    # the busy half below is the art's own, untouched
    assert np.array_equal(out[560:], np.asarray(art)[560:])
    # the text is light or dark enough against the sky around it: ink pixels exist at
    # both extremes of the band only where the text is
    band = luminance_map(out[: 768 // 3])
    assert band.max() - band.min() > 0.6


def _over_design() -> ComposedEngine:
    """A composed model whose art model is the design engine itself (no weights)."""
    return ComposedEngine(ArtModel("design", "design", DesignEngine()))


def _spec(prompt: str) -> RenderSpec:
    return RenderSpec(
        prompt=prompt, model="poster", n=1, width=512, height=512, quality="low",
        background="opaque", output_format="png", output_compression=100, seed=3,
    )  # fmt: skip


def test_the_art_prompt_is_moderated():
    composed = _over_design()
    # An operator's rule that only the art prompt can match: it always asks for no lettering.
    rules = {"rules": [{"id": "x", "category": "hate", "weight": 3, "terms": ["no lettering"]}]}
    prompts = PromptModerator(extra_rules=rules)
    composed.bind_moderation(prompts, ImageModerator())
    prompt = 'a poster of a lighthouse, title "NORTH LIGHT"'
    assert not prompts.check(prompt).blocked
    with pytest.raises(ModerationBlocked) as blocked:
        composed.generate(_spec(prompt))
    assert blocked.value.stage == "input" and "art model" in str(blocked.value)


def test_the_art_is_moderated_before_the_layout():
    composed = _over_design()
    composed.bind_moderation(PromptModerator(), ImageModerator(0.0, 0.0))  # blocks any image
    with pytest.raises(ModerationBlocked) as blocked:
        composed.generate(_spec('a poster of a lighthouse, title "NORTH LIGHT"'))
    assert blocked.value.stage == "output" and "art model's picture" in str(blocked.value)


def test_a_design_model_as_art_gives_a_picture_with_its_text():
    [made] = _over_design().generate(_spec('a poster of a lighthouse, title "NORTH LIGHT"'))
    assert made.image.size == (512, 512)
    assert made.art is not None and made.art.model == "design" and made.art.drawn
    assert made.art_prompt == art_prompt('a poster of a lighthouse, title "NORTH LIGHT"')
    assert made.layout is not None and made.layout.startswith("art:")


def test_the_low_resolution_saliency_finds_the_subject_the_full_one_finds():
    picture = known_picture(640, 480)
    low = saliency.predict(picture)
    assert low.shape == (saliency.SIZE, saliency.SIZE)
    fast, full = subject_of(low), subject_of(edits.remover().load().predict(picture))
    assert np.allclose(fast.centre, full.centre, atol=0.08)
    assert fast.box[1] > 0.4 and full.box[1] > 0.4  # both below the calm sky
