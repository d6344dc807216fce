"""ImageRequest (what a client asked for) and RenderSpec (what will be made).

Both dialects turn their wire bodies into one ImageRequest (an EditRequest when the
client sent images to edit); `resolve()` replaces every "auto" with a concrete value
and gives the RenderSpec that engines see.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from pixmill.errors import InvalidRequest, excerpt

Quality = Literal["auto", "low", "medium", "high", "xhigh", "max", "standard", "hd"]
ConcreteQuality = Literal["low", "medium", "high", "xhigh", "max"]
CONCRETE_QUALITIES: tuple[ConcreteQuality, ...] = get_args(ConcreteQuality)
DALLE_QUALITIES: dict[str, ConcreteQuality] = {"standard": "medium", "hd": "high"}
"""DALL·E's quality names, as the concrete qualities they resolve to."""
Style = Literal["vivid", "natural"]
Background = Literal["auto", "opaque", "transparent"]
Moderation = Literal["auto", "low"]
OutputFormat = Literal["png", "jpeg", "webp", "svg"]
InputFidelity = Literal["low", "high"]
InputFormat = Literal["png", "jpeg", "webp"]
ResponseFormat = Literal["b64_json", "url"]
"""OpenAI's answer forms: images in base64, or links to them."""

MAX_PROMPT_CHARS = 32_000
MAX_N = 10
MAX_PARTIAL_IMAGES = 3
MAX_INPUT_IMAGES = 16
MIN_EDGE, MAX_EDGE, EDGE_STEP = 256, 3840, 16
SEED_LIMIT = 2**32
STANDARD_SIZES = ("1024x1024", "1536x1024", "1024x1536")
ALPHA_FORMATS = frozenset({"png", "webp", "svg"})

_SIZE_RE = re.compile(r"([0-9]{1,5})x([0-9]{1,5})")
"""ASCII digits only (\\d takes any script's), matched whole (`$` lets a newline trail)."""

NULLABLE_FIELDS = frozenset(
    {
        "model",
        "n",
        "size",
        "quality",
        "background",
        "moderation",
        "output_format",
        "output_compression",
        "stream",
        "partial_images",
        "style",
        "response_format",
    }
)
"""Fields OpenAI's spec marks nullable: `null` there means "not given", on both dialects."""


def storable(value: str) -> str:
    """Refuse NUL (PostgreSQL cannot store it in text) and lone surrogates (no database
    can: they have no UTF-8); no parameter needs either."""
    if "\x00" in value:
        raise ValueError("NUL characters (\\u0000) are not allowed")
    if lone_surrogate(value):
        raise ValueError("lone surrogates (\\ud800 to \\udfff unpaired) are not allowed")
    return value


def lone_surrogate(value: str) -> bool:
    """Whether `value` holds a surrogate code point: text that has no UTF-8 form."""
    if value.isascii():  # O(1) in CPython: the common case costs nothing
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


Text = Annotated[
    str, AfterValidator(storable), Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})
]
"""A string a database can store; the spec's pattern names NUL (JSON's UTF-8 cannot carry a
lone surrogate, so only an escape can, and `storable` refuses it too)."""


