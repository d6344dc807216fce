"""The app factory: builds everything from Settings, with no import-time side effects."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI

from pixmill import __version__
from pixmill.accounts.keys import StaticKeys
from pixmill.api import openai, segmind, system
from pixmill.api.errors import install_error_handlers
from pixmill.api.generation import AppState
from pixmill.api.metrics import Metrics
from pixmill.engines import Engine
from pixmill.service import ImageService
from pixmill.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, engines: Mapping[str, Engine] | None = None):
    """Build the ASGI app. `engines` supplies ready engine instances by engine name."""
    settings = settings or Settings()
    keys = StaticKeys(settings.api_keys)
    if keys.open:
        log.warning("No PIXMILL_API_KEYS set: the server accepts any caller.")
    app = FastAPI(
        title="pixmill",
        version=__version__,
        description="Self-hosted, GPT-Image-1 compatible image generation API.",
    )
    app.state.pixmill = AppState(
        settings=settings,
        service=ImageService.from_settings(settings, engines),
        keys=keys,
        metrics=Metrics(),
    )
    install_error_handlers(app)
    app.include_router(system.router)
    app.include_router(openai.router)
    # Last: its /v1/{model} path would otherwise shadow the routes above.
    app.include_router(segmind.router)
    return app
