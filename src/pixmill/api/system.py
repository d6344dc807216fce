"""Service routes: liveness, readiness, the model list, Prometheus metrics."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pixmill.api.generation import app_state
from pixmill.errors import ServiceUnavailable

router = APIRouter(tags=["system"])

READY_RETRY_AFTER = 5


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database answers (and Redis, when rate limits fail closed)",
    description=(
        "200 when every dependency a request needs answers; 503 with `Retry-After` "
        "otherwise. Redis is checked only with `PIXMILL_RATE_LIMIT_FAIL_CLOSED`: under "
        "the default, requests pass unchecked while it is away, so it is not needed."
    ),
    responses={503: {"description": "A dependency is away.", "headers": {"Retry-After": {
        "schema": {"type": "string"}}}}},
)  # fmt: skip
async def readyz(request: Request) -> JSONResponse:
    state = app_state(request)
    checks: dict[str, str] = {}
    try:
        await anyio.to_thread.run_sync(state.accounts.db.ping)
        checks["database"] = "ok"
    except ServiceUnavailable:
        checks["database"] = "unavailable"
    if state.settings.rate_limit_fail_closed:
        try:
            await state.limiter.ping()
            checks["rate_limits"] = "ok"
        except ServiceUnavailable:
            checks["rate_limits"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": str(READY_RETRY_AFTER)},
    )


@router.get("/v1/models", summary="Configured models")
async def list_models(request: Request) -> dict[str, object]:
    entries = app_state(request).service.catalog.entries()
    return {
        "object": "list",
        "data": [
            {
                "id": entry.name,
                "object": "model",
                "owned_by": "pixmill",
                "engine": entry.engine_name,
            }
            for entry in entries
        ],
    }


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    state = app_state(request)
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
