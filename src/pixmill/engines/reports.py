"""What upstream engines (gateway mode) report of their calls, folded into one result."""

from __future__ import annotations

from dataclasses import replace

from pixmill.engines.base import UpstreamReport
from pixmill.errors import InvalidRequest
from pixmill.request import CONCRETE_QUALITIES, RenderSpec, parse_size
from pixmill.usage import Usage


def reported_spec(
    spec: RenderSpec, reports: list[UpstreamReport], *, keep_background: bool
) -> RenderSpec:
    """The spec with the values an upstream says it used, where it said and they are valid.

    The delivered format is always pixmill's (it may have converted), and so is the
    background when pixmill removed it itself.
    """
    if not reports:
        return spec
    report = reports[0]
    changes: dict[str, object] = {}
    if report.quality in CONCRETE_QUALITIES:
        changes["quality"] = report.quality
    if report.background in ("opaque", "transparent") and not keep_background:
        changes["background"] = report.background
    if report.size:
        try:
            size = parse_size(report.size)
        except InvalidRequest:
            size = None
        if size:
            changes["width"], changes["height"] = size
    return replace(spec, **changes) if changes else spec  # type: ignore[arg-type]


def delivered_usage(reports: list[UpstreamReport], delivered: int) -> Usage | None:
    """The upstream's usage, its output tokens scaled to the images delivered; None if unknown."""
    if not reports or any(report.usage is None for report in reports):
        return None
    made = sum(report.images for report in reports)
    input_tokens = sum(report.usage.input_tokens for report in reports if report.usage)
    output_tokens = sum(report.usage.output_tokens for report in reports if report.usage)
    image_tokens = sum(report.usage.image_input_tokens for report in reports if report.usage)
    if made and delivered < made:
        output_tokens = output_tokens * delivered // made
    return Usage(
        input_tokens=input_tokens, output_tokens=output_tokens, image_input_tokens=image_tokens
    )


def upstream_cost(reports: list[UpstreamReport]) -> int | None:
    """What the provider charged for every call; None when no call or any call did not say."""
    if not reports or any(report.cost_micro is None for report in reports):
        return None
    return sum(report.cost_micro or 0 for report in reports)
