"""Who is opening a websocket, decided before the upgrade (so refusals are plain HTTP).

Credentials, in order: ``Authorization: Bearer``, ``?token=``, the subprotocol header
``Sec-WebSocket-Protocol: bearer, <token>``, or a single-use ``?ticket=``. A bad one is
401, a deactivated account 403, a browser's Origin outside ``SHEDA_WS_ORIGINS`` 403
(a handshake without Origin, from a native app, is not refused for it).

Subprotocol negotiation: a route that declares ``subprotocols=["bearer"]`` refuses every
client that offers none (which would break ``?token=`` clients). So the route declares
``OFFERED_BEARER`` instead, an iterable that yields "bearer" only for a request that
offered it; the handshake iterates it in the same task, after this middleware set the
context variable.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sanic import Request

from sheda.errors import Forbidden, Unauthorized, Unavailable
from sheda.security.guards import bearer_token

_offered_bearer: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "offered_bearer", default=False
)


class _OfferedBearer:
    def __iter__(self) -> Iterator[str]:
        return iter(["bearer"] if _offered_bearer.get() else [])


OFFERED_BEARER: Any = _OfferedBearer()


def _offered_protocols(request: Request) -> list[str]:
    raw = ",".join(request.headers.getall("sec-websocket-protocol", []))
    return [part.strip() for part in raw.split(",") if part.strip()]


@dataclass(frozen=True)
class SocketCredentials:
    """What a handshake presented: an access token, or else a single-use ticket."""

    token: str | None
    ticket: str | None


def websocket_credentials(request: Request) -> SocketCredentials:
    """The handshake's credentials, after the checks that need no account: the server is
    not shutting down, the browser's Origin is allowed. ``sheda.auth.principal`` turns them
    into the caller."""
    if request.app.ctx.runtime.draining:
        # Shutting down: this worker closes its sockets with 1001; a client reconnecting
        # must land on another one (a 503 says: try again, elsewhere).
        raise Unavailable("The server is shutting down; reconnect")
    settings = request.app.ctx.settings
    # Browsers always send Origin; native and mobile apps send none and are not refused
    # for it (a page elsewhere cannot strip the header, so this loses no protection).
    origin = request.headers.get("origin")
    if settings.ws_origins and origin is not None and origin not in settings.ws_origins:
        raise Forbidden("This origin may not open a websocket here")
    offered = _offered_protocols(request)
    _offered_bearer.set("bearer" in offered)
    token = bearer_token(request) or request.args.get("token")
    if not token and len(offered) >= 2 and offered[0] == "bearer":
        token = offered[1]
    if token:
        return SocketCredentials(token=token, ticket=None)
    ticket = request.args.get("ticket")
    if ticket:
        return SocketCredentials(token=None, ticket=ticket)
    raise Unauthorized("Missing credentials (token, ticket or bearer subprotocol)")