def _whole(value: Any) -> Any:
    """2.0 is an integer to JSON Schema, so to the spec: take it as 2. Booleans and 2.5
    stay as they are, for StrictInt to refuse."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


WholeInt = Annotated[StrictInt, BeforeValidator(_whole)]
"""A JSON integer, written 2 or 2.0; never `true` or "2"."""


class ImageRequest(BaseModel):
    """One generation request, dialect-free. Validation messages name the parameter."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    prompt: Text = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    model: Text = Field(default="gpt-image-1", min_length=1, max_length=200)
    n: WholeInt = Field(default=1, ge=1, le=MAX_N)
    size: Text = Field(default="auto", max_length=32)
    quality: Quality = "auto"
    background: Background = "auto"
    moderation: Moderation = "auto"
    output_format: OutputFormat = "png"
    output_compression: WholeInt = Field(default=100, ge=0, le=100)
    seed: WholeInt | None = Field(default=None, ge=0, lt=SEED_LIMIT)
    user: Text | None = Field(default=None, max_length=256)
    safety_identifier: Text | None = Field(default=None, max_length=256)
    stream: StrictBool = False
    partial_images: WholeInt = Field(default=0, ge=0, le=MAX_PARTIAL_IMAGES)
    """Partial images per image to send while it renders (streams and job events)."""
    style: Style | None = None
    """DALL·E 3's vivid or natural look; engines with a palette follow it, others ignore it."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_not_given(cls, body: Any) -> Any:
        if isinstance(body, dict):
            return {k: v for k, v in body.items() if not (v is None and k in NULLABLE_FIELDS)}
        return body

    @property
    def end_user(self) -> str | None:
        """The client's end-user id; `safety_identifier` wins over `user`, as in OpenAI's API."""
        return self.safety_identifier or self.user


@dataclass(frozen=True)
class InputImage:
    """An image a client sent to edit, as sent: bytes that `pixmill.imaging.inputs` checked.

    Kept as bytes, not pixels, so a request travels (to a job worker, an upstream) as
    small as it came; `pixmill.imaging.inputs.open_input` decodes it.
    """

    data: bytes = field(repr=False)
    """Kept out of repr(): a log line or traceback never carries an image."""
    format: InputFormat
    width: int
    height: int
    """The upright size, after any EXIF orientation."""
    has_alpha: bool
    param: str
    """The parameter it came from ("image[1]", "mask"), for errors about it later."""

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


class EditRequest(ImageRequest):
    """An ImageRequest with images to edit: built by the edit parsers from checked inputs,
    never validated from a client's JSON (its image fields are not wire fields)."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, ser_json_bytes="base64", val_json_bytes="base64"
    )

    inputs: tuple[InputImage, ...] = Field(min_length=1, max_length=MAX_INPUT_IMAGES)
    mask: InputImage | None = None
    """Applies to the first input; its transparent area is where the picture may change."""
    input_fidelity: InputFidelity = "low"
    variation: bool = False
    """A variation of the one input (POST /v1/images/variations): no prompt of the
    client's; `prompt` is VARIATION_PROMPT."""


VARIATION_PROMPT = "A variation of this image"
"""The prompt of a variation, which has none: what moderation, usage records and engines
that need words see."""


