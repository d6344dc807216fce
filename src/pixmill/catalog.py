"""The model catalogue: configured model names, their aliases, and the engines that serve them."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pixmill.engines import Engine, build_engine
from pixmill.engines.art_models import art_targets, build_order
from pixmill.errors import InvalidRequest
from pixmill.settings import ModelConfig


@dataclass(frozen=True)
class ModelEntry:
    name: str
    engine_name: str
    engine: Engine


class ModelCatalog:
    """Builds every configured engine once; names sharing a configuration share the engine.

    An alias is one more name for a configured model: it resolves to that model's entry,
    so it takes its engine, limits and prices.
    """

    def __init__(
        self,
        table: dict[str, ModelConfig],
        engines: Mapping[str, Engine] | None = None,
        aliases: Mapping[str, str] | None = None,
    ):
        """`engines` gives ready instances by engine name, used instead of building them;
        `aliases` maps more names to names in `table` (names in `table` win)."""
        self.created = int(time.time())
        """When this catalogue was built: the `created` of every model /v1/models lists."""
        ready = dict(engines or {})
        built: dict[str, Engine] = {}
        made: dict[str, ModelEntry] = {}
        # A design model with an `art` option is built after the model it names (art.py).
        configs = {name: (config.engine, config.options) for name, config in table.items()}
        targets = art_targets(configs, aliases or {})
        for name in build_order(list(table), targets):
            config = table[name]
            key = config.engine + json.dumps(config.options, sort_keys=True, default=str)
            if key not in built:
                if name in targets:
                    from pixmill.engines.design.art import ArtModel, ComposedEngine

                    art = made[targets[name]]
                    built[key] = ComposedEngine(
                        ArtModel(art.name, art.engine_name, art.engine), **config.options
                    )
                else:
                    built[key] = ready.get(config.engine) or build_engine(
                        config.engine, **config.options
                    )
            made[name] = ModelEntry(name, config.engine, built[key])
        self._entries: dict[str, ModelEntry] = {name: made[name] for name in table}
        self._aliases: dict[str, str] = {}
        for alias, target in (aliases or {}).items():
            if alias in self._entries:
                continue
            if target not in self._entries:
                known = ", ".join(sorted(self._entries))
                raise ValueError(
                    f"model alias {alias!r} points to {target!r}, which is not a configured "
                    f"model; configured models: {known}"
                )
            self._aliases[alias] = target

    def __contains__(self, name: str) -> bool:
        return name in self._entries or name in self._aliases

    def entries(self) -> list[ModelEntry]:
        """The configured models, aliases aside."""
        return list(self._entries.values())

    def aliases(self) -> dict[str, str]:
        """Alias -> the configured model it resolves to."""
        return dict(self._aliases)

    def get(self, name: str) -> ModelEntry:
        """The entry of a configured model, or of the model an alias names."""
        try:
            return self._entries[self._aliases.get(name, name)]
        except KeyError:
            known = ", ".join(sorted([*self._entries, *self._aliases]))
            raise InvalidRequest(
                f"Invalid value for 'model': {name!r}. Available models: {known}.", param="model"
            ) from None
