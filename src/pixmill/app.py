"""The app factory: builds everything from Settings, with no import-time side effects."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from pixmill import __version__
from pixmill.accounts.ratelimit import RateLimiter
from pixmill.api import admin, image_links, jobs, openai, playground, segmind, system
from pixmill.api.answer_headers import AnswerHeaders
from pixmill.api.errors import install_error_handlers
from pixmill.api.generation import AppState
from pixmill.api.metrics import Metrics
from pixmill.engines import Engine
from pixmill.jobs.assembly import JobSystem
from pixmill.jobs.metrics import observe_jobs
from pixmill.parts import missing_parts
from pixmill.settings import Settings
from pixmill.usage import format_credits

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, engines: Mapping[str, Engine] | None = None
) -> FastAPI:
    """Build the ASGI app. `engines` supplies ready engine instances by engine name."""
    settings = settings or Settings()
    parts = JobSystem.build(settings, engines)
    accounts, service, scheduler = parts.accounts, parts.service, parts.scheduler
    metrics = Metrics()
    limiter = RateLimiter(
        settings.rate_limit_storage,
        fail_closed=settings.rate_limit_fail_closed,
        on_unchecked=metrics.rate_limits_unchecked.inc,
    )
    observe_jobs(metrics, scheduler)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for part in missing_parts():
            log.warning("missing part, its features answer 503: %s", part.message)
        # Models, the PNG encoder and numba's matting kernels (~30 s on a fresh machine)
        # load now, in the background, not on a client's first request.
        threading.Thread(target=service.warm_up, name="warm-up", daemon=True).start()
        await anyio.to_thread.run_sync(scheduler.start)
        try:
            yield
        finally:
            # Stop taking jobs and let running ones finish before the engines close.
            await anyio.to_thread.run_sync(scheduler.stop)
        await limiter.aclose()
        parts.close()

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
        usage_writer=parts.usage_writer,
        limiter=limiter,
        metrics=metrics,
        scheduler=scheduler,
    )
    install_error_handlers(app)

    def balance(secret: str) -> str:
        account_id = accounts.keys.authenticate(secret).account_id
        return format_credits(accounts.ledger.balance(account_id))

    app.add_middleware(AnswerHeaders, balance=balance)
    app.include_router(system.router)
    app.include_router(openai.router)
    app.include_router(image_links.router)
    app.include_router(jobs.router)
    if settings.admin_token is not None:
        app.include_router(admin.router)
    app.include_router(playground.router)
    # Last: its /v1/{model} path would otherwise shadow the routes above.
    app.include_router(segmind.router)
    return app
