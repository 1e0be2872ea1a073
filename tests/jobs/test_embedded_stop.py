"""The embedded loop stops with its server (DESIGN.md "The background loop": resources are
closed on stop, and the loop's task is one of them; a loop left running would tick against
a closed database).

This module starts and stops a server of its own (tests/support.py LiveServer, the suite's
settings without Redis and with a 1 s interval), so it uses no ``server`` fixture: stopping
closes the ORM of the whole test process."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from sheda.config import Settings
from sheda.jobs.models import JobRun
from tests.chat.helpers import wait_until
from tests.jobs.helpers import JOB_NAMES
from tests.jobs.test_loop import Records
from tests.support import LiveServer

WAIT = 15.0


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"redis_url": None, "jobs_interval": 1}


async def test_the_loop_stops_with_the_server(settings: Settings):
    live = LiveServer(settings)
    handler = Records()
    logging.getLogger("sheda").addHandler(handler)
    try:
        await live.start()
        stopped = False
        try:
            task = live.app.ctx.jobs.task
            assert isinstance(task, asyncio.Task) and not task.done()
            first = await JobRun.all().order_by("-id").first()
            since = first.id if first else 0

            async def ticked_twice() -> bool:
                return await JobRun.filter(id__gt=since, job=JOB_NAMES[0]).count() >= 2

            assert await wait_until(ticked_twice, WAIT), "the loop did not tick"
            await live.stop()
            stopped = True
        finally:
            if not stopped:
                await live.stop()
        # stopped between ticks by the server's stop: neither cancelled mid-tick nor failed
        assert task.done() and not task.cancelled() and task.exception() is None
        await asyncio.sleep(2.5)  # more than two intervals: nothing may tick any more
    finally:
        logging.getLogger("sheda").removeHandler(handler)
    problems = [r for r in handler.records if r.levelno >= logging.WARNING]
    assert problems == [], [r.getMessage() for r in problems]
