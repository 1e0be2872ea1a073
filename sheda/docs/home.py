"""GET /: the front door. A program gets JSON links; a browser (Accept: text/html) a page."""

from __future__ import annotations

import html

from pydantic import BaseModel, Field

from sheda.config import Settings


class HomeOut(BaseModel):
    name: str = "Sheda API"
    api: str = Field(default="/api/v1", description="Base path of every REST route")
    docs: str = Field(default="/docs", description="Interactive REST docs (OpenAPI)")
    openapi: str = "/docs/openapi.json"
    socket_docs: str = Field(default="/docs/socket", description="The chat socket's protocol")
    asyncapi: str = "/docs/asyncapi.json"
    socket: str = Field(default="/api/v1/chat/ws", description="The chat websocket")
    playground: str | None = Field(
        description="A page to try sign-in, search and chat; null when it is switched off "
        "(SHEDA_PLAYGROUND)"
    )
    health: str = "/health"


def links(settings: Settings) -> HomeOut:
    return HomeOut(playground="/playground" if settings.serves_playground else None)


def wants_html(accept: str) -> bool:
    """A browser asks for text/html first; programs send */* or application/json."""
    first = accept.split(",", 1)[0].split(";", 1)[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


_LABELS = {
    "docs": "REST API docs",
    "socket_docs": "Chat socket protocol",
    "playground": "Playground: sign in, search, chat",
    "openapi": "OpenAPI document",
    "asyncapi": "AsyncAPI document",
    "health": "Health",
}


def render(home: HomeOut) -> str:
    shown = home.model_dump()
    items = "".join(
        f'<li><a href="{html.escape(shown[key])}">{label}</a> '
        f"<code>{html.escape(shown[key])}</code></li>"
        for key, label in _LABELS.items()
        if shown[key] is not None
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sheda API</title><link rel="stylesheet" href="/docs/assets/socket.css">
</head><body><h1>Sheda API</h1>
<p>A real-estate platform backend: listings, viewings, deals and chat. Every REST route is
under <code>/api/v1</code>; the chat socket is <code>{html.escape(home.socket)}</code>.</p>
<ul>{items}</ul></body></html>
"""
