"""ImageRequest (what a client asked for) and RenderSpec (what will be made).

Both dialects turn their wire bodies into one ImageRequest; `resolve()` replaces
every "auto" with a concrete value and gives the RenderSpec that engines see.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)

from pixmill.errors import InvalidRequest, excerpt

Quality = Literal["auto", "low", "medium", "high", "xhigh", "max"]
ConcreteQuality = Literal["low", "medium", "high", "xhigh", "max"]
CONCRETE_QUALITIES: tuple[ConcreteQuality, ...] = get_args(ConcreteQuality)
Background = Literal["auto", "opaque", "transparent"]
Moderation = Literal["auto", "low"]
OutputFormat = Literal["png", "jpeg", "webp", "svg"]

MAX_PROMPT_CHARS = 32_000
MAX_N = 10
MAX_PARTIAL_IMAGES = 3
MIN_EDGE, MAX_EDGE, EDGE_STEP = 256, 3840, 16
SEED_LIMIT = 2**32
STANDARD_SIZES = ("1024x1024", "1536x1024", "1024x1536")
ALPHA_FORMATS = frozenset({"png", "webp", "svg"})

_SIZE_RE = re.compile(r"([0-9]{1,5})x([0-9]{1,5})")
"""ASCII digits only (\\d takes any script's), matched whole (`$` lets a newline trail)."""


def no_nul(value: str) -> str:
    """Refuse NUL: PostgreSQL cannot store it in text, and no parameter needs it."""
    if "\x00" in value:
        raise ValueError("NUL characters (\\u0000) are not allowed")
    return value


Text = Annotated[str, AfterValidator(no_nul), Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})]
"""A string a database can store; the spec says so with a pattern (checked by `no_nul`)."""


class ImageRequest(BaseModel):
    """One generation request, dialect-free. Validation messages name the parameter."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    prompt: Text = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    model: Text = Field(default="gpt-image-1", min_length=1, max_length=200)
    n: StrictInt = Field(default=1, ge=1, le=MAX_N)
    size: Text = Field(default="auto", max_length=32)
    quality: Quality = "auto"
    background: Background = "auto"
    moderation: Moderation = "auto"
    output_format: OutputFormat = "png"
    output_compression: StrictInt = Field(default=100, ge=0, le=100)
    seed: StrictInt | None = Field(default=None, ge=0, lt=SEED_LIMIT)
    user: Text | None = Field(default=None, max_length=256)
    safety_identifier: Text | None = Field(default=None, max_length=256)
    stream: StrictBool = False
    partial_images: StrictInt = Field(default=0, ge=0, le=MAX_PARTIAL_IMAGES)
    """Partial images per image to send while it renders (streams and job events)."""

    @property
    def end_user(self) -> str | None:
        """The client's end-user id; `safety_identifier` wins over `user`, as in OpenAI's API."""
        return self.safety_identifier or self.user


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
    if request.stream:
        raise InvalidRequest(
            "'stream': streaming is not supported by this server yet.", param="stream"
        )
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
    """Return (width, height) for 'WxH', None for 'auto'; raise for anything else."""
    if size == "auto":
        return None
    match = _SIZE_RE.fullmatch(size)
    if not match:
        raise InvalidRequest(
            f"Invalid value for 'size': {size!r}. Use 'auto', one of "
            f"{', '.join(STANDARD_SIZES)}, or 'WxH' with both sides multiples of {EDGE_STEP} "
            f"from {MIN_EDGE} to {MAX_EDGE}.",
            param="size",
        )
    width, height = int(match[1]), int(match[2])
    for side in (width, height):
        if not MIN_EDGE <= side <= MAX_EDGE or side % EDGE_STEP:
            raise InvalidRequest(
                f"Invalid value for 'size': {size!r}. Each side must be a multiple of "
                f"{EDGE_STEP} from {MIN_EDGE} to {MAX_EDGE}.",
                param="size",
            )
    return width, height


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
    """Transparent when the prompt asks for a cut-out kind of picture."""
    lowered = prompt.lower()
    if any(phrase in lowered for phrase in _TRANSPARENT_PHRASES):
        return "transparent"
    return "transparent" if _words(prompt) & _TRANSPARENT_WORDS else "opaque"


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
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def image_seed(self, index: int) -> int:
        """The seed of the index-th image; image 0 uses the request's seed."""
        return (self.seed + index) % SEED_LIMIT


def resolve(request: ImageRequest, *, default_quality: ConcreteQuality = "medium") -> RenderSpec:
    """Replace every "auto" in a validated request with what will be used."""
    size = parse_size(request.size) or auto_size(request.prompt)
    background = request.background
    if background == "auto":
        background = (
            auto_background(request.prompt) if request.output_format in ALPHA_FORMATS else "opaque"
        )
    quality = default_quality if request.quality == "auto" else request.quality
    seed = request.seed if request.seed is not None else secrets.randbelow(SEED_LIMIT)
    return RenderSpec(
        prompt=request.prompt,
        model=request.model,
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
    )
