"""Per-model options of an upstream engine, checked once when the catalogue is built."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from pixmill.request import STANDARD_SIZES, ConcreteQuality

RASTER_FORMATS = ("png", "jpeg", "webp")
QUALITIES = get_args(ConcreteQuality)


@dataclass(frozen=True)
class UpstreamOptions:
    """Where the provider is, how to call it, and what it can make.

    The operator's key is kept out of repr() so that no log line or traceback shows it.
    """

    base_url: str
    api_key: str = field(repr=False)
    model: str
    timeout: float = 180.0
    """Seconds to wait for an answer: GPT-Image calls take up to about two minutes."""
    connect_timeout: float = 10.0
    max_retries: int = 2
    """Retries after a 429 or 5xx answer or a failed connection; 0 turns retrying off."""
    backoff: float = 1.0
    """First wait before a retry, in seconds, doubled each time, when no Retry-After is given."""
    max_backoff: float = 30.0
    """Longest wait before a retry; an upstream asking for longer fails the request at once."""
    moderate_output: bool = False
    """Run pixmill's image moderation on the provider's output too (it moderates its own)."""
    native_alpha: bool = True
    """The provider makes transparent backgrounds; otherwise pixmill removes the background."""
    output_formats: tuple[str, ...] = RASTER_FORMATS
    """Formats the provider encodes; pixmill converts to the others from png."""
    sizes: tuple[str, ...] | None = STANDARD_SIZES
    """Sizes the provider makes; None: any size pixmill accepts."""
    qualities: tuple[str, ...] = ("low", "medium", "high")
    default_quality: ConcreteQuality = "medium"
    """What quality "auto" resolves to (pixmill resolves it, so the charge is known before)."""
    max_n: int = 10
    """Images one upstream call may make; larger requests are split into concurrent calls."""
    edit_model: str | None = None
    """Segmind: the model that edits (default `{model}-edit`, as gpt-image-1-edit)."""


def parse_options(
    engine: str,
    options: dict[str, Any],
    *,
    default_base_url: str,
    default_key_env: str,
    default_model: str,
    default_max_n: int,
) -> UpstreamOptions:
    """Build UpstreamOptions from a model's JSON options; raise ValueError naming the problem."""
    options = dict(options)
    api_key = options.pop("api_key", None)
    key_env = options.pop("api_key_env", None)
    if api_key is None:
        key_env = key_env or default_key_env
        api_key = os.environ.get(key_env)
        if not api_key:
            raise ValueError(
                f"the {engine} engine needs the operator's key: set the environment variable "
                f"{key_env}, or name another with the option 'api_key_env'"
            )
    known = {name for name in UpstreamOptions.__dataclass_fields__} - {"api_key"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown {engine} engine options: {', '.join(unknown)}")
    values: dict[str, Any] = {
        "base_url": default_base_url,
        "model": default_model,
        "max_n": default_max_n,
    } | options
    values["base_url"] = str(values["base_url"]).rstrip("/")
    for name in ("output_formats", "sizes", "qualities"):
        if isinstance(values.get(name), Sequence) and not isinstance(values[name], str):
            values[name] = tuple(values[name])
    parsed = UpstreamOptions(api_key=str(api_key), **values)
    _check(engine, parsed)
    return parsed


def _check(engine: str, options: UpstreamOptions) -> None:
    if not options.output_formats or not set(options.output_formats) <= set(RASTER_FORMATS):
        raise ValueError(f"{engine} engine: 'output_formats' must be some of {RASTER_FORMATS}")
    if "png" not in options.output_formats:
        raise ValueError(f"{engine} engine: 'output_formats' must include 'png'")
    if not set(options.qualities) <= set(QUALITIES) or options.default_quality not in QUALITIES:
        raise ValueError(f"{engine} engine: qualities must be some of {QUALITIES}")
    if options.timeout <= 0 or options.connect_timeout <= 0:
        raise ValueError(f"{engine} engine: timeouts must be positive")
    if options.max_retries < 0 or options.backoff < 0 or options.max_backoff < 0:
        raise ValueError(f"{engine} engine: retries and backoff must not be negative")
    if options.max_n < 1:
        raise ValueError(f"{engine} engine: 'max_n' must be at least 1")
