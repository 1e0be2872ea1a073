"""A failing job is logged, recorded and retried next tick; it never stops the other jobs or
the loop (DESIGN.md "The background loop").

Two kinds of failure: a job of the test's own passed to ``tick`` (a job that raises, beside
the real ones), and a real job failing on real data (a contract row the ORM cannot load),
which is how ``run_forever``, which always runs the real jobs, meets a failing tick."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from tortoise import connections

from sheda.common.context import Runtime
from sheda.contracts.models import Contract
from sheda.jobs.loop import run_forever, tick
from sheda.jobs.tasks import JOBS, Job
from tests.chat.helpers import wait_until
from tests.deals import account, agent
from tests.jobs.helpers import JOB_NAMES, contract_row, job_runs, now, status_of

WAIT = 15.0  # generous: the loop below ticks every 50 ms


class Boom(RuntimeError):
    pass


async def failing(rt: Runtime, now: datetime) -> int:
    raise Boom(f"the test's own job failed at {now.isoformat()}")


class Records(logging.Handler):
    """Keeps what the ``sheda.jobs`` logger emits (``sheda`` does not propagate to root)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def job_log() -> AsyncIterator[Records]:
    handler = Records()
    logger = logging.getLogger("sheda.jobs")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


async def due_contract(client):
    carol = await account(client, "carol@example.com")
    ada = await agent(client)
    return await contract_row(carol.id, ada.id, end_date=now() - timedelta(hours=1))


async def poison(contract: Contract) -> None:
    """A value the model's enum does not know: loading this row raises ValueError."""
    await connections.get("default").execute_script(
        f"UPDATE contracts SET contract_type = 'lease' WHERE id = {int(contract.id)}"
    )


async def test_a_failing_job_does_not_stop_the_others(client, server, job_log):
    due = await due_contract(client)

    result = await tick(server.app.ctx.runtime, jobs=(Job("boom", failing), *JOBS))

    assert list(result) == ["boom", *JOB_NAMES]
    assert result["boom"] is None
    assert result["expire_contracts"] == 1  # the job after the failing one still ran
    assert await status_of(Contract, due.id) == "expired"
    assert all(result[name] == 0 for name in JOB_NAMES if name != "expire_contracts")

    runs = await job_runs()
    assert [r.job for r in runs] == ["boom", *JOB_NAMES]
    boom = runs[0]
    assert boom.ok is False
    assert boom.affected == 0
    assert boom.pid == os.getpid()
    assert boom.error is not None
    assert boom.error.startswith("Boom: the test's own job failed at")
    assert all(r.ok and r.error is None for r in runs[1:])

    failures = [r for r in job_log.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1
    assert "boom" in failures[0].getMessage()
    assert failures[0].exc_info is not None and failures[0].exc_info[0] is Boom


async def test_a_failing_job_last_still_leaves_the_results_of_the_others(client, server):
    due = await due_contract(client)
    result = await tick(server.app.ctx.runtime, jobs=(*JOBS, Job("boom", failing)))
    assert result["boom"] is None
    assert result["expire_contracts"] == 1
    assert await status_of(Contract, due.id) == "expired"
    assert [(r.job, r.ok) for r in await job_runs()] == [
        *((name, True) for name in JOB_NAMES),
        ("boom", False),
    ]


async def test_a_real_job_failing_on_bad_data_is_recorded(client, server, job_log):
    due = await due_contract(client)
    await poison(due)
    result = await tick(server.app.ctx.runtime)
    assert result["expire_contracts"] is None
    assert all(result[name] == 0 for name in JOB_NAMES if name != "expire_contracts")
    (run,) = await job_runs("expire_contracts")
    assert run.ok is False
    assert run.error is not None and f"ids {due.id}" in run.error
    assert any("lease" in r.getMessage() or "lease" in str(r.exc_info) for r in job_log.records)


async def test_one_bad_row_does_not_hold_back_the_rows_after_it(client, server, job_log):
    """Rows are taken in end_date order: a bad row first must not block the others, tick
    after tick."""
    bad = await due_contract(client)
    good = await contract_row(bad.client_id, bad.agent_id, end_date=now() - timedelta(minutes=5))
    await poison(bad)  # the older one: it comes first

    result = await tick(server.app.ctx.runtime)

    assert result["expire_contracts"] is None  # the run is reported as failed …
    assert await status_of(Contract, good.id) == "expired"  # … but the good row expired
    (run,) = await job_runs("expire_contracts")
    assert (run.ok, run.affected) == (False, 1)
    assert f"ids {bad.id}" in (run.error or "")


@contextlib.asynccontextmanager
async def running_loop(rt: Runtime, interval: float) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.get_running_loop().create_task(run_forever(rt, interval))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_run_forever_keeps_ticking_after_failing_ticks(client, server, job_log):
    rt = server.app.ctx.runtime
    due = await due_contract(client)
    await poison(due)

    async with running_loop(rt, 0.05) as task:
        assert await wait_until(lambda: failures_at_least(3), WAIT), "fewer than 3 ticks"
        assert not task.done()  # failing ticks did not end the loop
        # The data is repaired: the next tick retries the job, and this time it works.
        await connections.get("default").execute_script(
            f"UPDATE contracts SET contract_type = 'rent' WHERE id = {int(due.id)}"
        )

        async def expired() -> bool:
            return any(r.ok and r.affected == 1 for r in await job_runs("expire_contracts"))

        assert await wait_until(expired, WAIT), "the job was not retried after the repair"
        assert not task.done()
    assert task.cancelled()  # it ended because it was canceled, not by an error

    assert await status_of(Contract, due.id) == "expired"
    # Every tick ran every job: the other jobs kept running, and succeeding, meanwhile.
    runs = await job_runs()
    ticks = len([r for r in runs if r.job == JOB_NAMES[0]])
    assert ticks >= 4
    for name in JOB_NAMES[1:]:
        mine = [r for r in runs if r.job == name]
        assert len(mine) >= ticks - 1  # the last tick may have been cut short
        assert all(r.ok for r in mine)
    assert {r.pid for r in runs} == {os.getpid()}
    assert await failures_at_least(3)
    logged = [r.getMessage() for r in job_log.records if r.levelno >= logging.ERROR]
    assert len(logged) >= 3
    assert all("expire_contracts" in m or "contract expiry" in m for m in logged), logged


async def failures_at_least(count: int) -> bool:
    return len([r for r in await job_runs("expire_contracts") if not r.ok]) >= count


async def test_the_loop_survives_a_tick_that_cannot_even_record_its_runs(client, server, job_log):
    """Recording a run is a nicety: a job whose record cannot be written (its name is
    longer than the 40 characters of ``job_runs.job``) does not stop the tick."""
    name = "x" * 60
    result = await tick(server.app.ctx.runtime, jobs=(Job(name, failing), *JOBS))
    assert result[name] is None
    assert list(result) == [name, *JOB_NAMES]
    assert [r.job for r in await job_runs()] == list(JOB_NAMES)  # its record was refused
    assert any("could not record" in r.getMessage() for r in job_log.records)
