"""GET /health: the one route whose failure body is not the error format (load balancers
read ``status``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda import redis as sheda_redis
from sheda.common.http import endpoint, respond, runtime
from sheda.db import ping_db
from sheda.lifecycle import is_draining
from sheda.security.guards import Access

bp = Blueprint("health")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "draining"]
    database: Literal["ok", "down"]
    redis: Literal["ok", "down", "disabled"]


@bp.get("/health")
@endpoint(
    Access.PUBLIC,
    summary="Liveness and dependencies",
    tag="Operations",
    description="503 with the same shape when the database or a configured Redis is down "
    "(`degraded`), or while the server is shutting down (`draining`: a load balancer stops "
    "sending it new work; requests in flight still finish).",
    responses={200: HealthOut, 503: HealthOut},
)
async def health(request: Request) -> HTTPResponse:
    database = "ok" if await ping_db() else "down"
    redis = await sheda_redis.ping(runtime(request).redis)
    ok = database == "ok" and redis != "down"
    status = "draining" if is_draining(request.app) else "ok" if ok else "degraded"
    out = HealthOut(status=status, database=database, redis=redis)  # type: ignore[arg-type]
    return respond(out, status=200 if status == "ok" else 503)
