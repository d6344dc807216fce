"""DesignEngine: procedural typography and vector scenes, no model weights.

For each image: read the prompt (`brief`), compose a vector scene from the seed
(`compose`), rasterise it with skia (`render`), apply the prompt's style (`styles`),
and when asked draw the same scene as an SVG document with text as outlines. With
`spec.partial_images` it sends the layers as they are drawn (background, art, type)
as partial images; images that use library art carry its attribution in `credits`.
"""

from __future__ import annotations

import logging

from PIL import Image

from pixmill.engines.base import (
    EngineCapabilities,
    GeneratedImage,
    PartialImage,
    ProgressCallback,
)
from pixmill.engines.design import brief as brief_module
from pixmill.engines.design import edits, fonts, render, styles
from pixmill.engines.design.compose import (
    Design,
    compose,
    measure_scale,
    measured_backdrop,
    supersample_for,
)
from pixmill.request import RenderSpec

logger = logging.getLogger("pixmill.engines.design")

PARTIAL_STAGES: dict[int, tuple[str, ...]] = {
    # which layers each image sends as partials, for spec.partial_images = 1, 2, 3
    1: ("art",),
    2: ("background", "art"),
    3: ("background", "art", "text"),
}


class DesignEngine:
    """The built-in engine. Thread-safe: it keeps no per-call state."""

    name = "design"
    capabilities = EngineCapabilities(
        native_alpha=True,
        vector=True,
        edits=True,
        variations=True,
        max_n=10,
        default_quality="medium",
    )

    def __init__(self, **options: object) -> None:
        if options:
            logger.info("design engine: ignoring options %s", sorted(options))
        fonts.preload()

    def design(self, spec: RenderSpec, index: int = 0) -> Design:
        """The composed scene of the index-th image (layout boxes, colours) without pixels."""
        brief = brief_module.parse(spec.prompt)
        transparent = spec.background == "transparent"
        seed = spec.image_seed(index)
        vivid = getattr(spec, "style", None)
        return compose(brief, spec.width, spec.height, seed, spec.quality, None, transparent, vivid)

    def check_spec(self, spec: RenderSpec) -> None:
        edits.check_spec(spec)

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        if spec.is_edit:
            return edits.generate_edit(self, spec, progress)
        brief = brief_module.parse(spec.prompt)
        transparent = spec.background == "transparent"
        factor = supersample_for(spec.quality, spec.width, spec.height)
        spec_size = (spec.width, spec.height)
        stages = PARTIAL_STAGES.get(spec.partial_images if progress is not None else 0, ())
        style = styles.style_of(brief)
        vivid = getattr(spec, "style", None)  # "vivid" | "natural" | None, where RenderSpec has it
        images: list[GeneratedImage] = []
        for index in range(spec.n):
            seed = spec.image_seed(index)
            rasters: list[render.Raster] = []

            def send(stage: str, raster: render.Raster, index=index) -> None:
                if stage in stages and progress is not None:
                    partial = Image.fromarray(raster.pixels(), "RGBA")
                    progress(index, spec.n, PartialImage(index, partial))

            def backdrop(scene, rasters=rasters, send=send, seed=seed):
                # Draw the backdrop once on the final surface and read it there when
                # the surface is at 1x and opaque; else measure a separate 1x render.
                raster = render.Raster(scene, supersample=factor)
                raster.draw_background(transparent=transparent)
                send("background", raster)
                raster.draw_art()
                if style is not None:
                    raster.restyle(lambda rgba: styles.apply(style, rgba, seed))
                send("art", raster)
                rasters.append(raster)
                if factor == 1 and not transparent and measure_scale(*spec_size) == 1.0:
                    return raster.pixels(), 1.0
                return measured_backdrop(scene, transparent)

            design = compose(
                brief, spec.width, spec.height, seed, spec.quality, backdrop, transparent, vivid
            )
            rasters[0].draw_top()
            image = Image.fromarray(rasters[0].pixels(), "RGBA")
            if not transparent:
                image.putalpha(255)
            credits = design.credits
            svg = None
            if spec.output_format == "svg":
                svg = render.to_svg(design.scene, transparent=transparent, credits=credits)
            images.append(
                GeneratedImage(
                    image=image, svg=svg, seed=seed, credits=credits, checklist=design.checklist
                )
            )
            if "text" in stages and progress is not None:
                progress(index, spec.n, PartialImage(index, image.copy()))
            if progress is not None:  # between images: a Cancelled raised here stops the work
                progress(index + 1, spec.n)
        return images
