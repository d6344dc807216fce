"""Which models compose another model's art (issue 25), read from the configuration.

A design model's `art` option names the configured model that draws its main visual
(`pixmill.engines.design.art`). This module checks those names at start-up and orders
the building of engines; it imports no engine, so reading the configuration stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ART_OPTION = "art"
"""The design engine's option naming the model that draws the main visual."""


class ArtConfigError(ValueError):
    """An `art` option that names no usable model; raised at start-up."""


def art_option(engine: str, options: Mapping[str, Any]) -> str | None:
    """The model a configuration's `art` option names, if it is a design model with one."""
    value = options.get(ART_OPTION) if engine == "design" else None
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ArtConfigError(f"option {ART_OPTION!r} must name a configured model, not {value!r}")
    return value


def art_targets(
    engines: Mapping[str, tuple[str, Mapping[str, Any]]], aliases: Mapping[str, str]
) -> dict[str, str]:
    """Composed model -> the configured model drawing its art (aliases resolved), from
    name -> (engine, options). Refuses an unknown name, the model itself, or a cycle."""
    targets: dict[str, str] = {}
    for name, (engine, options) in engines.items():
        wanted = art_option(engine, options)
        if wanted is None:
            continue
        target = wanted if wanted in engines else aliases.get(wanted)
        if target is None or target not in engines:
            known = ", ".join(sorted(engines))
            raise ArtConfigError(
                f"model {name!r}: option 'art' names {wanted!r}, which is not a configured "
                f"model; configured models: {known}"
            )
        if target == name or engines[target] == engines[name]:
            raise ArtConfigError(
                f"model {name!r}: option 'art' names the model itself ({wanted!r}); name "
                "another configured model (a diffusion, gateway or design model)"
            )
        targets[name] = target
    for start in targets:
        path, seen = [start], {start}
        while path[-1] in targets:
            following = targets[path[-1]]
            if following in seen:
                loop = " -> ".join([*path[path.index(following) :], following])
                raise ArtConfigError(
                    f"model {start!r}: its 'art' options form a cycle ({loop}); one model "
                    "in it must draw its own pictures"
                )
            path.append(following)
            seen.add(following)
    return targets


def build_order(names: list[str], targets: Mapping[str, str]) -> list[str]:
    """The names with every art model before the composed models that use it."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if name in targets:
            visit(targets[name])
        order.append(name)

    for name in names:
        visit(name)
    return order


def art_prompt_of(catalog: Any, model: str | None, prompt: str) -> str | None:
    """The art prompt a model's engine writes for `prompt`; None for other engines."""
    if not model or model not in catalog:
        return None
    writer = getattr(catalog.get(model).engine, "art_prompt", None)
    return writer(prompt) if writer is not None else None
