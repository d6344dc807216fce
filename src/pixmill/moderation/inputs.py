"""Moderation of an edit's input images, before anything is rendered or charged.

    error = blocked_input(moderator, spec.inputs, spec.moderation)
    if error: raise error     # 400 moderation_blocked naming the image ("image[1]")

Each image is classified from a small preview (`pixmill.imaging.inputs.preview`), all
in one model call. The mask is not classified: it only says where the picture may change.
"""

from __future__ import annotations

from collections.abc import Sequence

from pixmill.errors import ModerationBlocked
from pixmill.imaging.inputs import preview
from pixmill.moderation.images import ImageModerator
from pixmill.moderation.verdicts import ModerationLevel
from pixmill.request import InputImage


def blocked_input(
    moderator: ImageModerator, inputs: Sequence[InputImage], level: ModerationLevel
) -> ModerationBlocked | None:
    """The error for the first input image the classifier blocks at `level`, or None.

    Blocking (a model call); run it off the event loop.
    """
    if not inputs:
        return None
    verdicts = moderator.check([preview(image) for image in inputs], level)
    for image, verdict in zip(inputs, verdicts, strict=True):
        if verdict.blocked:
            return ModerationBlocked(
                f"Your request was rejected by the safety system: the image '{image.param}' "
                "is not allowed.",
                stage="input_image",
                category=verdict.category,
                param=image.param,
            )
    return None
