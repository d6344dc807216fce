"""A deterministic fake engine for fast tests of everything around the engines."""

from __future__ import annotations

import threading
import time

import numpy as np
from PIL import Image

from pixmill.engines import EngineCapabilities, GeneratedImage, PartialImage, ProgressCallback
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


class SteppedEngine(FakeEngine):
    """Renders in `steps` steps, reporting progress (and partial images when asked) after
    each; with `gate`, every step waits until the test sets it, so a test can hold a job
    in PROCESSING for as long as it needs."""

    def __init__(self, *, steps: int = 4, step_delay: float = 0.0, gate: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.steps = steps
        self.step_delay = step_delay
        self.gate = threading.Event()
        if not gate:
            self.gate.set()
        self.finished = threading.Event()

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        self.calls.append(spec)
        self.started.set()
        partials_at = _spread(spec.partial_images, self.steps)
        for step in range(1, self.steps + 1):
            if not self.gate.wait(60):
                raise RuntimeError("the test never opened the gate")
            if self.step_delay:
                time.sleep(self.step_delay)
            if progress is not None:
                for index in range(spec.n):
                    partial = None
                    if step in partials_at:
                        shade = int(255 * step / self.steps)
                        image = Image.new("RGBA", (spec.width, spec.height), (shade, 0, 0, 255))
                        partial = PartialImage(index, image)
                    progress(step * spec.n - (spec.n - index - 1), self.steps * spec.n, partial)
        images = FakeEngine(native_alpha=self.capabilities.native_alpha).generate(spec)
        self.finished.set()
        return images


def _spread(count: int, steps: int) -> set[int]:
    """Which steps send a partial image: `count` of them, evenly, never the last."""
    if count <= 0:
        return set()
    return {max(1, round(steps * (i + 1) / (count + 1))) for i in range(count)}


class SleepyEngine:
    """Holds its slot for `seconds` per image without using the CPU, as a GPU would, and
    reports progress every 50 ms so that a cancel stops it. For subprocess tests and
    benchmarks: registered by name (`tests.processes`), built from PIXMILL_ENGINE_OPTIONS."""

    name = "sleepy"

    def __init__(self, seconds: float = 1.0):
        self.seconds = float(seconds)
        self.capabilities = EngineCapabilities(native_alpha=True, vector=False)

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        steps = max(1, round(self.seconds / 0.05))
        images = []
        for index in range(spec.n):
            for step in range(steps):
                time.sleep(self.seconds / steps)
                if progress is not None:
                    progress(index * steps + step + 1, spec.n * steps)
            colour = (spec.image_seed(index) % 256, 90, 160, 255)
            images.append(
                GeneratedImage(
                    Image.new("RGBA", (spec.width, spec.height), colour),
                    seed=spec.image_seed(index),
                )
            )
        return images
