"""The embedded mode (DESIGN.md "Two modes", "The background loop"): without Redis the loop
runs inside the single worker, so its notifications reach that worker's sockets, and it
stops with the server; SHEDA_JOBS_INTERVAL=0 turns it off.

Two servers here: the suite's app in this test's event loop (the ``server`` fixture, here
without Redis and with a 1 s interval), and the real ``sheda serve`` as a subprocess on a
SQLite file (tests/chat_cluster/cluster.py). test_embedded_stop.py stops one."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sheda.contracts.models import Contract
from sheda.jobs.models import JobRun
from tests.chat.helpers import open_ws, recv, wait_until
from tests.chat_cluster.cluster import ServerProcess
from tests.deals import account, agent
from tests.jobs.cluster import alive, assert_stopped_cleanly, sigterm
from tests.jobs.helpers import JOB_NAMES, contract_row, now, status_of, token_of

pytestmark = pytest.mark.timeout(120)
WAIT = 15.0  # generous, for a loop that ticks every second


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"redis_url": None, "jobs_interval": 1}


async def test_the_worker_runs_the_loop_and_pushes_to_its_sockets(client, server):
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    due = await contract_row(carol.id, ada.id, end_date=now() + timedelta(days=1))
    async with open_ws(server, token_of(carol)) as ws:
        await Contract.filter(id=due.id).update(end_date=now() - timedelta(seconds=1))
        deadline = time.monotonic() + WAIT
        while True:  # nobody calls tick here: the server's own loop must
            frame = await recv(ws, max(0.1, deadline - time.monotonic()))
            if frame.get("type") == "notification" and frame["event"] == "contract.expired":
                break
    assert frame["data"]["contract_id"] == due.id
    assert await status_of(Contract, due.id) == "expired"

    async def recorded() -> bool:  # the run is recorded once the job is over
        return await JobRun.exists(job="expire_contracts", affected=1)

    assert await wait_until(recorded, WAIT)
    runs = await JobRun.filter(job="expire_contracts", affected=1)
    assert [r.pid for r in runs] == [os.getpid()]  # in the (one) worker: this process


# --- the real server, embedded mode -------------------------------------------------------------


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[Any]:
    started: list[ServerProcess] = []

    async def start(interval: int) -> tuple[ServerProcess, Path]:
        data_dir = tmp_path / f"data{len(started)}"
        data_dir.mkdir()
        database = data_dir / "sheda.sqlite3"
        server = ServerProcess(
            database_url=f"sqlite://{database}",
            redis_url=None,
            data_dir=data_dir,
            workers=1,
            env={"SHEDA_JOBS_INTERVAL": str(interval)},
        )
        started.append(server)
        await server.start()
        return server, database

    try:
        yield start
    finally:
        for server in started:
            await server.stop()


def recorded(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute("SELECT job, pid FROM job_runs ORDER BY id"))


async def test_sheda_serve_without_redis_runs_the_loop_in_its_worker(embedded):
    server, database = await embedded(1)
    (worker_pid,) = {int(pid) for pid in server.ready_workers().values()}

    def ticked() -> bool:
        return len([job for job, _ in recorded(database) if job == JOB_NAMES[0]]) >= 3

    assert await wait_until(ticked, WAIT), server.log()[-3000:]
    assert {pid for _, pid in recorded(database)} == {worker_pid}
    assert server.log().count("background loop started in process") == 1
    stop = await sigterm(server)
    assert await wait_until(lambda: not alive(worker_pid), WAIT)  # the loop ran in it
    assert_stopped_cleanly(stop)


async def test_interval_zero_turns_the_loop_off(embedded):
    server, database = await embedded(0)
    await asyncio.sleep(3)  # a loop at its shortest interval (1 s) would have ticked
    assert recorded(database) == []
    assert "background loop started" not in server.log()
