"""The generation pipeline, dialect-free: an ImageRequest in, an ImageResult out.

The HTTP layer translates each dialect to and from these types; nothing here
knows about HTTP.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from PIL import Image

from pixmill.catalog import ModelCatalog, ModelEntry
from pixmill.engines import (
    ArtComponent,
    Engine,
    GeneratedImage,
    ProgressCallback,
    UpstreamReport,
)
from pixmill.engines.calls import render, within
from pixmill.engines.reports import delivered_usage, reported_spec, upstream_cost
from pixmill.errors import EngineError, InvalidRequest, ModerationBlocked
from pixmill.imaging.background import BackgroundRemover
from pixmill.imaging.c2pa_signing import ContentCredentials, has_manifest
from pixmill.imaging.encode import (
    MEDIA_TYPES,
    RasterFormat,
    encode,
    load_png_encoder,
    opaque_as_rgb,
)
from pixmill.imaging.inputs import editable_area, fit_masked_edit
from pixmill.imaging.manifests import (
    Ingredient,
    SoftwareAgent,
    digital_source_type,
    edit_ingredients,
)
from pixmill.imaging.provenance import svg_with_provenance
from pixmill.moderation import ImageModerator, PromptModerator
from pixmill.moderation.inputs import blocked_input
from pixmill.moderation.verdicts import ImageVerdict
from pixmill.parts import missing_parts
from pixmill.request import EditRequest, ImageRequest, RenderSpec, check_size_step, resolve
from pixmill.settings import Settings
from pixmill.usage import Usage, usage_for

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

ART_TITLE = "art"
"""The title of a composed design's art (another model's picture), as an ingredient."""
UPSTREAM_TITLE = "upstream image"
"""The title of a gateway provider's signed picture, as an ingredient."""
INLINE_PROMPT_CHARS = 250
"""Prompts up to this length are moderated on the event loop (about a millisecond at most)."""


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    media_type: str
    seed: int


@dataclass(frozen=True)
class ImageResult:
    request_id: str
    created: int
    spec: RenderSpec
    images: list[EncodedImage]
    """The delivered images: those image moderation let through."""
    withheld: int
    """How many of spec.n images image moderation withheld."""
    usage: Usage
    """Tokens of the delivered images: what the client is shown and charged for."""
    seconds: float
    cost_micro: int = 0
    """What the account was charged; 0 when the request was not billed."""
    withheld_category: str | None = None
    """The moderation category of the first withheld image, if any."""
    upstream_cost_micro: int | None = None
    """Gateway mode: what the upstream provider charged the operator for this request, all
    images it made included; None for local engines or when the provider did not say."""


@dataclass(frozen=True)
class MadeImages:
    images: list[EncodedImage]
    withheld_category: str | None
    reports: list[UpstreamReport]
    """An upstream engine's reports of its calls; empty for local engines."""


@dataclass(frozen=True)
class Moderation:
    """The checks every request goes through, whatever its engine."""

    prompts: PromptModerator
    images: ImageModerator


