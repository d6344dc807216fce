"""Composed design models: exact text over another configured model's picture (issue 25).

A design model whose options name an `art` model takes its main visual from that model:

    {"sd": {"engine": "diffusion", "options": {"model": "/models/sd-turbo"}},
     "poster": {"engine": "design", "options": {"art": "sd"}}}

For each request the `ComposedEngine`:

1. writes the art prompt from the user's (`art_prompt`: no quoted text, no layout
   words, no lettering asked for) and has it moderated;
2. calls the art model's engine inline, in the same job (no second job on another
   queue, which could deadlock a worker), at the canvas size within the art model's
   size rules (`art_size`); its progress callback carries cancellation into that call;
3. moderates the art, then lays the quoted text over it (`art_layout`): a saliency-
   aware crop, the text where the picture is quiet, a scrim, outline or plate measured
   against the pixels under the text, the palette from the picture;
4. hands back each design with its art (a Content Credentials ingredient) and the art
   prompt (the image's metadata, the usage record).

An edit treats the given image as the art: the art model edits it (with the mask as
given), then the text is laid out again; so a composed model edits only if its art
model does. Partial images: the art model's first, the laid-out design last,
`partial_images` in all. Start-up refuses an `art` naming an unknown model, the model
itself, or a cycle (`art_targets`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

from pixmill.engines.art_models import ART_OPTION
from pixmill.engines.base import (
    ArtComponent,
    Engine,
    EngineCapabilities,
    GeneratedImage,
    PartialImage,
    ProgressCallback,
    UpstreamReport,
)
from pixmill.engines.calls import render  # the pipeline's own call: the same errors
from pixmill.engines.design import brief as brief_module
from pixmill.engines.design import fonts, saliency
from pixmill.engines.design.art_layout import lay_out
from pixmill.engines.design.art_prompt import art_prompt
from pixmill.errors import ModerationBlocked
from pixmill.request import EDGE_STEP, MAX_EDGE, MIN_EDGE, RenderSpec

log = logging.getLogger("pixmill.engines.design")

ART_SHARE = 0.9
"""The share of a call's progress the art takes; the layouts take the rest."""
PROGRESS_TOTAL = 1000


@dataclass(frozen=True)
class ArtModel:
    """The configured model a composed design takes its art from."""

    name: str
    engine_name: str
    engine: Engine


