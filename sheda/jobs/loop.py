"""One tick runs every job once; the loop ticks every SHEDA_JOBS_INTERVAL seconds.

A failing job is logged and tried again next tick; it never stops the loop or the other
jobs. Every run is recorded (JobRun) with the pid of the process that ran it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

from sheda import metrics
from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.sweep import SweepFailed
from sheda.jobs.models import JobRun
from sheda.jobs.tasks import JOBS, Job

logger = logging.getLogger("sheda.jobs")


async def tick(rt: Runtime, jobs: tuple[Job, ...] = JOBS) -> dict[str, int | None]:
    """Run each job once: {job name: rows changed, or None when it failed}."""
    results: dict[str, int | None] = {}
    for job in jobs:
        started_at, clock = utcnow(), time.perf_counter()
        affected: int | None = None
        error: str | None = None
        try:
            affected = await job.run(rt, started_at)
        except SweepFailed as exc:  # some rows failed (each logged); the others were done
            affected, error = exc.done, str(exc)
            logger.error("job %s failed for some rows, retried next tick: %s", job.name, exc)
        except Exception as exc:  # logged and retried next tick, never fatal
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("job %s failed; it runs again next tick", job.name)
        results[job.name] = affected if error is None else None
        metrics.job_ran(job.name, ok=error is None)
        if affected:
            logger.info("job %s changed %s row(s)", job.name, affected)
        try:
            await JobRun.create(
                job=job.name,
                pid=os.getpid(),
                started_at=started_at,
                duration_ms=round((time.perf_counter() - clock) * 1000),
                affected=affected or 0,
                ok=error is None,
                error=error,
            )
        except Exception:  # the record is a nicety; the database may be what failed
            logger.warning("could not record the run of job %s", job.name, exc_info=True)
    return results


async def run_forever(rt: Runtime, interval: float, stop: asyncio.Event | None = None) -> None:
    """Tick every ``interval`` seconds until ``stop`` is set; a tick that has started
    always finishes (each of its jobs claims and changes rows one at a time)."""
    stop = stop or asyncio.Event()
    logger.info("background loop started in process %s, every %s s", os.getpid(), interval)
    while not stop.is_set():
        try:
            await tick(rt)
        except Exception:  # tick already guards each job; this is the last line
            logger.exception("background loop tick failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    logger.info("background loop stopped in process %s", os.getpid())


class Runner:
    """The loop as a task of the running event loop, stoppable between ticks."""

    def __init__(self, rt: Runtime, interval: float) -> None:
        self._stop = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(run_forever(rt, interval, self._stop))

    def stop(self) -> None:
        """No new tick starts; the one running goes on."""
        self._stop.set()

    async def wait(self, *, within: float) -> None:
        """Stop, and wait up to ``within`` seconds for the tick in progress; a tick still
        running then is cancelled (its rows are claimed one by one: none is half-done)."""
        self.stop()
        done, _ = await asyncio.wait({self.task}, timeout=within)
        if not done:
            logger.warning("background loop tick still running after %.1f s; cancelled", within)
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
