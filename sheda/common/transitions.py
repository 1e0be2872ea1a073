"""A state machine's moves as routes, declared as a table: one line per move.

Every move route has the same shape: the object's id in the path, an optional body, the
caller, one service call that applies the move (``sheda.common.states``) and the object
back as 200. ``transition_routes`` writes that handler once and documents each route with
the domain's shared rules (409 from a wrong state, 200 unchanged on a repeat)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.common.access import Access
from sheda.common.http import endpoint, parse_body, respond, runtime


@dataclass(frozen=True)
class Move:
    method: str  # "PATCH", or "DELETE" for a cancel on the object itself
    path: str  # after the object's path: "/confirm", or "" for the object itself
    name: str  # the route's name (and the OpenAPI operation's)
    summary: str
    description: str  # who may make it and what it does; "{rules}" stands for the shared rules
    apply: Callable[..., Awaitable[BaseModel]]  # the service: (rt, caller, <id>, [data])
    body: type[BaseModel] | None = None
    access: Access = Access.USER


def transition_routes(
    bp: Blueprint,
    *,
    base: str,
    id_param: str,
    id_arg: str | None = None,
    tag: str,
    out: type[BaseModel],
    rules: str,
    moves: Sequence[Move],
) -> None:
    """Add one route per move under ``base`` (a path with ``<id_param:id>``); the service
    gets the id as its keyword ``id_arg`` (default: the same name)."""
    for move in moves:
        if move.access is Access.PUBLIC:  # the handler needs a caller
            raise ValueError(f"a move route needs a signed-in caller: {move.name}")
        bp.add_route(
            _handler(move, id_param, id_arg or id_param, tag=tag, out=out, rules=rules),
            base + move.path,
            methods=[move.method],
            name=move.name,
        )


def _handler(
    move: Move, id_param: str, id_arg: str, *, tag: str, out: type[BaseModel], rules: str
) -> Callable[..., Coroutine[Any, Any, HTTPResponse]]:
    async def handler(request: Request, **path: Any) -> HTTPResponse:
        arguments: dict[str, Any] = {id_arg: path[id_param]}
        if move.body is not None:
            arguments["data"] = parse_body(request, move.body)
        # A move route is never public: the access middleware has set the caller.
        caller = request.ctx.principal
        return respond(await move.apply(rt=runtime(request), caller=caller, **arguments))

    handler.__name__ = handler.__qualname__ = move.name
    return endpoint(
        move.access,
        summary=move.summary,
        tag=tag,
        description=move.description.replace("{rules}", rules),
        body=move.body,
        responses={200: out},
        errors=(404, 409),
    )(handler)