class ImageService:
    """Runs requests through the pipeline, with a bounded number of renders at a time."""

    def __init__(
        self,
        catalog: ModelCatalog,
        moderation: Moderation,
        background_remover: BackgroundRemover,
        *,
        max_concurrent_renders: int = 2,
        max_concurrent_upstream: int = 64,
        credentials: ContentCredentials | None = None,
        render_memory_bytes: int = 4 * 1024**3,
    ):
        self.catalog = catalog
        self.credentials = credentials
        self.render_memory_bytes = render_memory_bytes
        """Signs every raster delivered; None when Content Credentials are off."""
        self.moderation = moderation
        self.background_remover = background_remover
        self._limiter = anyio.CapacityLimiter(max_concurrent_renders)
        # Upstream engines wait on the network: they get their own, larger bound, so a
        # slow provider never holds the render slots local engines need.
        self._upstream_limiter = anyio.CapacityLimiter(max_concurrent_upstream)
        for entry in catalog.entries():
            # A composed design moderates its art prompt and art as the pipeline does.
            bind = getattr(entry.engine, "bind_moderation", None)
            if bind is not None:
                bind(moderation.prompts, moderation.images)

    @classmethod
    def from_settings(
        cls, settings: Settings, engines: Mapping[str, Engine] | None = None
    ) -> ImageService:
        """Build the catalogue's engines and the moderation models the settings ask for."""
        moderation = Moderation(
            prompts=PromptModerator(settings.moderation_rules),
            images=ImageModerator(
                settings.image_moderation_threshold_auto, settings.image_moderation_threshold_low
            ),
        )
        return cls(
            ModelCatalog(settings.model_table(), engines, settings.alias_table()),
            moderation,
            BackgroundRemover(),
            max_concurrent_renders=settings.max_concurrent_renders,
            max_concurrent_upstream=settings.max_concurrent_upstream,
            render_memory_bytes=settings.render_memory_bytes,
            credentials=ContentCredentials.from_settings(settings),
        )

    def prepare(self, request: ImageRequest) -> tuple[ModelEntry, RenderSpec]:
        """Steps 1-5, before anything is spent: route, moderate, resolve, refuse, and
        moderate an edit's input images. Blocking when it is an edit (a model call)."""
        # 1. Route the request to its model's engine.
        entry = self.catalog.get(request.model)
        # 2. Moderate the prompt.
        self.check_prompt(request)
        # 3. Resolve every "auto" into what will be made.
        spec = resolve(
            request, default_quality=entry.engine.capabilities.default_quality, model=entry.name
        )
        # 4. Refuse what this engine cannot make, or this server's memory cannot hold.
        check_supported(spec, entry, seed_given=request.seed is not None)
        io_bound = entry.engine.capabilities.io_bound
        if not io_bound and image_memory_bytes(spec) > self.render_memory_bytes:
            raise InvalidRequest(
                f"One {spec.size} image at quality '{spec.quality}' needs more memory than "
                "this server gives a render; ask for a smaller size or a lower quality.",
                param="size",
            )
        # 5. An edit's input images are moderated too: a blocked one costs nothing.
        if spec.is_edit:
            blocked = blocked_input(self.moderation.images, spec.inputs, spec.moderation)
            if blocked is not None:
                log.info("input image blocked category=%s", blocked.category)
                raise blocked
        return entry, spec

    async def generate(
        self,
        request: ImageRequest,
        *,
        request_id: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> ImageResult:
        """The whole pipeline in this process, with no job, account or billing: for the
        CLI's in-process mode and benchmarks. Servers run it through `pixmill.jobs`."""
        started = time.perf_counter()
        request_id = request_id or new_request_id()
        # Short prompts are moderated inline, sparing a thread hop; input images never are.
        if len(request.prompt) <= INLINE_PROMPT_CHARS and not isinstance(request, EditRequest):
            entry, spec = self.prepare(request)
        else:
            entry, spec = await anyio.to_thread.run_sync(self.prepare, request)
        capabilities = entry.engine.capabilities
        limiter = self._upstream_limiter if capabilities.io_bound else self._limiter
        made = await anyio.to_thread.run_sync(
            partial(self.make_images, entry.engine, spec, progress), limiter=limiter
        )
        seconds = time.perf_counter() - started
        return build_result(request_id, spec, made, seconds, native_alpha=capabilities.native_alpha)

    def warm_up(self) -> None:
        """Load now what the process's first call would otherwise wait for: the image
        moderation model (~0.5 s), the PNG encoder (~0.15 s) and, when an engine needs
        cut-outs, the background remover (see `BackgroundRemover.warm_up`). Blocking:
        run it in a thread at start-up."""
        capabilities = [entry.engine.capabilities for entry in self.catalog.entries()]
        if any(not engine.moderates_output for engine in capabilities):
            self.moderation.images.load()
        load_png_encoder()
        if any(not engine.native_alpha for engine in capabilities) and not missing_parts():
            self.background_remover.warm_up()

    def close(self) -> None:
        """Release what engines hold open (an upstream engine's connection pool)."""
        engines = {id(entry.engine): entry.engine for entry in self.catalog.entries()}
        for engine in engines.values():
            close = getattr(engine, "close", None)
            if close is not None:
                close()

    def check_prompt(self, request: ImageRequest) -> None:
        verdict = self.moderation.prompts.check(request.prompt, request.moderation)
        if verdict.blocked:
            log.info("prompt blocked category=%s rules=%s", verdict.category, verdict.rules)
            raise ModerationBlocked(
                "Your request was rejected by the safety system: the input prompt was "
                f"blocked ({verdict.category}). {verdict.reason or ''}".strip(),
                stage="input",
                category=verdict.category,
            )

    def _cut_out(self, image: Image.Image, quality: str, area: Image.Image | None) -> Image.Image:
        """The picture with its background made transparent; for a masked edit only within
        the mask's editable `area`, so that outside it the pixels stay the input's."""
        cut = self.background_remover.remove(image, quality)
        if area is None:
            return cut
        if area.size != cut.size:
            area = area.resize(cut.size, Image.Resampling.BILINEAR)
        return Image.composite(cut, image.convert("RGBA"), area)

    def make_images(
        self, engine: Engine, spec: RenderSpec, progress: ProgressCallback | None
    ) -> MadeImages:
        """Blocking: render, remove backgrounds, moderate and encode, a batch at a time so
        that a render never holds more than its memory budget; only encoded bytes stay."""
        spec = fit_masked_edit(spec)
        batch = spec.n
        if not engine.capabilities.io_bound:
            batch = max(1, min(spec.n, self.render_memory_bytes // image_memory_bytes(spec)))
        images: list[EncodedImage] = []
        reports: dict[int, UpstreamReport] = {}
        withheld: str | None = None
        for start in range(0, spec.n, batch):
            part = replace(spec, n=min(batch, spec.n - start), seed=spec.image_seed(start))
            generated = render(engine, part, within(progress, start, part.n, spec.n))
            reports.update({id(p.report): p.report for p in generated if p.report})
            if spec.background == "transparent" and not engine.capabilities.native_alpha:
                area = editable_area(spec.mask) if spec.mask is not None else None
                for picture in generated:
                    picture.image = self._cut_out(picture.image, spec.quality, area)
                    picture.encoded = None  # the pixels changed: encode them anew
            for picture in generated:
                picture.image = opaque_as_rgb(picture.image)
            if engine.capabilities.moderates_output:
                verdicts = [ImageVerdict(blocked=False, score=0.0)] * len(generated)
            else:
                pictures = [p.image for p in generated]
                verdicts = self.moderation.images.check(pictures, spec.moderation)
            for offset, (picture, verdict) in enumerate(zip(generated, verdicts, strict=True)):
                if verdict.blocked:
                    withheld = withheld or verdict.category
                else:
                    index = start + offset
                    images.append(
                        encode_one(
                            picture, spec, index, engine.name, self.credentials,
                            drawn=engine.capabilities.vector,
                        )
                    )  # fmt: skip
        if not images:
            raise ModerationBlocked(
                "Your request was rejected by the safety system: every output image was "
                f"blocked ({withheld}).",
                stage="output",
                category=withheld,
            )
        return MadeImages(images=images, withheld_category=withheld, reports=list(reports.values()))


def image_memory_bytes(spec: RenderSpec) -> int:
    """What rendering one image of the spec may hold at once: its RGBA raster times the
    working copies its quality takes (supersampled layers, textures, the encoder's)."""
    return spec.width * spec.height * 4 * _MEMORY_FACTOR[spec.quality]


_MEMORY_FACTOR = {"low": 2, "medium": 3, "high": 5, "xhigh": 6, "max": 8}


def build_result(
    request_id: str,
    spec: RenderSpec,
    made: MadeImages,
    seconds: float,
    *,
    cost_micro: int = 0,
    native_alpha: bool = True,
) -> ImageResult:
    """Steps 10-11: what was made, with an upstream's own values and usage where it gave them."""
    spec = reported_spec(spec, made.reports, keep_background=not native_alpha)
    usage = usage_for(
        spec.prompt, spec.quality, spec.width, spec.height, len(made.images), inputs=spec.inputs
    )
    usage = delivered_usage(made.reports, len(made.images)) or usage
    log.info(
        "generated request_id=%s model=%s n=%d delivered=%d size=%s quality=%s user=%s "
        "seconds=%.3f",
        request_id, spec.model, spec.n, len(made.images), spec.size, spec.quality,
        spec.user or "-", seconds,
    )  # fmt: skip
    return ImageResult(
        request_id=request_id,
        created=int(time.time()),
        spec=spec,
        images=made.images,
        withheld=spec.n - len(made.images),
        usage=usage,
        seconds=seconds,
        cost_micro=cost_micro,
        withheld_category=made.withheld_category,
        upstream_cost_micro=upstream_cost(made.reports),
    )


def new_request_id() -> str:
    return f"req_{uuid.uuid4().hex}"


def check_supported(spec: RenderSpec, entry: ModelEntry, *, seed_given: bool = False) -> None:
    capabilities = entry.engine.capabilities
    if spec.variation and not capabilities.variations:
        raise InvalidRequest(
            f"Model '{entry.name}' cannot make variations: its '{entry.engine_name}' engine "
            "does not vary an image. Use a model that can (GET /v1/models lists them "
            "under capabilities.variation).",
            param="model",
        )
    if spec.is_edit and not capabilities.edits:
        # Named as the client sent the images: "image", "images" or "image_urls".
        param = spec.inputs[0].param.split("[")[0]
        raise InvalidRequest(
            f"Model '{entry.name}' cannot edit images: its '{entry.engine_name}' engine "
            f"makes images from a prompt only. Leave '{param}' out, or use a model that "
            "can edit (GET /v1/models lists them under capabilities.edit).",
            param=param,
        )
    if seed_given and not capabilities.seeded:
        raise InvalidRequest(
            f"'seed' is not supported by model '{entry.name}': its '{entry.engine_name}' "
            "engine cannot make the same image twice. Leave 'seed' out.",
            param="seed",
        )
    if spec.output_format == "svg" and not capabilities.vector:
        raise InvalidRequest(
            f"output_format 'svg' needs an engine that draws vectors; model '{entry.name}' "
            f"runs on the '{entry.engine_name}' engine, which makes raster images only. "
            "Use 'png', 'jpeg' or 'webp'.",
            param="output_format",
        )
    check_spec = getattr(entry.engine, "check_spec", None)
    if check_spec is not None:
        check_spec(spec)  # the engine's own rules first: they name what it makes
    if not capabilities.any_size:
        check_size_step(spec.width, spec.height, entry.name)


def encode_one(
    picture: GeneratedImage,
    spec: RenderSpec,
    index: int,
    engine: str = "",
    credentials: ContentCredentials | None = None,
    *,
    drawn: bool = False,
) -> EncodedImage:
    seed = picture.seed if picture.seed is not None else spec.image_seed(index)
    if spec.output_format == "svg":
        if picture.svg is None:
            raise EngineError("The engine returned no SVG document.")
        source_type = digital_source_type(edit_ingredients(spec))
        return EncodedImage(svg_with_provenance(picture.svg, source_type), MEDIA_TYPES["svg"], seed)
    media_type = MEDIA_TYPES[spec.output_format]
    agent = SoftwareAgent(engine=engine, model=spec.model)
    ingredients = edit_ingredients(spec)
    if picture.art is not None and credentials is not None:
        ingredients += (art_ingredient(picture.art, credentials),)
    original = signed_original(picture) if credentials is not None else None
    if picture.encoded is not None and picture.media_type == media_type:
        # Already what the client asked for (an upstream made it in this format and
        # compression): deliver its bytes, saving a decode and an encode. The provider's
        # Content Credentials stay as they are; pixmill signs a picture that has none.
        data = picture.encoded
        if credentials is not None and original is None:
            data = credentials.sign(data, media_type, agent, ingredients=ingredients)
        return EncodedImage(data, media_type, seed)
    if original is not None:
        ingredients += (original,)
    image = picture.image
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    provenance = {
        "generator": "pixmill",
        "ai_generated": True,
        "model": spec.model,
        "seed": seed,
        "size": spec.size,
        "quality": spec.quality,
    }
    if picture.credits:
        provenance["credits"] = list(picture.credits)
    if picture.layout:
        provenance["layout"] = picture.layout
    if picture.checklist:
        provenance["checklist"] = [dict(entry) for entry in picture.checklist]
    if picture.art_prompt is not None:
        provenance["art_prompt"] = picture.art_prompt
    data = encode(
        image,
        spec.output_format,
        compression=spec.output_compression,
        provenance=provenance,
        credentials=credentials,
        agent=agent,
        ingredients=ingredients,
        drawn=drawn,
    )
    return EncodedImage(data, media_type, seed)


def encode_partial(
    image: Image.Image,
    spec: RenderSpec,
    engine: str,
    credentials: ContentCredentials | None = None,
    *,
    drawn: bool = False,
) -> tuple[bytes, RasterFormat]:
    """A partial image in the request's format (png for svg), with the same XMP and
    Content Credentials as the finished picture: it is an image pixmill made too.
    `drawn`: a vector engine's flat colour, encoded as its finished pictures are."""
    fmt: RasterFormat = "png" if spec.output_format == "svg" else spec.output_format
    if image.size != (spec.width, spec.height):
        image = image.resize((spec.width, spec.height))
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    data = encode(
        image,
        fmt,
        compression=spec.output_compression,
        provenance={"generator": "pixmill", "ai_generated": True, "model": spec.model},
        credentials=credentials,
        agent=SoftwareAgent(engine=engine, model=spec.model),
        ingredients=edit_ingredients(spec),
        drawn=drawn,
    )
    return data, fmt


def art_ingredient(art: ArtComponent, credentials: ContentCredentials) -> Ingredient:
    """A composed design's art as an ingredient, signed as its model's own picture would be
    (created by that engine and model: trainedAlgorithmicMedia); an upstream's picture
    that carries its own Content Credentials keeps them instead."""
    encoded, media_type = art.encoded, art.media_type
    if encoded is not None and media_type is not None and has_manifest(encoded, media_type):
        return Ingredient(encoded, media_type, ART_TITLE, "componentOf", True)
    image = art.image if art.image.mode in ("RGB", "RGBA") else art.image.convert("RGBA")
    data = encode(
        opaque_as_rgb(image),
        "png",
        provenance={"generator": "pixmill", "ai_generated": True, "model": art.model},
        credentials=credentials,
        agent=SoftwareAgent(engine=art.engine, model=art.model),
        drawn=art.drawn,
    )
    return Ingredient(data, MEDIA_TYPES["png"], ART_TITLE, "componentOf", True)


def signed_original(picture: GeneratedImage) -> Ingredient | None:
    """An upstream's picture as it came, when it carries its own Content Credentials: a
    component of the picture pixmill re-encodes from it."""
    if picture.encoded is None or picture.media_type is None:
        return None
    if not has_manifest(picture.encoded, picture.media_type):
        return None
    return Ingredient(picture.encoded, picture.media_type, UPSTREAM_TITLE, "componentOf")