class ComposedEngine:
    """The design engine laying its text over an art model's pictures (see the module).
    Thread-safe: it keeps no per-call state."""

    name = "design"

    def __init__(self, art_model: ArtModel, **options: object) -> None:
        art = self.art = art_model
        rest = {k: v for k, v in options.items() if k != ART_OPTION}
        if rest:
            log.info("design engine: ignoring options %s", sorted(rest))
        caps = art.engine.capabilities
        self.capabilities = EngineCapabilities(
            native_alpha=False,
            vector=False,
            edits=caps.edits,
            variations=caps.variations,
            max_n=caps.max_n,
            default_quality=caps.default_quality,
            seeded=caps.seeded,
            io_bound=False,
            moderates_output=False,
            any_size=True,
        )
        self._prompts: Any = None
        self._images: Any = None
        fonts.preload()

    # set-up hooks -----------------------------------------------------------------

    def bind_moderation(self, prompts: Any, images: Any) -> None:
        """The service's prompt and image moderators: the art prompt and the art pass
        through them as the user's prompt and the output do."""
        self._prompts, self._images = prompts, images

    def art_prompt(self, prompt: str) -> str:
        return art_prompt(prompt)

    # the Engine protocol -----------------------------------------------------------

    def check_spec(self, spec: RenderSpec) -> None:
        """The art model's own refusals, for the spec it will be sent."""
        check = getattr(self.art.engine, "check_spec", None)
        if check is not None:
            check(self.art_spec(spec, 0))

    def art_spec(self, spec: RenderSpec, partials: int) -> RenderSpec:
        width, height = art_size(self.art.engine, spec.width, spec.height)
        return replace(
            spec,
            prompt=art_prompt(spec.prompt),
            model=self.art.name,
            width=width,
            height=height,
            background="opaque",
            output_format="png",
            output_compression=100,
            partial_images=partials,
        )

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        wanted = spec.partial_images if progress is not None else 0
        part = self.art_spec(spec, max(0, wanted - 1))
        self._moderate_prompt(part.prompt, spec.moderation)
        sent = [0] * spec.n
        done = [0]

        def art_progress(step: int, total: int, partial: PartialImage | None = None) -> None:
            assert progress is not None
            done[0] = round(ART_SHARE * PROGRESS_TOTAL * step / max(1, total))
            if partial is not None:
                sent[partial.index] += 1
            progress(done[0], PROGRESS_TOTAL, partial)

        started = time.perf_counter()
        arts = render(self.art.engine, part, art_progress if progress is not None else None)
        art_seconds = time.perf_counter() - started
        self._moderate_images([a.image for a in arts], spec.moderation)
        brief = brief_module.parse(spec.prompt)
        images: list[GeneratedImage] = []
        for index, art in enumerate(arts):
            started = time.perf_counter()
            laid = design_over(art.image, brief, spec.width, spec.height, spec.image_seed(index))
            log.debug(
                "composed design: art %.2f s, layout %.2f s (%s, %s)",
                art_seconds / len(arts), time.perf_counter() - started, laid.zone, laid.treatment,
            )  # fmt: skip
            image = laid.image if spec.background == "transparent" else _opaque(laid.image)
            component = ArtComponent(
                image=art.image,
                encoded=art.encoded,
                media_type=art.media_type,
                engine=self.art.engine_name,
                model=self.art.name,
                drawn=self.art.engine.capabilities.vector,
                credits=art.credits,
            )
            images.append(
                GeneratedImage(
                    image=image,
                    seed=art.seed if art.seed is not None else spec.image_seed(index),
                    # what the provider charged for the art, not its sizes or tokens:
                    # the design is the picture delivered
                    report=_cost_only(art.report),
                    credits=art.credits,
                    layout=f"art:{laid.zone}:{laid.treatment}",
                    art=component,
                    art_prompt=part.prompt,
                )
            )
            if progress is not None:
                if wanted and sent[index] < wanted - 1:  # the art placed, before its text
                    progress(done[0], PROGRESS_TOTAL, PartialImage(index, laid.picture))
                if wanted:
                    progress(done[0], PROGRESS_TOTAL, PartialImage(index, image.copy()))
                layouts = round((1 - ART_SHARE) * PROGRESS_TOTAL * (index + 1) / len(arts))
                progress(round(ART_SHARE * PROGRESS_TOTAL) + layouts, PROGRESS_TOTAL)
        return images

    def _moderate_prompt(self, prompt: str, level: Any) -> None:
        if self._prompts is None:
            return
        verdict = self._prompts.check(prompt, level)
        if verdict.blocked:
            log.info("art prompt blocked category=%s", verdict.category)
            raise ModerationBlocked(
                "Your request was rejected by the safety system: the prompt written for the "
                f"art model was blocked ({verdict.category}).",
                stage="input",
                category=verdict.category,
            )

    def _moderate_images(self, pictures: list[Image.Image], level: Any) -> None:
        if self._images is None or self.art.engine.capabilities.moderates_output:
            return
        for verdict in self._images.check(pictures, level):
            if verdict.blocked:
                log.info("art image blocked category=%s", verdict.category)
                raise ModerationBlocked(
                    "Your request was rejected by the safety system: the art model's "
                    f"picture was blocked ({verdict.category}).",
                    stage="output",
                    category=verdict.category,
                )


def design_over(art: Image.Image, brief: Any, width: int, height: int, seed: int) -> Any:
    """One design: the art's subject found (the saliency model at low resolution,
    `saliency`), then the text laid over it (`art_layout.lay_out`)."""
    return lay_out(art, saliency.predict(art), brief, width, height, seed % 6)


def _cost_only(report: UpstreamReport | None) -> UpstreamReport | None:
    if report is None:
        return None
    return UpstreamReport(images=report.images, cost_micro=report.cost_micro)


def _opaque(image: Image.Image) -> Image.Image:
    image = image.convert("RGBA")
    image.putalpha(255)
    return image


def art_size(engine: Engine, width: int, height: int) -> tuple[int, int]:
    """The size to ask the art model for a width x height picture area: a size from its
    list when it has one (the nearest in shape), sides in steps of 16 when it needs them,
    else the area's own."""
    options = getattr(engine, "options", None)
    sizes = getattr(options, "sizes", None)
    if sizes:
        pairs = [tuple(int(v) for v in s.split("x")) for s in sizes if "x" in s]
        if pairs:

            def misfit(pair: tuple[int, ...]) -> tuple[float, float]:
                shape = abs(pair[0] / pair[1] - width / height)
                return round(shape, 3), abs(pair[0] * pair[1] - width * height)

            best = min(pairs, key=misfit)
            return best[0], best[1]
    if not engine.capabilities.any_size:

        def step(side: int) -> int:
            return min(MAX_EDGE, max(MIN_EDGE, round(side / EDGE_STEP) * EDGE_STEP))

        return step(width), step(height)
    return width, height