def parse_request(body: Any, model_cls: type[ImageRequest] = ImageRequest) -> ImageRequest:
    """Validate a decoded JSON body, turning the first problem into an InvalidRequest."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", param=None)
    try:
        request = model_cls.model_validate(body)
    except ValidationError as exc:
        raise invalid_request_from(exc, body) from None
    if not request.prompt.strip():
        raise InvalidRequest("'prompt' must not be empty.", param="prompt")
    parse_size(request.size)
    if request.background == "transparent" and request.output_format not in ALPHA_FORMATS:
        raise InvalidRequest(
            "Transparent backgrounds need output_format 'png' or 'webp', "
            f"not '{request.output_format}'.",
            param="background",
        )
    return request


def invalid_request_from(exc: ValidationError, body: dict[str, Any]) -> InvalidRequest:
    """The first problem pydantic found in a JSON body, as a 400 naming its parameter."""
    error = exc.errors(include_url=False)[0]
    param = str(error["loc"][0]) if error["loc"] else None
    kind = error["type"]
    if kind == "missing":
        return InvalidRequest(f"Missing required parameter: '{param}'.", param=param)
    if kind == "extra_forbidden":
        return InvalidRequest(
            f"Unrecognized request argument supplied: {excerpt(param)[1:-1]}", param=param
        )
    shown = excerpt(body.get(param)) if param in body else "the value"
    if kind == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        return InvalidRequest(
            f"Invalid value for '{param}': {shown}. Supported values are: {allowed}.", param=param
        )
    return InvalidRequest(f"Invalid value for '{param}': {shown}. {error['msg']}.", param=param)


def parse_size(size: str) -> tuple[int, int] | None:
    """Return (width, height) for 'WxH', None for 'auto'; raise for anything else.

    Any whole number of pixels from MIN_EDGE to MAX_EDGE a side: whether a model also
    needs multiples of EDGE_STEP is its engine's business (`check_size_step`).
    """
    if size == "auto":
        return None
    match = _SIZE_RE.fullmatch(size)
    if not match:
        raise InvalidRequest(
            f"Invalid value for 'size': {size!r}. Use 'auto', one of "
            f"{', '.join(STANDARD_SIZES)}, or 'WxH' in pixels (digits only, such as "
            f"1080x1920), each side from {MIN_EDGE} to {MAX_EDGE}.",
            param="size",
        )
    width, height = int(match[1]), int(match[2])
    if not (MIN_EDGE <= width <= MAX_EDGE and MIN_EDGE <= height <= MAX_EDGE):
        raise InvalidRequest(
            f"Invalid value for 'size': {size!r}. Each side must be from {MIN_EDGE} to "
            f"{MAX_EDGE} pixels.",
            param="size",
        )
    return width, height


def check_size_step(width: int, height: int, model: str) -> None:
    """Refuse sides that are not multiples of EDGE_STEP, naming the nearest size that is."""
    if width % EDGE_STEP == 0 and height % EDGE_STEP == 0:
        return

    def nearest(side: int) -> int:
        return min(MAX_EDGE, max(MIN_EDGE, round(side / EDGE_STEP) * EDGE_STEP))

    raise InvalidRequest(
        f"Invalid value for 'size': '{width}x{height}'. Model '{model}' needs both sides "
        f"multiples of {EDGE_STEP} (from {MIN_EDGE} to {MAX_EDGE}), such as "
        f"'{nearest(width)}x{nearest(height)}'.",
        param="size",
    )


# "auto" resolution. Word lists are matched on whole words of the lower-cased prompt.
_PORTRAIT_WORDS = frozenset(
    "cover poster flyer flier portrait book magazine story stories pinterest leaflet "
    "menu invitation vertical tall phone wallpaper-phone".split()
)
_LANDSCAPE_WORDS = frozenset(
    "banner landscape header thumbnail panorama panoramic wide widescreen cinematic "
    "horizontal youtube billboard desktop website hero".split()
)
_TRANSPARENT_WORDS = frozenset("sticker logo icon emblem wordmark badge cutout clipart".split())
_TRANSPARENT_PHRASES = ("transparent background", "no background", "background-free")
# Genres that are printed or shown on a full ground even when a transparent word appears:
# a name badge is a card on a lanyard, an app icon a full-bleed square, a poster with
# "the logo on the left" is a poster.
_OPAQUE_PHRASES = (
    "name badge", "conference badge", "event badge", "id badge", "name tag", "app icon",
    "speaker badge", "visitor badge", "staff badge", "attendee badge", "application icon",
    "launcher icon",
)  # fmt: skip
_OPAQUE_WORDS = frozenset(
    "poster flyer flier card cover banner menu certificate invitation thumbnail magazine "
    "screenshot infographic header label lanyard".split()
)
_WORD_RE = re.compile(r"[a-z]+")


def _words(prompt: str) -> set[str]:
    return set(_WORD_RE.findall(prompt.lower()))


def auto_size(prompt: str) -> tuple[int, int]:
    """Pick the aspect the prompt asks for: portrait, landscape, else square."""
    words = _words(prompt)
    portrait = len(words & _PORTRAIT_WORDS)
    landscape = len(words & _LANDSCAPE_WORDS)
    if portrait > landscape:
        return 1024, 1536
    if landscape > portrait:
        return 1536, 1024
    return 1024, 1024


def auto_background(prompt: str) -> Literal["opaque", "transparent"]:
    """Transparent when the prompt asks for a cut-out kind of picture (a sticker, a logo,
    an icon) and names no genre printed on a ground (a badge, an app icon, a poster)."""
    lowered = prompt.lower()
    if any(phrase in lowered for phrase in _TRANSPARENT_PHRASES):
        return "transparent"
    if any(phrase in lowered for phrase in _OPAQUE_PHRASES):
        return "opaque"
    words = _words(prompt)
    if words & _OPAQUE_WORDS:
        return "opaque"
    return "transparent" if words & _TRANSPARENT_WORDS else "opaque"


@dataclass(frozen=True)
class RenderSpec:
    """A request with every "auto" resolved: what the engine must make, exactly."""

    prompt: str
    model: str
    n: int
    width: int
    height: int
    quality: ConcreteQuality
    background: Literal["opaque", "transparent"]
    output_format: Literal["png", "jpeg", "webp", "svg"]
    output_compression: int
    seed: int
    moderation: Literal["auto", "low"] = "auto"
    user: str | None = None
    partial_images: int = 0
    """How many partial images per image the engine should send through its progress callback."""
    style: Style | None = None
    """vivid (saturated) or natural (muted) where the engine has a palette; None: its own."""
    options: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[InputImage, ...] = ()
    """Images to edit (an edit when not empty); the first is the main one."""
    mask: InputImage | None = None
    input_fidelity: InputFidelity = "low"
    variation: bool = False
    """A variation of `inputs[0]`: the same subject made anew, no prompt of the client's
    (engines with `capabilities.variations`)."""

    @property
    def is_edit(self) -> bool:
        return bool(self.inputs)

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def image_seed(self, index: int) -> int:
        """The seed of the index-th image; image 0 uses the request's seed."""
        return (self.seed + index) % SEED_LIMIT


