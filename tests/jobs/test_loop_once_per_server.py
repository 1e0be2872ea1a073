"""The loop runs once per server (DESIGN.md "The background loop"; README): the real server,
``sheda serve --workers 2`` on PostgreSQL and Redis with SHEDA_JOBS_INTERVAL=1, runs ONE
loop in a process of its own started by Sanic's main process, not one per worker. Its
notifications reach the workers' sockets through Redis. The server stops cleanly with it.

The server is tests/chat_cluster/cluster.py's (a subprocess in its own process group, kill
-9 fallback); the job records are read from its database directly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.chat_cluster.client import close_all, open_spread, wait_until
from tests.chat_cluster.cluster import Database, ServerProcess, tracebacks
from tests.deals import CONTRACTS, act
from tests.jobs.cluster import (
    active_deal,
    alive,
    assert_stopped_cleanly,
    end_contract_now,
    expired_frame_of,
    jobs_cluster,
    main_pid,
    parent_of,
    runs,
    sigterm,
)
from tests.jobs.helpers import JOB_NAMES, PROPERTIES, token_of

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(150)]

INTERVAL = 1  # SHEDA_JOBS_INTERVAL, seconds
TICKS = 4
# A tick caught mid-query when the database dropped its connections (the test that does
# it) logs the failed job with its traceback, by design; nothing else may.
DROPPED_CONNECTIONS = ("failed; it runs again next tick", "could not record the run of job")


@pytest.fixture(scope="module")
async def running(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[ServerProcess, Database, float]]:
    async with jobs_cluster(tmp_path_factory.mktemp("jobs_cluster"), interval=INTERVAL) as up:
        yield up


async def test_one_loop_for_the_whole_server(running):
    server, db, started = running

    async def ticks() -> int:
        return len([r for r in await runs(db) if r[0] == "expire_contracts"])

    await wait_until(lambda: _at_least(ticks, TICKS), timeout=60, describe=server.log)
    elapsed = time.time() - started
    rows = await runs(db)

    pids = {pid for _, pid, _, _, _ in rows}
    assert len(pids) == 1, f"job runs from several processes: {pids}"
    (loop_pid,) = pids
    workers = {int(pid) for pid in server.ready_workers().values()}
    assert len(workers) == 2
    assert loop_pid not in workers  # not a worker ...
    assert loop_pid != main_pid(server)  # ... nor the main process: its own, managed one
    assert parent_of(loop_pid) == main_pid(server)
    assert all(ok and error is None for _, _, _, ok, error in rows), rows

    expiries = [t for job, _, t, _, _ in rows if job == "expire_contracts"]
    # One tick per INTERVAL at most (each tick sleeps INTERVAL after it ran): about the
    # elapsed seconds, not twice that. Both the server's whole life and the span of the
    # records bound it.
    assert len(expiries) <= elapsed / INTERVAL + 1, (len(expiries), elapsed)
    span = expiries[-1] - expiries[0]
    assert len(expiries) - 1 <= span / INTERVAL + 0.5, (len(expiries), span)
    # Every tick ran every job, in the one process.
    counts = {name: len([r for r in rows if r[0] == name]) for name in JOB_NAMES}
    assert all(abs(n - counts["expire_contracts"]) <= 1 for n in counts.values()), counts
    log = server.log()
    assert tracebacks(log) == [], log[-4000:]
    assert log.count("background loop started in process") == 1, log[-4000:]
    assert f"background loop started in process {loop_pid}" in log


async def _at_least(count, target: int) -> bool:
    return await count() >= target


async def test_the_loop_expires_a_deal_and_every_worker_pushes_it(running):
    server, db, _ = running
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        carol, ada, contract = await active_deal(http)
        expired = expired_frame_of(contract["id"])
        # Sockets of the client on both workers: the loop's process has none of its own.
        socks = await open_spread(server, token_of(carol), "carol", 4)
        try:
            await end_contract_now(db, contract["id"])
            await asyncio.gather(*(s.wait_for(expired, timeout=15) for s in socks))
            for sock in socks:  # once per socket, not once per worker or per loop
                assert len([f for _, f in sock.frames if expired(f)]) == 1
        finally:
            await close_all(socks)

        url = f"{CONTRACTS}/{contract['id']}"
        assert (await act(http, carol, "GET", url))["status"] == "expired"
        listing = await http.get(f"{PROPERTIES}/{contract['property_id']}")
        assert listing.json()["status"] == "available"
        for person in (carol, ada):
            items = (await act(http, person, "GET", "/api/v1/notifications"))["items"]
            mine = [n for n in items if n["event"] == "contract.expired"]
            assert len(mine) == 1 and mine[0]["data"]["contract_id"] == contract["id"]


async def test_the_loop_outlives_its_database_connections(running):
    """The database drops every connection (a restart, a failover): a tick may fail while
    they are gone, but the loop goes on and records successful runs again."""
    server, db, _ = running
    before = len(await runs(db))
    terminated = await db.fetch(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid()",
        db.name,
    )
    assert terminated, "no connection of the server to end"

    async def recovered() -> bool:
        later = (await runs(db))[before:]
        return len([r for r in later if r[0] == "expire_contracts" and r[3]]) >= 2

    await wait_until(recovered, timeout=30, describe=lambda: server.log()[-3000:])
    assert len({pid for _, pid, _, _, _ in await runs(db)}) == 1  # the same loop, not a new one


async def test_the_log_is_clean_and_the_server_stops_with_its_loop(running):
    server, db, _ = running
    (loop_pid,) = {pid for _, pid, _, _, _ in await runs(db)}
    assert alive(loop_pid)

    stop = await sigterm(server)
    await wait_until(lambda: not alive(loop_pid), timeout=10, describe=lambda: stop.log_after)
    assert_stopped_cleanly(stop, allowed=DROPPED_CONNECTIONS)
    await server.stop()  # whatever is left of the group (nothing, when it stopped cleanly)
    before = len(await runs(db))
    await asyncio.sleep(2 * INTERVAL)
    assert len(await runs(db)) == before  # no loop left ticking
