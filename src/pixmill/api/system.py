"""Service routes: liveness, readiness, the model list, Prometheus metrics."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pixmill.api.errors import Dialect
from pixmill.api.generation import app_state
from pixmill.api.responses import error_responses
from pixmill.catalog import ModelCatalog
from pixmill.errors import NotFound, ServiceUnavailable
from pixmill.parts import describe, missing_parts

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
        "the default, requests pass unchecked while it is away, so it is not needed. "
        "The result store's bucket is checked when results are kept in one. "
        "`missing_parts`, present when some are, lists parts of the base install this "
        "server lacks, with the features that answer 503 `missing_part` for them; they do "
        "not fail readiness."
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
    if state.settings.result_store != "database":
        try:
            await anyio.to_thread.run_sync(state.scheduler.store.blobs.ping)
            checks["result_store"] = "ok"
        except ServiceUnavailable:
            checks["result_store"] = "unavailable"
    if state.settings.rate_limit_fail_closed:
        try:
            await state.limiter.ping()
            checks["rate_limits"] = "ok"
        except ServiceUnavailable:
            checks["rate_limits"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": checks}
    missing = [describe(part) for part in missing_parts()]
    if missing:
        body["missing_parts"] = missing
    return JSONResponse(
        body,
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": str(READY_RETRY_AFTER)},
    )


@router.get("/v1/models", summary="Configured models and their aliases")
async def list_models(request: Request) -> dict[str, object]:
    catalog = app_state(request).service.catalog
    names = [entry.name for entry in catalog.entries()] + list(catalog.aliases())
    return {"object": "list", "data": [model_object(catalog, name) for name in names]}


@router.get(
    "/v1/models/{model_id}",
    summary="One model or alias",
    responses=error_responses(Dialect.OPENAI, (404,)),
)
async def retrieve_model(model_id: str, request: Request) -> dict[str, object]:
    catalog = app_state(request).service.catalog
    if model_id not in catalog:
        raise NotFound(
            f"The model '{model_id}' does not exist on this server.",
            param="model",
            code="model_not_found",
        )
    return model_object(catalog, model_id)


def model_object(catalog: ModelCatalog, name: str) -> dict[str, object]:
    """OpenAI's Model object, with pixmill's `engine` (and `alias_for`, for an alias)."""
    entry = catalog.get(name)
    body: dict[str, object] = {
        "id": name,
        "object": "model",
        "created": catalog.created,
        "owned_by": "pixmill",
        "engine": entry.engine_name,
        "capabilities": {
            "edit": entry.engine.capabilities.edits,
            "variation": entry.engine.capabilities.variations,
        },
    }
    if entry.name != name:
        body["alias_for"] = entry.name
    return body


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    state = app_state(request)
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
