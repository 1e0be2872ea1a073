"""The loop's process dies (the kernel's OOM killer, a crash in native code): DESIGN.md says
the loop runs once per server every SHEDA_JOBS_INTERVAL seconds and that nothing stops it
or the server; the README: "if that process dies, the main process starts a new one
within a few seconds". So a server whose loop process was killed gets a loop again (one,
not two), and keeps serving meanwhile."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.chat_cluster.client import wait_until
from tests.chat_cluster.cluster import Database, ServerProcess
from tests.jobs.cluster import alive, assert_stopped_cleanly, jobs_cluster, runs, sigterm

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(150)]

INTERVAL = 1


@pytest.fixture(scope="module")
async def running(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[ServerProcess, Database, float]]:
    async with jobs_cluster(tmp_path_factory.mktemp("dying_loop"), interval=INTERVAL) as up:
        yield up


async def test_a_killed_loop_process_is_replaced(running):
    server, db, _ = running

    async def ticked() -> bool:
        return len(await runs(db)) >= 2

    await wait_until(ticked, timeout=30, describe=server.log)
    (first_pid,) = {run[1] for run in await runs(db)}
    os.kill(first_pid, signal.SIGKILL)
    await wait_until(lambda: not alive(first_pid), timeout=10)
    killed_at = len(await runs(db))

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        assert (await http.get("/health")).status_code == 200  # the server lives on

    async def ticking_again() -> bool:
        later = (await runs(db))[killed_at:]
        return len([r for r in later if r[0] == "expire_contracts" and r[3]]) >= 2

    await wait_until(ticking_again, timeout=25, describe=lambda: server.log()[-3000:])
    later_pids = {run[1] for run in (await runs(db))[killed_at:]}
    assert len(later_pids) == 1 and first_pid not in later_pids  # one new loop


async def test_the_replacement_stops_with_the_server(running):
    """The new loop process ends with the server, and nothing starts another one while
    the server shuts down."""
    server, db, _ = running
    latest_pid = (await runs(db))[-1][1]
    assert alive(latest_pid)

    stop = await sigterm(server)
    await wait_until(lambda: not alive(latest_pid), timeout=10, describe=lambda: stop.log_after)
    assert_stopped_cleanly(stop)
    await server.stop()
    after_stop = await runs(db)
    await asyncio.sleep(3 * INTERVAL)
    assert await runs(db) == after_stop  # no loop left, none started during the shutdown
