"""The background loop's own process, started once per server by Sanic's worker manager
(``app.manager.manage`` from the main process) when the server runs with Redis: however
many workers there are, one loop. Its notifications reach every worker through Redis.

``serve`` is a module-level function because the manager pickles it into a new process.
Sanic does not restart a managed process that died (a crash, the OOM killer): ``watch``
runs in the main process and asks the manager to start a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from typing import Any

from sanic.worker.constants import ProcessState

from sheda import db, metrics
from sheda.common.logs import configure_logging
from sheda.config import Settings
from sheda.jobs.loop import Runner
from sheda.runtime import build_runtime, close_runtime

logger = logging.getLogger("sheda.jobs")


NAME = "ShedaJobs"
WATCH_EVERY = 2.0  # seconds between liveness checks in the main process


def start(manager: Any, settings: Settings) -> None:
    """From the main process (main_process_ready): the loop's process and its watchdog."""
    manager.manage(NAME, serve, {"settings": settings}, restartable=True)
    threading.Thread(target=_watch, args=(manager,), name="sheda-jobs-watch", daemon=True).start()


def _watch(manager: Any) -> None:
    # The restart itself happens on the main thread: the name is sent on the manager's
    # own message pipe, the way a worker asks for a restart.
    replaced: set[int] = set()  # pids already reported, so each death is handled once
    while not getattr(manager, "_shutting_down", False):
        time.sleep(WATCH_EVERY)
        worker = manager.durable.get(NAME)
        if worker is None or getattr(manager, "_shutting_down", False):
            return
        for process in worker.processes:
            ended = process.state in (ProcessState.FAILED, ProcessState.COMPLETED)
            if ended and process.pid not in replaced:
                replaced.add(process.pid)
                logger.warning(
                    "jobs: the loop's process %s ended (%s); starting a new one",
                    process.pid, process.state.name,
                )
                manager.monitor_publisher.send(process.name)


def serve(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_format)
    metrics.ensure_dir()  # the server's, inherited from the main process
    metrics.process_started("jobs")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_main(settings))
    finally:
        metrics.process_ended()


async def _main(settings: Settings) -> None:
    stopping = asyncio.Event()
    # The manager stops its processes with SIGINT, and a signal to the whole process group
    # brings SIGTERM as well: either one, once or twice, lets the tick in progress finish
    # (within the grace period), then the connections are closed.
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stopping.set)
    if not await _open_database(settings, stopping):
        return
    runtime = build_runtime(settings)
    runner = Runner(runtime, settings.jobs_interval)
    try:
        await stopping.wait()
        await runner.wait(within=max(1.0, settings.graceful_timeout - 2.0))
    finally:
        await close_runtime(runtime)
        await db.close_db()
        _ignore_further_signals()


def _ignore_further_signals() -> None:
    """On the way out. A signal arriving while asyncio closes the loop would be written to
    its already closed wakeup pipe (and print an error); the process is exiting anyway."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
        signal.signal(sig, signal.SIG_IGN)


async def _open_database(settings: Settings, stopping: asyncio.Event) -> bool:
    """A database that is not up yet (the server and it starting together) is waited for:
    this process dying would leave the server without its loop. False: asked to stop."""
    delay = 1.0
    while not stopping.is_set():
        try:
            await db.init_db(settings, create_schema=False)
            return True
        except Exception as exc:
            logger.warning("jobs: database not reachable (%s); retrying in %.0f s", exc, delay)
            with contextlib.suppress(Exception):
                await db.close_db()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            delay = min(delay * 2, 30.0)
    return False
