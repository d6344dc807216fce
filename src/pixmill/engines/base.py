"""The Engine protocol: a RenderSpec in, n RGBA images of exactly the asked size out.

Engines never touch HTTP, credits or encoding. They declare what they can do in
`EngineCapabilities`, and report progress through an optional callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image

from pixmill.request import ConcreteQuality, RenderSpec

ProgressCallback = Callable[[int, int], None]
"""Called as progress(done, total) while an engine works; total is fixed for one call."""


@dataclass(frozen=True)
class EngineCapabilities:
    native_alpha: bool = False
    """Draws real transparency itself; otherwise the pipeline removes the background."""
    vector: bool = False
    """Can return each image as an SVG document too (output_format "svg")."""
    edits: bool = False
    max_n: int = 10
    """Largest n one generate() call takes; the pipeline splits bigger requests."""
    default_quality: ConcreteQuality = "medium"
    """What quality "auto" resolves to on this engine."""


@dataclass
class GeneratedImage:
    """One picture: always the raster (RGBA, exact size); the SVG when asked and vector."""

    image: Image.Image
    svg: bytes | None = None
    seed: int | None = None


@runtime_checkable
class Engine(Protocol):
    name: str
    capabilities: EngineCapabilities

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        """Make spec.n images. Blocking and CPU/GPU bound: callers run it off the event loop."""
        ...
