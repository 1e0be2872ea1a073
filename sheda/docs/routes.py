"""GET /docs: Swagger UI served from the swagger-ui-bundle package, so the page works with
no internet access (sanic-ext's own pages load their scripts from a CDN). The spec itself
is sanic-ext's, at /docs/openapi.json."""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, html
from swagger_ui_bundle import swagger_ui_path

from sheda.common.access import Access
from sheda.common.http import endpoint
from sheda.errors import NotFound

bp = Blueprint("docs_ui")
_HERE = Path(__file__).parent
_ASSETS = {
    "swagger-ui.css": Path(swagger_ui_path) / "swagger-ui.css",
    "swagger-ui-bundle.js": Path(swagger_ui_path) / "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js": Path(swagger_ui_path) / "swagger-ui-standalone-preset.js",
    "init.js": _HERE / "init.js",
}
_PAGE = (_HERE / "swagger.html").read_text()  # read once, not on the event loop


@bp.get("/docs")
@endpoint(Access.PUBLIC, summary="Interactive API docs", tag="Operations")
async def docs_page(request: Request) -> HTTPResponse:
    return html(_PAGE)


@bp.get("/docs/assets/<name:str>")
@endpoint(Access.PUBLIC, summary="Docs page assets", tag="Operations")
async def docs_asset(request: Request, name: str) -> HTTPResponse:
    path = _ASSETS.get(name)
    if path is None:
        raise NotFound()
    return await file(path, headers={"Cache-Control": "public, max-age=86400"})
