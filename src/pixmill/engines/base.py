"""The Engine protocol: a RenderSpec in, n RGBA images of exactly the asked size out.

Engines never touch HTTP, credits or encoding. They declare what they can do in
`EngineCapabilities`, and report progress (and, when `spec.partial_images` asks for
them, partial images) through an optional callback. The callback may raise
`pixmill.errors.Cancelled` to stop the work: engines let it propagate and call the
callback between steps (between images, between denoising steps). An engine
may also define `check_spec(spec)`, raising InvalidRequest for what it cannot make;
the pipeline calls it before any work. Upstream engines (gateway mode) hand back the
provider's encoded bytes and an `UpstreamReport` beside each picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image

from pixmill.request import ConcreteQuality, RenderSpec
from pixmill.usage import Usage


@dataclass(frozen=True)
class PartialImage:
    """A real intermediate state of one image: a layer composed so far, a decoded latent."""

    index: int
    """Which image of this generate() call it belongs to (0-based)."""
    image: Image.Image
    """RGB or RGBA, at any size: the pipeline scales and encodes it."""


class ProgressCallback(Protocol):
    """Called as progress(done, total) while an engine works; total is fixed for one call.

    With `partial`, the call also carries a partial image. Engines send at most
    `spec.partial_images` partials per image, none when it is 0, so that nobody pays
    for previews no one asked for. The callback may raise `Cancelled`.
    """

    def __call__(self, done: int, total: int, partial: PartialImage | None = None) -> None: ...


@dataclass(frozen=True)
class EngineCapabilities:
    native_alpha: bool = False
    """Draws real transparency itself; otherwise the pipeline removes the background."""
    vector: bool = False
    """Can return each image as an SVG document too (output_format "svg")."""
    edits: bool = False
    variations: bool = False
    """Makes variations of an image (POST /v1/images/variations, `RenderSpec.variation`)."""
    max_n: int = 10
    """Largest n one generate() call takes; the pipeline splits bigger requests."""
    default_quality: ConcreteQuality = "medium"
    """What quality "auto" resolves to on this engine."""
    seeded: bool = True
    """Honours `seed`; otherwise a request that names a seed is refused with 400."""
    io_bound: bool = False
    """Waits on the network, not on a CPU or GPU: bounded apart from the render slots."""
    moderates_output: bool = False
    """Its provider moderates its own output, so pixmill's image moderation is skipped."""
    any_size: bool = True
    """Makes any whole-pixel size from 256 to 3840 a side, exactly (as the contract asks);
    otherwise requests are held to sides that are multiples of 16."""
    max_batch: int = 1
    """How many concurrent generate() calls the engine coalesces; the scheduler may run this
    many jobs for it at once per render slot."""


@dataclass(frozen=True)
class UpstreamReport:
    """What an upstream provider said about one call: the values it used, usage, its cost.

    Shared by the images of that call; None where the provider did not say.
    """

    images: int
    """How many images the call made."""
    quality: str | None = None
    size: str | None = None
    background: str | None = None
    output_format: str | None = None
    usage: Usage | None = None
    """The provider's token usage for the whole call."""
    cost_micro: int | None = None
    """What the call cost the operator at the provider, in micro-credits."""


@dataclass(frozen=True)
class ArtComponent:
    """The picture another model made for a composed design (issue 25): an ingredient of
    the design's Content Credentials, signed as that model's own output would be."""

    image: Image.Image
    engine: str
    model: str
    encoded: bytes | None = None
    """As the art model's engine got it (gateway mode), else None."""
    media_type: str | None = None
    drawn: bool = False
    """The art model draws vectors (a design model): its PNG is flat colour."""
    credits: tuple[str, ...] = ()


@dataclass
class GeneratedImage:
    """One picture: always the raster (RGBA, exact size); the SVG when asked and vector."""

    image: Image.Image
    svg: bytes | None = None
    seed: int | None = None
    encoded: bytes | None = None
    """The picture as the engine got it, already encoded as `media_type` (gateway mode):
    delivered as is when it is what the client asked for and no step changed the pixels."""
    media_type: str | None = None
    report: UpstreamReport | None = None
    credits: tuple[str, ...] = ()
    """Attributions the picture owes (licensed art it uses); they go in its metadata."""
    layout: str | None = None
    """How an edit laid its pictures out ("grid", "collage", "tiles", "mask" on the design
    engine); it goes in the picture's metadata."""
    checklist: tuple[dict[str, str], ...] = ()
    """What the prompt asked and whether the picture shows it (the design engine's
    elements, colours, setting and texts); it goes in the picture's metadata."""
    art: ArtComponent | None = None
    """A composed design's art, made by another model; an ingredient of the picture."""
    art_prompt: str | None = None
    """The prompt a composed design sent its art model; it goes in the picture's metadata."""


@runtime_checkable
class Engine(Protocol):
    name: str
    capabilities: EngineCapabilities

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        """Make spec.n images. Blocking and CPU/GPU bound: callers run it off the event loop."""
        ...
