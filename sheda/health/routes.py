"""Operations: GET /health, the one route whose failure body is not the error format (load
balancers read ``status``), and GET /metrics for Prometheus."""

from __future__ import annotations

import asyncio
import hmac
from typing import Literal

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda import metrics
from sheda import redis as sheda_redis
from sheda.common.access import Access
from sheda.common.http import endpoint, respond, runtime
from sheda.db import ping_db
from sheda.errors import Unauthorized
from sheda.security.guards import bearer_token

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
    status: Literal["ok", "degraded", "draining"] = (
        "draining" if runtime(request).draining else "ok" if ok else "degraded"
    )
    out = HealthOut.model_validate({"status": status, "database": database, "redis": redis})
    return respond(out, status=200 if status == "ok" else 503)


@bp.get("/metrics")
@endpoint(
    Access.PUBLIC,
    summary="Prometheus metrics of the whole server",
    tag="Operations",
    description="Prometheus text format, adding up every worker whichever one answers: "
    "requests by route template and status, latency histogram, open websockets, chat "
    "messages sent and frames delivered, slow-consumer closes, background job runs, and "
    "CPU, memory and open files of every process (labels `pid`, `role`). With "
    "`SHEDA_METRICS_TOKEN` set, it needs `Authorization: Bearer <that token>` (401 "
    "otherwise): behind a public load balancer an open /metrics tells anyone your traffic.",
    responses={200: "Prometheus text exposition format (text/plain; version=0.0.4)"},
    errors=(401,),
)
async def prometheus(request: Request) -> HTTPResponse:
    expected = runtime(request).settings.metrics_token
    if expected:
        given = bearer_token(request) or ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Unauthorized("GET /metrics needs the metrics bearer token")
    body = await asyncio.to_thread(metrics.render)  # reads every process's files
    return HTTPResponse(body, content_type=metrics.CONTENT_TYPE)
