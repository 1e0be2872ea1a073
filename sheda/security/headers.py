"""Security headers on every HTTP response.

The API answers JSON to programs, so its policy is the strictest one: nothing may be loaded,
framed or sniffed from its responses. The HTML pages (docs, the socket protocol, the
playground, the home page) load their own scripts and styles (Swagger UI sets inline styles
and data: images) and call this server (the playground's fetch and websocket: 'self'
covers ws: and wss: to the same host), and nothing else.
Responses are per user (tokens, profiles, unread counts), so none is stored by a cache
unless its route says otherwise (media and the docs' assets do)."""

from __future__ import annotations

from sanic import HTTPResponse, Request

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# The pages (and / for the browser's HTML answer; its JSON answer needs no policy).
HTML_PAGES = frozenset({"/", "/docs", "/docs/socket", "/playground"})


def add_security_headers(request: Request, response: HTTPResponse) -> None:
    headers = response.headers
    for name, value in HEADERS.items():
        if name not in headers:
            headers[name] = value
    if request.path in HTML_PAGES and (response.content_type or "").startswith("text/html"):
        headers["Content-Security-Policy"] = DOCS_POLICY  # "/" answers JSON too: strict then
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
