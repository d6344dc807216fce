"""The app factory: builds everything from Settings, with no import-time side effects."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pixmill import __version__
from pixmill.accounts.ratelimit import RateLimiter
from pixmill.accounts.store import AccountStore
from pixmill.accounts.usage_log import UsageWriter
from pixmill.api import admin, openai, segmind, system
from pixmill.api.errors import install_error_handlers
from pixmill.api.generation import AppState
from pixmill.api.metrics import Metrics
from pixmill.engines import Engine
from pixmill.service import ImageService
from pixmill.settings import Settings

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, engines: Mapping[str, Engine] | None = None
) -> FastAPI:
    """Build the ASGI app. `engines` supplies ready engine instances by engine name."""
    settings = settings or Settings()
    accounts = AccountStore.open(settings)
    accounts.db.upgrade()
    usage_writer = UsageWriter(accounts.usage)
    metrics = Metrics()
    limiter = RateLimiter(
        settings.rate_limit_storage,
        fail_closed=settings.rate_limit_fail_closed,
        on_unchecked=metrics.rate_limits_unchecked.inc,
    )
    service = ImageService.from_settings(settings, engines)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if any(not entry.engine.capabilities.native_alpha for entry in service.catalog.entries()):
            # The first matting call compiles numba kernels (~30 s on a fresh machine):
            # pay that now, in the background, not on a client's request.
            threading.Thread(
                target=service.background_remover.warm_up, name="warm-up", daemon=True
            ).start()
        yield
        service.close()
        await limiter.aclose()
        usage_writer.close()
        accounts.db.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="pixmill",
        version=__version__,
        description="Self-hosted, GPT-Image-1 compatible image generation API.",
    )
    app.state.pixmill = AppState(
        settings=settings,
        service=service,
        accounts=accounts,
        usage_writer=usage_writer,
        limiter=limiter,
        metrics=metrics,
    )
    install_error_handlers(app)
    app.include_router(system.router)
    app.include_router(openai.router)
    if settings.admin_token is not None:
        app.include_router(admin.router)
    # Last: its /v1/{model} path would otherwise shadow the routes above.
    app.include_router(segmind.router)
    return app
