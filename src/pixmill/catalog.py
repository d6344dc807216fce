"""The model catalogue: configured model names and the engines that serve them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from pixmill.engines import Engine, build_engine
from pixmill.errors import InvalidRequest
from pixmill.settings import ModelConfig


@dataclass(frozen=True)
class ModelEntry:
    name: str
    engine_name: str
    engine: Engine


class ModelCatalog:
    """Builds every configured engine once; names sharing a configuration share the engine."""

    def __init__(self, table: dict[str, ModelConfig], engines: Mapping[str, Engine] | None = None):
        """`engines` gives ready instances by engine name, used instead of building them."""
        ready = dict(engines or {})
        built: dict[str, Engine] = {}
        self._entries: dict[str, ModelEntry] = {}
        for name, config in table.items():
            key = config.engine + json.dumps(config.options, sort_keys=True, default=str)
            if key not in built:
                built[key] = ready.get(config.engine) or build_engine(
                    config.engine, **config.options
                )
            self._entries[name] = ModelEntry(name, config.engine, built[key])

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def entries(self) -> list[ModelEntry]:
        return list(self._entries.values())

    def get(self, name: str) -> ModelEntry:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries))
            raise InvalidRequest(
                f"Invalid value for 'model': {name!r}. Available models: {known}.", param="model"
            ) from None
