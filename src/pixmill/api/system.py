"""Service routes: liveness, readiness, the model list, Prometheus metrics."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pixmill.accounts.pricing import PriceTable
from pixmill.api.errors import Dialect
from pixmill.api.generation import app_state
from pixmill.api.responses import error_responses
from pixmill.api.workers import queues_without_workers
from pixmill.catalog import ModelCatalog, ModelEntry
from pixmill.errors import NotFound, ServiceUnavailable
from pixmill.parts import describe, missing_parts
from pixmill.usage import format_credits

router = APIRouter(tags=["system"])

READY_RETRY_AFTER = 5


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database answers (and Redis, when rate limits fail closed)",
    description=(
        "200 when every dependency a request needs answers and every model's engine is "
        "ready; 503 with `Retry-After` otherwise. A diffusion engine measuring the fastest "
        "path on a new machine is listed under `model NAME` with its progress until it is "
        "ready (requests wait for it meanwhile). Redis is checked only with "
        "`PIXMILL_RATE_LIMIT_FAIL_CLOSED`: under the default, requests pass unchecked "
        "while it is away, so it is not needed. "
        "The result store's bucket is checked when results are kept in one. "
        "`queues_without_workers` lists the job queues no live worker serves (by "
        "heartbeat): calls for their models wait for one (sync) or queue (async), so "
        "they do not make the replica unready."
        " `missing_parts`, present when some are, lists parts of the base install this "
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
    for entry in state.service.catalog.entries():
        # An engine still measuring its path on this machine says how far it is.
        readiness = getattr(entry.engine, "readiness", "ok")
        if readiness != "ok":
            checks[f"model {entry.name}"] = readiness
    ready = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if checks["database"] == "ok":
        # Listed, not failed: workers restarting must not take API replicas out of a
        # load balancer (async calls still queue for them).
        body["queues_without_workers"] = await queues_without_workers(state)
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
    summary="One model or alias, with its prices",
    description=(
        "OpenAI's Model object, with pixmill's extensions: `engine`, `capabilities`, "
        "`alias_for` (an alias's model) and `pricing`, what a call costs before it is "
        "made. `pricing.per_image` holds credits per image by quality and size; a size "
        "not listed costs the `*` price where there is one, else the `1024x1024` price "
        "scaled by area. Quality `auto` is `pricing.default_quality`. An edit adds its "
        "input images' tokens at `pricing.input_image_tokens_per_million` credits per "
        "million (docs/accounts.md)."
    ),
    responses=error_responses(Dialect.OPENAI, (404,)),
)
async def retrieve_model(model_id: str, request: Request) -> dict[str, object]:
    state = app_state(request)
    catalog = state.service.catalog
    if model_id not in catalog:
        raise NotFound(
            f"The model '{model_id}' does not exist on this server.",
            param="model",
            code="model_not_found",
        )
    body = model_object(catalog, model_id)
    body["pricing"] = pricing(state.accounts.prices, catalog.get(model_id))
    return body


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


def pricing(prices: PriceTable, entry: ModelEntry) -> dict[str, object]:
    """What the model's calls cost, in credits as decimal strings (pixmill's extension)."""
    return {
        "unit": "credits",
        "default_quality": entry.engine.capabilities.default_quality,
        "per_image": {
            quality: {size: format_credits(micro) for size, micro in sizes.items()}
            for quality, sizes in prices.listing(entry.name).items()
        },
        "input_image_tokens_per_million": format_credits(prices.input_per_million(entry.name)),
    }


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    state = app_state(request)
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
