"""The generation pipeline, dialect-free: an ImageRequest in, an ImageResult out.

The HTTP layer translates each dialect to and from these types; nothing here
knows about HTTP.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, replace
from functools import partial

import anyio
import anyio.to_thread

from pixmill.catalog import ModelCatalog, ModelEntry
from pixmill.engines import Engine, GeneratedImage, ProgressCallback
from pixmill.errors import ApiError, EngineError, InvalidRequest
from pixmill.imaging.encode import MEDIA_TYPES, encode
from pixmill.request import ImageRequest, RenderSpec, resolve
from pixmill.usage import Usage, usage_for

log = logging.getLogger(__name__)


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
    usage: Usage
    seconds: float


class ImageService:
    """Runs requests through the pipeline, with a bounded number of renders at a time."""

    def __init__(self, catalog: ModelCatalog, *, max_concurrent_renders: int = 2):
        self.catalog = catalog
        self._limiter = anyio.CapacityLimiter(max_concurrent_renders)

    async def generate(
        self,
        request: ImageRequest,
        *,
        request_id: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> ImageResult:
        started = time.perf_counter()
        request_id = request_id or new_request_id()
        # 1. Route the request to its model's engine.
        entry = self.catalog.get(request.model)
        # 2. Resolve every "auto" into what will be made.
        spec = resolve(request, default_quality=entry.engine.capabilities.default_quality)
        # 3. Refuse what this engine cannot make, before any work.
        check_supported(spec, entry)
        # 4-5. Render and encode off the event loop, a bounded number at a time.
        images = await anyio.to_thread.run_sync(
            partial(render_and_encode, entry.engine, spec, progress), limiter=self._limiter
        )
        seconds = time.perf_counter() - started
        log.info(
            "generated request_id=%s model=%s n=%d size=%s quality=%s moderation=%s user=%s "
            "seconds=%.3f",
            request_id, spec.model, spec.n, spec.size, spec.quality, spec.moderation,
            spec.user or "-", seconds,
        )  # fmt: skip
        return ImageResult(
            request_id=request_id,
            created=int(time.time()),
            spec=spec,
            images=images,
            usage=usage_for(spec.prompt, spec.quality, spec.width, spec.height, len(images)),
            seconds=seconds,
        )


def new_request_id() -> str:
    return f"req_{uuid.uuid4().hex}"


def check_supported(spec: RenderSpec, entry: ModelEntry) -> None:
    capabilities = entry.engine.capabilities
    if spec.output_format == "svg" and not capabilities.vector:
        raise InvalidRequest(
            f"output_format 'svg' needs an engine that draws vectors; model '{entry.name}' "
            f"runs on the '{entry.engine_name}' engine, which makes raster images only. "
            "Use 'png', 'jpeg' or 'webp'.",
            param="output_format",
        )
    if spec.background == "transparent" and not capabilities.native_alpha:
        raise InvalidRequest(
            f"background 'transparent' is not available for model '{entry.name}' yet: its "
            f"engine '{entry.engine_name}' has no native alpha and this server has no "
            "background removal. Use 'opaque'.",
            param="background",
        )


def render_and_encode(
    engine: Engine, spec: RenderSpec, progress: ProgressCallback | None
) -> list[EncodedImage]:
    """Blocking: render spec.n images (in batches the engine takes) and encode each."""
    generated = render(engine, spec, progress)
    return [encode_one(picture, spec, index) for index, picture in enumerate(generated)]


def render(
    engine: Engine, spec: RenderSpec, progress: ProgressCallback | None
) -> list[GeneratedImage]:
    batch = max(1, engine.capabilities.max_n)
    images: list[GeneratedImage] = []
    try:
        for start in range(0, spec.n, batch):
            part = replace(spec, n=min(batch, spec.n - start), seed=spec.image_seed(start))
            images.extend(engine.generate(part, progress))
    except ApiError:
        raise
    except Exception as exc:
        log.exception("engine %s failed", engine.name)
        raise EngineError(f"The '{engine.name}' engine failed to render the image.") from exc
    if len(images) != spec.n:
        raise EngineError(f"The '{engine.name}' engine returned {len(images)} of {spec.n} images.")
    for picture in images:
        if picture.image.size != (spec.width, spec.height):
            raise EngineError(
                f"The '{engine.name}' engine returned {picture.image.size} "
                f"instead of {spec.width}x{spec.height}."
            )
    return images


def encode_one(picture: GeneratedImage, spec: RenderSpec, index: int) -> EncodedImage:
    seed = picture.seed if picture.seed is not None else spec.image_seed(index)
    if spec.output_format == "svg":
        if picture.svg is None:
            raise EngineError("The engine returned no SVG document.")
        return EncodedImage(picture.svg, MEDIA_TYPES["svg"], seed)
    provenance = {
        "generator": "pixmill",
        "ai_generated": True,
        "model": spec.model,
        "seed": seed,
        "size": spec.size,
        "quality": spec.quality,
    }
    data = encode(
        picture.image,
        spec.output_format,
        compression=spec.output_compression,
        provenance=provenance,
    )
    return EncodedImage(data, MEDIA_TYPES[spec.output_format], seed)
