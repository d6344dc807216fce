"""Service routes: health, the model list, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pixmill.api.generation import app_state

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


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
                "capabilities": {"edit": entry.engine.capabilities.edits},
            }
            for entry in entries
        ],
    }


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    state = app_state(request)
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
