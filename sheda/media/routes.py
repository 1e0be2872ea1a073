"""/api/v1/media: admin uploads, and GET of stored files. Names are server-generated from
the sniffed type, so the extension is trustworthy; nosniff stops browsers from guessing
otherwise."""

from __future__ import annotations

import mimetypes
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file

from sheda.common.access import Access
from sheda.common.http import check_multipart, endpoint, respond, runtime, validate
from sheda.errors import NotFound
from sheda.media import service
from sheda.media.schemas import MAX_FILES, UploadedFile, UploadedFiles, UploadForm, UploadPath

bp = Blueprint("media", url_prefix="/api/v1/media")

_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}


@bp.post("/file-upload/<type:str>")
@endpoint(
    Access.ADMIN,
    summary="Upload files",
    tag="Media",
    description="`type` is `profile`, `property` or `document`; anything else is a 422 on "
    "`path.type`. "
    f"multipart/form-data with 1 to {MAX_FILES} parts named `files`. Each file is identified "
    "by its content, never by its name or declared type: JPEG, PNG or WebP images (at most "
    "5 MB, re-encoded so metadata such as EXIF and GPS is removed); `document` also takes "
    "PDF (stored unchanged) and allows 10 MB per file. Every file is checked before any is "
    "stored: one bad file and nothing is kept. Answers the stored files in upload order.",
    body={"multipart/form-data": {"type": "object", "required": ["files"], "properties": {
        "files": {"type": "array", "minItems": 1, "maxItems": MAX_FILES,
                  "items": {"type": "string", "format": "binary"}}}}},
    responses={201: UploadedFiles},
    errors=(413, 415, 422),
)
async def upload(request: Request, type: str) -> HTTPResponse:  # API.md names it `type`
    path = validate(UploadPath, {"type": type}, location="path")
    form = validate(UploadForm, _multipart(request))
    stored: list[UploadedFile] = await service.upload(
        kind=path.type, files=form.files, media=runtime(request).media
    )
    return respond(stored, status=201)


def _multipart(request: Request) -> dict[str, list[Any]]:
    """Every part by name: file contents, then text values (which UploadForm refuses)."""
    parts: dict[str, list[Any]] = {}
    check_multipart(request)
    for name, uploads in (request.files or {}).items():
        parts.setdefault(name, []).extend(upload.body for upload in uploads)
    for name, values in (request.form or {}).items():
        parts.setdefault(name, []).extend(values)
    return parts


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
            # An uploaded file must never run script in our origin. Only images and PDFs are
            # ever stored; browsers refuse to show a PDF inline under `sandbox`, images need
            # nothing but themselves.
            "Content-Security-Policy": (
                "default-src 'none'"
                if target.suffix == ".pdf"
                else "default-src 'none'; img-src 'self'; sandbox"
            ),
        },
    )
