"""A finished job as the pipeline's own result type, read back from the job store."""

from __future__ import annotations

from pixmill.errors import ApiError, Cancelled, ModerationBlocked
from pixmill.jobs.store import CANCELLED, COMPLETED, Job, StoredImage
from pixmill.jobs.worker import spec_from_dict
from pixmill.service import EncodedImage, ImageResult
from pixmill.usage import Usage


def result_of(job: Job, images: list[StoredImage]) -> ImageResult:
    """The ImageResult of a COMPLETED job."""
    assert job.status == COMPLETED and job.result is not None
    outcome = job.result
    return ImageResult(
        request_id=job.id,
        created=outcome["created"],
        spec=spec_from_dict(outcome["spec"]),
        images=[EncodedImage(image.data, image.media_type, image.seed) for image in images],
        withheld=outcome["withheld"],
        usage=Usage(**outcome["usage_tokens"]),
        seconds=outcome["seconds"],
        cost_micro=outcome["cost_micro"],
        withheld_category=outcome.get("withheld_category"),
        upstream_cost_micro=outcome.get("upstream_cost_micro"),
    )


def error_of(job: Job) -> ApiError:
    """The error a FAILED or CANCELLED job ended with, as it was raised in the worker."""
    if job.status == CANCELLED:
        return Cancelled("The request was cancelled before it finished; nothing was charged.")
    error = job.error or {}
    message = error.get("message", "The request failed.")
    if error.get("code") == "moderation_blocked":
        return ModerationBlocked(message, stage=error.get("stage"), category=error.get("category"))
    failure = ApiError(
        message, param=error.get("param"), code=error.get("code"), status=error.get("status")
    )
    failure.type = error.get("type", failure.type)
    if error.get("retry_after"):
        failure.headers["Retry-After"] = error["retry_after"]
    return failure
