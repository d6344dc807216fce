"""One engine call as the pipeline makes it: split to the engine's `max_n`, its progress
mapped onto the whole request, its failures turned into `EngineError`, and what it
returned checked (count, size). Used by the pipeline (`pixmill.service`) and by an
engine that calls another model's engine inline (a composed design, issue 25), so that
both report an engine's failures the same way.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from pixmill.engines.base import Engine, GeneratedImage, PartialImage, ProgressCallback
from pixmill.errors import ApiError, EngineError
from pixmill.request import RenderSpec

log = logging.getLogger("pixmill.service")


def render(
    engine: Engine, spec: RenderSpec, progress: ProgressCallback | None
) -> list[GeneratedImage]:
    batch = max(1, engine.capabilities.max_n)
    images: list[GeneratedImage] = []
    try:
        for start in range(0, spec.n, batch):
            part = replace(spec, n=min(batch, spec.n - start), seed=spec.image_seed(start))
            images.extend(engine.generate(part, within(progress, start, part.n, spec.n)))
    except ApiError:
        raise  # Cancelled among them: nothing more to make
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


def within(
    progress: ProgressCallback | None, start: int, count: int, n: int
) -> ProgressCallback | None:
    """Report one engine call's progress as progress of the whole request of n images."""
    if progress is None or (start == 0 and count == n):
        return progress

    def report(done: int, total: int, partial: PartialImage | None = None) -> None:
        if partial is not None:
            partial = PartialImage(start + partial.index, partial.image)
        progress(start * total + count * done, n * total, partial)

    return report
