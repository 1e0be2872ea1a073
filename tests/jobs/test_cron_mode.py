"""Production with the loop turned off (README: SHEDA_JOBS_INTERVAL=0, "run `sheda jobs
run-once` from cron instead"): ``sheda serve --workers 2`` with Redis starts no loop
process, and a run-once with SHEDA_REDIS_URL reaches the users' sockets on the workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.chat_cluster.client import close_all, open_spread
from tests.chat_cluster.cluster import REDIS_URL, Database, ServerProcess, tracebacks
from tests.deals import CONTRACTS, act
from tests.jobs.cluster import (
    active_deal,
    end_contract_now,
    expired_frame_of,
    jobs_cluster,
    runs,
)
from tests.jobs.helpers import JOB_NAMES, run_once, token_of

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(150)]


@pytest.fixture(scope="module")
async def running(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[ServerProcess, Database, float]]:
    async with jobs_cluster(tmp_path_factory.mktemp("cron_cluster"), interval=0) as up:
        yield up


async def test_no_loop_runs_and_cron_does_the_work(running, tmp_path):
    server, db, _ = running
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        carol, ada, contract = await active_deal(http)
        await end_contract_now(db, contract["id"])
        url = f"{CONTRACTS}/{contract['id']}"

        # Long enough for a loop at its shortest interval (1 s) to have ticked twice.
        await asyncio.sleep(2.5)
        assert (await act(http, carol, "GET", url))["status"] == "active"
        assert await runs(db) == []
        assert "background loop started" not in server.log()

        expired = expired_frame_of(contract["id"])
        socks = await open_spread(server, token_of(carol), "carol", 4)
        try:
            run = await run_once(db.url, tmp_path, redis_url=REDIS_URL)
            assert run.code == 0, run.stdout + run.stderr
            assert run.counts() == {**dict.fromkeys(JOB_NAMES, "0"), "expire_contracts": "1"}
            # Through Redis, from the cron process to the sockets on both workers.
            await asyncio.gather(*(s.wait_for(expired, timeout=15) for s in socks))
        finally:
            await close_all(socks)

        assert (await act(http, carol, "GET", url))["status"] == "expired"
        for person in (carol, ada):
            items = (await act(http, person, "GET", "/api/v1/notifications"))["items"]
            told = [n["data"]["contract_id"] for n in items if n["event"] == "contract.expired"]
            assert told == [contract["id"]]
    assert tracebacks(server.log()) == [], server.log()[-4000:]
