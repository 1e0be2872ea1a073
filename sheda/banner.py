"""What the server says when it starts: one log line (in every log format) with the real
mode, what it runs on and where the docs are; and Sanic's banner, whose "mode" means debug
or not, made to say Sheda's mode instead (it said "production" in development)."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Sanic

from sheda.config import Settings, mask_url_password

logger = logging.getLogger("sheda")


def runs_on(settings: Settings) -> str:
    """The run mode in a few words: database, chat fan-out, mail."""
    if settings.uses_postgres:
        database = "PostgreSQL " + mask_url_password(settings.database_url).split("@")[-1]
    else:
        database = "SQLite " + settings.database_url.removeprefix("sqlite://")
    chat = "Redis fan-out" if settings.redis_url else "in-process chat hub"
    mail = f"SMTP {settings.smtp_host}" if settings.smtp_host else f"mail to {settings.outbox_path}"
    return f"{database}, {chat}, {mail}"


def start_line(settings: Settings, location: str, workers: int) -> str:
    playground = f", playground {location}/playground" if settings.serves_playground else ""
    return (
        f"Sheda {settings.env} on {location} ({workers} worker{'s' * (workers != 1)}; "
        f"{runs_on(settings)}): docs {location}/docs, socket protocol "
        f"{location}/docs/socket{playground}"
    )


def announce(app: Sanic[Any, Any]) -> None:
    """main_process_ready: once per server, whatever the number of workers."""
    settings: Settings = app.ctx.settings
    logger.info(start_line(settings, app.serve_location, app.state.workers))


class ShedaSanic(Sanic[Any, Any]):
    """Sanic, with a banner that tells Sheda's mode (development, test, production) and where
    the docs are."""

    def get_motd_data(
        self, server_settings: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        display, extra = super().get_motd_data(server_settings)
        settings: Settings | None = getattr(self.ctx, "settings", None)
        if settings is not None:
            # Sanic writes "production, single worker" (not debug); keep what follows.
            _, _, rest = str(display.get("mode", "")).partition(",")
            display["mode"] = f"{settings.env},{rest}" if rest else settings.env
            extra = {"runs on": runs_on(settings), "docs": f"{self.serve_location}/docs", **extra}
        return display, extra
