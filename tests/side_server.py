"""Serve an app a test has built (e.g. with an extra route) beside the module's server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sanic import Sanic

from sheda import db
from sheda.config import Settings
from tests.support import LiveServer, free_port


class AppServer(LiveServer):
    """LiveServer for a given app (LiveServer itself builds its own)."""

    def __init__(self, app: Sanic, settings: Settings) -> None:
        self.settings = settings
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None


@asynccontextmanager
async def serve_beside(
    app: Sanic, module_server: LiveServer, settings: Settings | None = None
) -> AsyncIterator[str]:
    """Yield the URL of ``app`` served on loopback. Its listeners open and close Tortoise's
    process-wide connections, so the module server's are opened again afterwards; the
    module server must therefore be running (request the ``server`` fixture)."""
    extra = AppServer(app, settings or module_server.settings)
    await extra.start()
    try:
        yield extra.url
    finally:
        await extra.stop()
        await db.init_db(module_server.settings)
