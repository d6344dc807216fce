"""A deterministic fake engine for fast tests of everything around the engines."""

from __future__ import annotations

import threading
import time

import numpy as np
from PIL import Image

from pixmill.engines import EngineCapabilities, GeneratedImage, ProgressCallback
from pixmill.request import RenderSpec


class FakeEngine:
    """Seeded noise over a gradient; optionally slow, failing, or without alpha and vectors."""

    name = "fake"

    def __init__(
        self,
        *,
        delay: float = 0.0,
        fail: bool = False,
        native_alpha: bool = True,
        vector: bool = True,
        max_n: int = 10,
    ):
        self.delay = delay
        self.fail = fail
        self.capabilities = EngineCapabilities(
            native_alpha=native_alpha, vector=vector, max_n=max_n
        )
        self.calls: list[RenderSpec] = []
        self.started = threading.Event()

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        self.calls.append(spec)
        self.started.set()
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("fake engine failure")
        images = []
        for index in range(spec.n):
            seed = spec.image_seed(index)
            rng = np.random.default_rng(seed)
            ramp = np.linspace(0, 255, spec.width, dtype=np.float32)[None, :, None]
            noise = rng.integers(0, 64, (spec.height, spec.width, 3)).astype(np.float32)
            rgb = np.clip(ramp * 0.75 + noise, 0, 255).astype(np.uint8)
            alpha = np.full((spec.height, spec.width, 1), 255, np.uint8)
            if spec.background == "transparent":
                alpha[: spec.height // 4] = 0
            image = Image.fromarray(np.concatenate([rgb, alpha], axis=2), "RGBA")
            svg = None
            if spec.output_format == "svg":
                svg = (
                    f'<svg xmlns="http://www.w3.org/2000/svg" width="{spec.width}" '
                    f'height="{spec.height}"><rect width="100%" height="100%" '
                    f'fill="#{seed % 0xFFFFFF:06x}"/></svg>'
                ).encode()
            images.append(GeneratedImage(image=image, svg=svg, seed=seed))
            if progress:
                progress(index + 1, spec.n)
        return images
