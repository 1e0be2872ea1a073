"""GET /api/v1/media/{path}: stored files. Names are server-generated from the sniffed
type, so the extension is trustworthy; nosniff stops browsers from guessing otherwise."""

from __future__ import annotations

import mimetypes

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file

from sheda.common.http import endpoint, runtime
from sheda.errors import NotFound
from sheda.security.guards import Access

bp = Blueprint("media", url_prefix="/api/v1/media")

_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}


@bp.get("/<path:path>")
@endpoint(Access.PUBLIC, summary="A stored file", tag="Media", responses={200: "The file"})
async def serve(request: Request, path: str) -> HTTPResponse:
    target = runtime(request).media.resolve(path)
    if target is None:
        raise NotFound("No such file")
    content_type = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
    return await file(
        target,
        mime_type=content_type or "application/octet-stream",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=86400",
            # An uploaded file must never run script in our origin.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        },
    )
