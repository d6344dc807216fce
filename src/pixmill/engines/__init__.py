"""Engine registry: names to factories, imported only when an engine is built.

Built-in engines register here exactly as a third-party engine would, through
`register_engine(name, "package.module:factory")`. Heavy imports (torch,
diffusers) stay inside each engine's module.
"""

from __future__ import annotations

import importlib
from typing import Any

from pixmill.engines.base import (
    ArtComponent,
    Engine,
    EngineCapabilities,
    GeneratedImage,
    PartialImage,
    ProgressCallback,
    UpstreamReport,
)

__all__ = [
    "ArtComponent",
    "Engine",
    "EngineCapabilities",
    "GeneratedImage",
    "PartialImage",
    "ProgressCallback",
    "UpstreamReport",
    "available_engines",
    "build_engine",
    "register_engine",
]

_FACTORIES: dict[str, str] = {}


def register_engine(name: str, factory: str) -> None:
    """Register `factory` ("module:callable" taking keyword options) under `name`."""
    _FACTORIES[name] = factory


def available_engines() -> list[str]:
    return sorted(_FACTORIES)


def build_engine(name: str, **options: Any) -> Engine:
    """Import and build the engine registered as `name`."""
    try:
        target = _FACTORIES[name]
    except KeyError:
        known = ", ".join(available_engines())
        raise ValueError(f"Unknown engine {name!r}; known engines: {known}.") from None
    module_name, _, attr = target.partition(":")
    factory = getattr(importlib.import_module(module_name), attr)
    return factory(**options)


register_engine("design", "pixmill.engines.design:DesignEngine")
register_engine("diffusion", "pixmill.engines.diffusion:DiffusionEngine")
register_engine("openai", "pixmill.engines.upstream:OpenAIEngine")
register_engine("segmind", "pixmill.engines.upstream:SegmindEngine")