def edit_auto_size(request: EditRequest) -> tuple[int, int]:
    """ "auto" for an edit: a masked edit keeps its image's size (another size scales the
    image and its mask: `pixmill.imaging.inputs.fit_masked_edit`); otherwise the standard
    size closest to the first image's aspect, as GPT-Image-1 does."""
    first = request.inputs[0]
    if request.mask is not None:
        return first.width, first.height
    return standard_size_like(first.width, first.height)


def edit_auto_background(request: EditRequest) -> Literal["opaque", "transparent"]:
    """ "auto" for an edit: an opaque image stays opaque, whatever the prompt (a cut-out
    prompt sets its subject on a backdrop; only `transparent` makes alpha of it). An image
    that already has transparent pixels keeps them where the prompt asks for a cut-out
    kind of picture (`auto_background`)."""
    from pixmill.imaging.inputs import has_transparent_pixels  # it imports this module

    if not has_transparent_pixels(request.inputs[0]):
        return "opaque"
    return auto_background(request.prompt)


def standard_size_like(width: int, height: int) -> tuple[int, int]:
    """The standard size whose orientation is closest to width x height."""
    aspect = width / height
    if aspect > 1.25:
        return 1536, 1024
    if aspect < 0.8:
        return 1024, 1536
    return 1024, 1024


def resolve(
    request: ImageRequest,
    *,
    default_quality: ConcreteQuality = "medium",
    model: str | None = None,
) -> RenderSpec:
    """Replace every "auto" in a validated request with what will be used.

    `model` is the configured model the request's name resolved to (an alias's target);
    the request keeps the name the client asked for.
    """
    edit = request if isinstance(request, EditRequest) else None
    size = parse_size(request.size) or (edit_auto_size(edit) if edit else auto_size(request.prompt))
    background = request.background
    if background == "auto":
        if request.output_format not in ALPHA_FORMATS:
            background = "opaque"
        elif edit is not None:
            background = edit_auto_background(edit)
        else:
            background = auto_background(request.prompt)
    quality = concrete_quality(request.quality, default_quality)
    seed = request.seed if request.seed is not None else secrets.randbelow(SEED_LIMIT)
    return RenderSpec(
        prompt=request.prompt,
        model=model or request.model,
        n=request.n,
        width=size[0],
        height=size[1],
        quality=quality,
        background=background,
        output_format=request.output_format,
        output_compression=request.output_compression,
        seed=seed,
        moderation=request.moderation,
        user=request.end_user,
        partial_images=request.partial_images,
        inputs=edit.inputs if edit else (),
        mask=edit.mask if edit else None,
        input_fidelity=edit.input_fidelity if edit else "low",
        variation=edit.variation if edit else False,
        style=request.style,
    )


def concrete_quality(quality: Quality, default: ConcreteQuality) -> ConcreteQuality:
    """What a requested quality means: "auto" the engine's default, DALL·E's names mapped."""
    if quality == "auto":
        return default
    return DALLE_QUALITIES.get(quality) or quality  # type: ignore[return-value]
