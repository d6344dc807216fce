"""A job's URLs and timing figures, as the async API and webhooks show them."""

from __future__ import annotations

from typing import Any

from pixmill.jobs.store import Job


def job_links(base_url: str, job_id: str) -> dict[str, str]:
    base = base_url.rstrip("/")
    return {
        "poll_url": f"{base}/v1/requests/{job_id}",
        "status_url": f"{base}/v2/requests/{job_id}/status",
        "response_url": f"{base}/v2/requests/{job_id}",
        "events_url": f"{base}/v2/requests/{job_id}/events",
    }


def job_metrics(job: Job) -> dict[str, Any]:
    """When the job was made, how long it waited in its queue, and how long it ran."""
    queued = run = None
    if job.started_at is not None:
        queued = round((job.started_at - job.created_at).total_seconds(), 3)
        if job.finished_at is not None:
            run = round((job.finished_at - job.started_at).total_seconds(), 3)
    elif job.finished_at is not None:
        queued = round((job.finished_at - job.created_at).total_seconds(), 3)
    return {
        "created_at": job.created_at.isoformat(),
        "queue_seconds": queued,
        "run_seconds": run,
    }
