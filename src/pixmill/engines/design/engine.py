"""DesignEngine: procedural typography and vector scenes, no model weights.

For each image: read the prompt (`brief`), compose a vector scene from the seed
(`compose`), rasterise it with skia (`render`), and when asked draw the same scene
as an SVG document with text as outlines.
"""

from __future__ import annotations

import logging

from PIL import Image

from pixmill.engines.base import EngineCapabilities, GeneratedImage, ProgressCallback
from pixmill.engines.design import brief as brief_module
from pixmill.engines.design import edits, fonts, render
from pixmill.engines.design.compose import (
    Design,
    compose,
    measure_scale,
    measured_backdrop,
    supersample_for,
)
from pixmill.request import RenderSpec

logger = logging.getLogger("pixmill.engines.design")


class DesignEngine:
    """The built-in engine. Thread-safe: it keeps no per-call state."""

    name = "design"
    capabilities = EngineCapabilities(
        native_alpha=True, vector=True, edits=True, max_n=10, default_quality="medium"
    )

    def __init__(self, **options: object) -> None:
        if options:
            logger.info("design engine: ignoring options %s", sorted(options))
        fonts.preload()

    def design(self, spec: RenderSpec, index: int = 0) -> Design:
        """The composed scene of the index-th image (layout boxes, colours) without pixels."""
        brief = brief_module.parse(spec.prompt)
        return compose(brief, spec.width, spec.height, spec.image_seed(index), spec.quality)

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
        images: list[GeneratedImage] = []
        for index in range(spec.n):
            seed = spec.image_seed(index)
            rasters: list[render.Raster] = []

            def backdrop(scene, rasters=rasters):
                # Draw the backdrop once on the final surface and read it there when
                # the surface is at 1x and opaque; else measure a separate 1x render.
                raster = render.Raster(scene, supersample=factor)
                raster.draw_backdrop(transparent=transparent)
                rasters.append(raster)
                if factor == 1 and not transparent and measure_scale(*spec_size) == 1.0:
                    return raster.pixels(), 1.0
                return measured_backdrop(scene)

            design = compose(brief, spec.width, spec.height, seed, spec.quality, backdrop)
            rasters[0].draw_top()
            image = Image.fromarray(rasters[0].pixels(), "RGBA")
            if not transparent:
                image.putalpha(255)
            svg = None
            if spec.output_format == "svg":
                svg = render.to_svg(design.scene, transparent=transparent)
            images.append(GeneratedImage(image=image, svg=svg, seed=seed))
            if progress is not None:
                progress(index + 1, spec.n)
        return images
