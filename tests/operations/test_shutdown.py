"""Stopping a real server (README "Rolling deploys"): SIGTERM or SIGINT, to the main process
or to every process of its group, as ``kill -TERM -PGID`` and systemd's default
``KillMode=control-group`` do. Whichever way: open sockets are closed with 1001, a request
in flight gets its answer, and the server exits 0 within ``SHEDA_GRACEFUL_TIMEOUT``.

Embedded: the README's ``python server.py`` (SQLite, one worker, the background loop in
it). Cluster: ``sheda serve --workers 2`` on PostgreSQL and Redis, with sockets on both
workers and the background loop in its own process.

The slow request is a registration at bcrypt cost 14 (about a second here): the password
hash runs in a thread while the signal arrives.
"""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import httpx
import pytest

from tests.chat_cluster.client import (
    PASSWORD,
    by_worker,
    close_all,
    open_spread,
    refused_status,
    register,
)
from tests.chat_cluster.cluster import ServerProcess, tracebacks
from tests.operations.servers import cluster_server, embedded_server

pytestmark = pytest.mark.timeout(120)

GRACE = 8  # SHEDA_GRACEFUL_TIMEOUT in these tests
STOP = {"SHEDA_GRACEFUL_TIMEOUT": str(GRACE)}
# About 1 s of hashing (0.45 s at 13 on a fast core left too little of it after the signal).
SLOW_BCRYPT = "14"
# What a clean stop never logs (the asyncpg pool closed too late, tasks left behind).
UNCLEAN = ("Task was destroyed", "Event loop is closed", "was never awaited", "Killing")

WAYS = [
    pytest.param(signal.SIGTERM, False, id="SIGTERM-main"),
    pytest.param(signal.SIGTERM, True, id="SIGTERM-group"),
    pytest.param(signal.SIGINT, True, id="SIGINT-group"),
]


async def slow_registration(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post(
        "/api/v1/auth/register",
        json={"email": "slow@example.com", "password": PASSWORD},
        timeout=GRACE * 2,
    )


async def stop_under_load(server: ServerProcess, sig: int, whole_group: bool) -> dict[str, Any]:
    """Sockets on every worker and a slow request in flight, then the signal. Returns what
    the clients saw."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        owner = await register(http, "owner")
        socks = await open_spread(server, owner.token, "s", 4)
        request = asyncio.get_running_loop().create_task(slow_registration(http))
        await asyncio.sleep(0.3)  # the registration is hashing its password now
        assert not request.done(), "the slow request was not slow"
        signalled = time.monotonic()
        server.send_signal(sig, whole_group=whole_group)
        response = await request
        answered = time.monotonic()
        codes = {sock.name: await sock.wait_closed(GRACE) for sock in socks}
        code = await server.exited(GRACE + 2)
        ended = time.monotonic()
        await close_all(socks)
    return {
        "workers": sorted(by_worker(socks)),
        "codes": codes,
        "response": response,
        "answered_after_signal": answered - signalled,
        "exit_code": code,
        "exited_after": ended - signalled,
    }


def assert_clean_stop(server: ServerProcess, seen: dict[str, Any]) -> None:
    log = server.log()
    assert seen["response"].status_code == 201, seen["response"].text
    assert seen["answered_after_signal"] > 0.05  # it really was in flight at the signal
    assert set(seen["codes"].values()) == {1001}, seen["codes"]
    assert seen["exit_code"] == 0, log[-4000:]
    assert seen["exited_after"] < GRACE, (seen["exited_after"], log[-4000:])
    assert not [text for text in UNCLEAN if text in log], log[-6000:]
    assert tracebacks(log) == [], tracebacks(log)


@pytest.mark.embedded
@pytest.mark.parametrize(("sig", "whole_group"), WAYS)
async def test_embedded_server_stops_gracefully(tmp_path, sig, whole_group):
    async with embedded_server(tmp_path, **STOP, SHEDA_BCRYPT_ROUNDS=SLOW_BCRYPT) as server:
        seen = await stop_under_load(server, sig, whole_group)
    assert_clean_stop(server, seen)
    assert "background loop stopped" in server.log()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize(("sig", "whole_group"), WAYS[:2])
async def test_two_worker_server_stops_gracefully(tmp_path, sig, whole_group):
    async with cluster_server(tmp_path, **STOP, SHEDA_BCRYPT_ROUNDS=SLOW_BCRYPT) as server:
        seen = await stop_under_load(server, sig, whole_group)
    assert len(seen["workers"]) == 2  # sockets on both workers, each closed 1001
    assert_clean_stop(server, seen)
    # the background loop's own process finished too, without being killed
    assert "background loop stopped in process" in server.log()


@pytest.mark.postgres
async def test_one_worker_postgres_server_stops_cleanly(tmp_path):
    # The background loop ticks every second in the worker, so a tick (holding pooled
    # asyncpg connections) is often under way at the signal: it finishes before the pool
    # closes, which left "Task was destroyed" and "Event loop is closed" behind when the
    # tick was cancelled instead.
    async with cluster_server(
        tmp_path, workers=1, redis=False, **STOP, SHEDA_BCRYPT_ROUNDS=SLOW_BCRYPT
    ) as server:
        seen = await stop_under_load(server, signal.SIGTERM, False)
    assert_clean_stop(server, seen)
    assert "background loop stopped in process" in server.log()


@pytest.mark.embedded
async def test_health_is_503_while_draining(tmp_path):
    # With SHEDA_DRAIN_DELAY the server still accepts for a while after the signal, so a
    # load balancer's health check sees it leave; new sockets are sent elsewhere (503).
    async with (
        embedded_server(tmp_path, **STOP, SHEDA_DRAIN_DELAY="3") as server,
        httpx.AsyncClient(base_url=server.url, timeout=5) as http,
    ):
        owner = await register(http, "owner")
        assert (await http.get("/health")).json()["status"] == "ok"
        server.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as fresh:
            health = await fresh.get("/health")
            me = await fresh.get("/api/v1/users/me", headers=owner.auth)
        assert health.status_code == 503, health.text
        assert health.json() == {"status": "draining", "database": "ok", "redis": "disabled"}
        assert me.status_code == 200  # everything else is still served
        assert await refused_status(server, owner.token) == 503
        code = await server.exited(GRACE + 2)
    assert code == 0, server.log()[-3000:]
