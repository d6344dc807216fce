import pytest

from pixmill.errors import InvalidRequest
from pixmill.request import (
    NULLABLE_FIELDS,
    auto_background,
    auto_size,
    check_size_step,
    parse_request,
    resolve,
)
from tests.openai_schema import nullable_fields


def test_defaults_resolve_to_concrete_values():
    spec = resolve(parse_request({"prompt": "a red apple"}))
    assert (spec.width, spec.height) == (1024, 1024)
    assert spec.quality == "medium"
    assert spec.background == "opaque"
    assert spec.output_format == "png"
    assert spec.output_compression == 100
    assert 0 <= spec.seed < 2**32
    assert spec.n == 1


@pytest.mark.parametrize(
    ("prompt", "size"),
    [
        ("A magazine cover for 'Urban Pulse'", (1024, 1536)),
        ("a concert poster", (1024, 1536)),
        ("a web banner for a bakery", (1536, 1024)),
        ("a mountain landscape at dawn", (1536, 1024)),
        ("a cat on a sofa", (1024, 1024)),
    ],
)
def test_auto_size_follows_the_prompt(prompt, size):
    assert auto_size(prompt) == size


@pytest.mark.parametrize(
    ("prompt", "background"),
    [
        ("a sticker of a fox", "transparent"),
        ("a logo for a coffee shop", "transparent"),
        ("a rocket on a transparent background", "transparent"),
        ("a fox in the woods", "opaque"),
        ('a name badge for a conference "Maria Lopez"', "opaque"),
        ("an app icon for a weather app", "opaque"),
        ("a poster with the logo on the left", "opaque"),
        ("an esports logo with a wolf", "transparent"),
    ],
)
def test_auto_background_follows_the_prompt(prompt, background):
    assert auto_background(prompt) == background


def test_auto_background_is_opaque_for_jpeg():
    spec = resolve(parse_request({"prompt": "a sticker", "output_format": "jpeg"}))
    assert spec.background == "opaque"


def test_explicit_values_are_kept():
    request = parse_request(
        {
            "prompt": "x",
            "size": "512x768",
            "quality": "xhigh",
            "background": "transparent",
            "output_format": "webp",
            "output_compression": 40,
            "seed": 7,
            "n": 3,
            "user": "u1",
            "safety_identifier": "s1",
        }
    )
    spec = resolve(request)
    assert (spec.width, spec.height, spec.quality, spec.background) == (
        512,
        768,
        "xhigh",
        "transparent",
    )
    assert (spec.seed, spec.n, spec.output_compression) == (7, 3, 40)
    assert spec.user == "s1"  # safety_identifier wins over user
    assert [spec.image_seed(i) for i in range(3)] == [7, 8, 9]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": "x" * 32_001}, "prompt"),
        ({"prompt": "x", "n": 0}, "n"),
        ({"prompt": "x", "n": 11}, "n"),
        ({"prompt": "x", "n": "2"}, "n"),
        ({"prompt": "x", "n": True}, "n"),
        ({"prompt": "x", "size": "4096x1024"}, "size"),
        ({"prompt": "x", "size": "1080x1080 "}, "size"),
        ({"prompt": "x", "size": "1080x1080\n"}, "size"),
        ({"prompt": "x", "size": "１０８０x1080"}, "size"),
        ({"prompt": "x", "size": "1080X1080"}, "size"),
        ({"prompt": "x", "size": "+1080x1080"}, "size"),
        ({"prompt": "x", "size": "240x240"}, "size"),
        ({"prompt": "x", "size": "big"}, "size"),
        ({"prompt": "x", "quality": "ultra"}, "quality"),
        ({"prompt": "x", "background": "green"}, "background"),
        ({"prompt": "x", "moderation": "off"}, "moderation"),
        ({"prompt": "x", "output_format": "gif"}, "output_format"),
        ({"prompt": "x", "output_compression": -1}, "output_compression"),
        ({"prompt": "x", "output_compression": 101}, "output_compression"),
        ({"prompt": "x", "seed": -1}, "seed"),
        ({"prompt": "x", "background": "transparent", "output_format": "jpeg"}, "background"),
        ({"prompt": "x", "stream": "yes"}, "stream"),
        ({"prompt": 5}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"prompt": "x", "style": "dramatic"}, "style"),
    ],
)
def test_bad_values_name_the_parameter(body, param):
    with pytest.raises(InvalidRequest) as caught:
        parse_request(body)
    assert caught.value.param == param
    assert param in caught.value.message
    assert caught.value.status == 400


def test_a_prompt_of_exactly_the_limit_is_fine():
    assert len(parse_request({"prompt": "x" * 32_000}).prompt) == 32_000


def test_custom_sizes_at_the_bounds_are_accepted():
    assert resolve(parse_request({"prompt": "x", "size": "256x3840"})).size == "256x3840"


NULLABLE = nullable_fields()


def test_every_field_the_spec_lets_be_null_is_taken_as_not_given():
    assert len(NULLABLE) >= 12
    assert set(NULLABLE) <= NULLABLE_FIELDS


@pytest.mark.parametrize("name", NULLABLE)
def test_null_means_not_given(name):
    assert parse_request({"prompt": "x", name: None}) == parse_request({"prompt": "x"})


def test_every_nullable_field_null_at_once():
    request = parse_request({"prompt": "x", **dict.fromkeys(NULLABLE)})
    spec = resolve(request)
    assert (request.model, spec.n, spec.output_format, spec.style) == (
        "gpt-image-1",
        1,
        "png",
        None,
    )


@pytest.mark.parametrize(("asked", "concrete"), [("standard", "medium"), ("hd", "high")])
def test_dalle_qualities_resolve_to_concrete_ones(asked, concrete):
    spec = resolve(parse_request({"prompt": "x", "quality": asked}))
    assert spec.quality == concrete


@pytest.mark.parametrize("style", ["vivid", "natural"])
def test_style_reaches_the_spec(style):
    assert resolve(parse_request({"prompt": "x", "style": style})).style == style


@pytest.mark.parametrize("size", ["1080x1080", "1080x1920", "1584x396", "257x3839"])
def test_any_whole_pixel_size_in_the_limits_is_parsed_exactly(size):
    assert resolve(parse_request({"prompt": "x", "size": size})).size == size


def test_the_size_step_refusal_names_a_size_that_would_do():
    with pytest.raises(InvalidRequest) as caught:
        check_size_step(1080, 1920, "m")
    assert caught.value.param == "size"
    assert "'1088x1920'" in caught.value.message
    check_size_step(1088, 1920, "m")


def test_resolve_keeps_the_asked_name_in_the_request_and_the_resolved_one_in_the_spec():
    request = parse_request({"prompt": "x", "model": "dall-e-3"})
    spec = resolve(request, model="gpt-image-1")
    assert (request.model, spec.model) == ("dall-e-3", "gpt-image-1")
