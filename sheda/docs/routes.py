"""The documentation a frontend developer starts from, all of it offline:

- GET /docs: Swagger UI served from the swagger-ui-bundle package (sanic-ext's own pages load
  their scripts from a CDN); the spec itself is sanic-ext's, at /docs/openapi.json;
- GET /docs/asyncapi.json and /docs/socket: the chat socket's protocol (asyncapi.py);
- GET /: where everything is, as JSON for a program or HTML for a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, html
from swagger_ui_bundle import swagger_ui_path

from sheda.common.access import Access
from sheda.common.http import endpoint, respond
from sheda.docs import home, socket_page
from sheda.docs.asyncapi import asyncapi_document
from sheda.errors import NotFound

bp = Blueprint("docs_ui")
_HERE = Path(__file__).parent
_ASSETS = {
    "swagger-ui.css": Path(swagger_ui_path) / "swagger-ui.css",
    "swagger-ui-bundle.js": Path(swagger_ui_path) / "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js": Path(swagger_ui_path) / "swagger-ui-standalone-preset.js",
    "init.js": _HERE / "init.js",
    "socket.css": _HERE / "socket.css",
    "playground.css": _HERE / "playground.css",
    "playground.js": _HERE / "playground.js",
}
_PAGE = (_HERE / "swagger.html").read_text()  # read once, not on the event loop
_PLAYGROUND = (_HERE / "playground.html").read_text()


@bp.get("/docs")
@endpoint(Access.PUBLIC, summary="Interactive API docs", tag="Operations")
async def docs_page(request: Request) -> HTTPResponse:
    return html(_PAGE)


@bp.get("/docs/assets/<name:str>")
@endpoint(Access.PUBLIC, summary="Docs page assets", tag="Operations")
async def docs_asset(request: Request, name: str) -> HTTPResponse:
    path = _ASSETS.get(name)
    if name.startswith("playground.") and not request.app.ctx.settings.serves_playground:
        path = None
    if path is None:
        raise NotFound()
    return await file(path, headers={"Cache-Control": "public, max-age=86400"})


def _document_for(request: Request) -> dict[str, Any]:
    # The host and scheme the caller used (behind a proxy: what it forwarded, see
    # SHEDA_PROXIES_COUNT), so the document's server entry is one this client can reach.
    return asyncapi_document(host=request.host, secure=request.scheme in ("https", "wss"))


@bp.get("/docs/asyncapi.json")
@endpoint(
    Access.PUBLIC,
    summary="The chat socket's protocol (AsyncAPI 3.0)",
    tag="Operations",
    description="Every client and server frame with its JSON Schema, how to connect, the "
    "close codes and what a client should do on each. A readable page of it: /docs/socket.",
)
async def asyncapi_json(request: Request) -> HTTPResponse:
    return respond(_document_for(request))


@bp.get("/docs/socket")
@endpoint(Access.PUBLIC, summary="The chat socket's protocol, as a page", tag="Operations")
async def socket_docs(request: Request) -> HTTPResponse:
    return html(socket_page.render(_document_for(request)))


@bp.get("/playground")
@endpoint(
    Access.PUBLIC,
    summary="Try the API in a browser",
    tag="Operations",
    description="Sign in (the demo accounts are offered once `sheda seed-demo` has run), "
    "search listings, chat with an agent and watch acks, typing, read receipts, unread "
    "counts, notifications and sync after a reconnect. A static page: no build step, no "
    "CDN. Off in production unless SHEDA_PLAYGROUND=true (then 404).",
)
async def playground(request: Request) -> HTTPResponse:
    if not request.app.ctx.settings.serves_playground:
        raise NotFound()
    return html(_PLAYGROUND)


@bp.get("/")
@endpoint(
    Access.PUBLIC,
    summary="Where everything is",
    tag="Operations",
    description="Links to the REST docs, the socket protocol, the playground and health: "
    "JSON, or an HTML page when the client asks for text/html (a browser).",
    responses={200: home.HomeOut},
)
async def home_page(request: Request) -> HTTPResponse:
    links = home.links(request.app.ctx.settings)
    if home.wants_html(request.headers.get("accept", "")):
        return html(home.render(links))
    return respond(links)
