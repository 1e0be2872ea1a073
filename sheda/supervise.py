"""Bringing back a worker that died.

Sanic's worker manager marks a process that exited on its own (``kill -9``, the kernel's
OOM killer, a crash in a C extension) FAILED and serves on with one worker fewer; nothing
starts it again, so a server that lost both workers answers nothing while its main process
looks healthy. From ``main_process_ready`` Sheda wraps the manager's state sync, which its
monitor loop runs every 0.1 s, so that a server worker found dead with a failure status is
started again. (The background loop's process has its own watchdog, sheda/jobs/process.py,
which also starts it again after a clean exit.)

A process that keeps dying (it fails at start-up: a bad setting, the database refusing it)
must not become a restart loop: at most ``MAX_RESTARTS`` restarts within ``WINDOW`` seconds
per process, then it stays down until the server itself is restarted (an operator looks at
why; the log says so). The dead process's metrics files are
marked dead (prometheus multiprocess), so its gauges stop counting.

Relies on Sanic's worker manager internals (``_sync_states``, ``WorkerProcess.restart``):
pinned with ``sanic<26`` like the rest of sheda/lifecycle.py.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from typing import Any

from sanic.worker.constants import ProcessState

from sheda import metrics
from sheda.jobs import process as jobs_process

logger = logging.getLogger("sheda.supervise")

MAX_RESTARTS = 5
WINDOW = 60.0


class Supervisor:
    def __init__(self, manager: Any) -> None:
        self.manager = manager
        self._restarts: defaultdict[str, deque[float]] = defaultdict(deque)
        self._given_up: set[str] = set()

    def install(self) -> None:
        sync = self.manager._sync_states

        def sync_then_restart() -> None:
            sync()
            self.restart_dead()

        self.manager._sync_states = sync_then_restart

    def restart_dead(self) -> None:
        for process in list(self.manager.processes):
            if process.state is not ProcessState.FAILED or process.is_alive():
                continue
            if jobs_process.NAME in process.name:  # its own watchdog's
                continue
            if process.name in self._given_up:
                continue
            pid, code = process.pid, _exitcode(process)
            if not self._may_restart(process.name):
                self._given_up.add(process.name)
                logger.error(
                    "%s (pid %s) died again (exit code %s): %d restarts in %.0f s, leaving it "
                    "down", process.name, pid, code, MAX_RESTARTS, WINDOW,
                )
                continue
            logger.warning(
                "%s (pid %s) died (exit code %s); starting it again", process.name, pid, code
            )
            metrics.process_ended(pid)
            try:
                process.restart()
            except Exception:
                logger.exception("could not restart %s", process.name)

    def _may_restart(self, name: str) -> bool:
        now = time.monotonic()
        recent = self._restarts[name]
        while recent and now - recent[0] > WINDOW:
            recent.popleft()
        if len(recent) >= MAX_RESTARTS:
            return False
        recent.append(now)
        return True


def _exitcode(process: Any) -> int | None:
    current = getattr(process, "_current_process", None)
    return getattr(current, "exitcode", None)


def supervise(manager: Any) -> Supervisor:
    supervisor = Supervisor(manager)
    supervisor.install()
    return supervisor
