"""Service routes: health, the model list, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pixmill.api.generation import app_state
from pixmill.catalog import ModelCatalog
from pixmill.errors import NotFound

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/models", summary="Configured models and their aliases")
async def list_models(request: Request) -> dict[str, object]:
    catalog = app_state(request).service.catalog
    names = [entry.name for entry in catalog.entries()] + list(catalog.aliases())
    return {"object": "list", "data": [model_object(catalog, name) for name in names]}


@router.get("/v1/models/{model_id}", summary="One model or alias")
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
    }
    if entry.name != name:
        body["alias_for"] = entry.name
    return body


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    state = app_state(request)
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
