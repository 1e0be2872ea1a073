"""How a server stops: SIGTERM or SIGINT, sent to the main process or to every process of
its group (systemd's default ``KillMode=control-group``, ``kill -TERM -PGID``), ends the
same way, within ``SHEDA_GRACEFUL_TIMEOUT`` seconds of the signal:

1. draining starts: ``/health`` answers 503 and new websocket handshakes 503, so a load
   balancer stops sending and reconnecting clients go elsewhere;
2. every open websocket is closed with 1001 (going away): clients reconnect, to another
   worker or server, and ``sync`` what they missed;
3. for ``SHEDA_DRAIN_DELAY`` seconds the server still accepts (the balancer's health check
   sees the 503 meanwhile), then it stops accepting and lets requests in flight finish;
4. the background loop finishes the tick it is in; the pools are closed; the process exits 0.

What stands in the way in Sanic, dealt with here:

- Its own handlers in a worker call ``app.stop`` on every signal and are removed as soon
  as the worker starts stopping, so a second signal (the group's SIGTERM, then the main
  process's SIGINT) either stops the loop again in the middle of the drain (the worker
  died, and the main process waited for it for good) or kills the worker outright
  (SIGTERM's default action). Workers get handlers that act once.
- It keeps its workers' states in a ``multiprocessing`` manager: a process of the same
  group, which dies on the group's SIGTERM; the main process's next look at the states
  then fails (BrokenPipeError) and it exits 1 while its workers are still draining. That
  process is started with SIGTERM ignored; it still exits when Sanic shuts it down, or
  when the main process is gone.
- Its main process handles a signal by talking to that manager from inside the signal
  handler. When the signal lands while the main thread is itself in the middle of a call to
  the manager (its monitor loop makes several every 0.1 s), the handler's call reads the
  answer meant for the interrupted one and the interrupted one then waits forever: the
  main process hung after its workers had finished (or failed with "'NoneType' object is
  not a mapping"). The main process's handler here only asks the monitor loop, through
  Sanic's own message pipe, to shut down; the loop does it outside any handler.
- Its own stop listener cancels websocket handlers, which closes their sockets with 1000:
  the drain runs before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from functools import partial
from multiprocessing.managers import SyncManager
from types import FrameType
from typing import Any

import sanic.mixins.startup as sanic_startup

from sheda.common.http import App
from sheda.common.sockets import GOING_AWAY
from sheda.config import Settings, in_sanic_server_process

logger = logging.getLogger("sheda.lifecycle")

SOCKET_CLOSE_WAIT = 1.5  # seconds for the closing handshakes of every socket
CLOSE_RESERVE = 2.0  # seconds kept, out of the grace period, for the loop and the pools


# --- the worker-state store of Sanic's main process ---------------------------------------


def _ignore_sigterm_until_parent_exits() -> None:
    """Runs first in the manager's process (module level: it is pickled to a new one)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:  # never outlive the main process, whatever killed it
        threading.Thread(target=_exit_after, args=(parent,), daemon=True).start()


def _exit_after(parent: Any) -> None:
    parent.join()
    os._exit(0)


def _signal_proof_manager() -> SyncManager:
    """What ``multiprocessing.Manager()`` does, with the initializer above."""
    manager = SyncManager(ctx=multiprocessing.get_context())
    manager.start(initializer=_ignore_sigterm_until_parent_exits)
    return manager


def protect_worker_state_store() -> None:
    """Call in the main process before Sanic serves (idempotent). Sanic 25 creates its store
    with ``Manager()`` imported into ``sanic.mixins.startup``; should that change, the
    group-signal tests of tests/operations/test_shutdown.py fail."""
    if getattr(sanic_startup, "Manager", None) is not None:
        # Sanic's own module attribute: not an export, so mypy refuses the assignment.
        sanic_startup.Manager = _signal_proof_manager  # type: ignore[attr-defined]


# --- the main process's signals --------------------------------------------------------------

TERMINATE = "__TERMINATE__"  # what Sanic's monitor loop answers with shutdown()


def defer_main_process_signals(manager: Any) -> None:
    """From ``main_process_ready``, once Sanic's worker manager exists (it installed its
    own handlers then)."""
    requested = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if requested.is_set():  # a second signal while stopping: as Sanic does, kill
            logger.warning("signal %s while stopping: killing the server", signum)
            with contextlib.suppress(BaseException):
                manager.kill()
            return
        requested.set()
        logger.info("received signal %s; stopping", signal.Signals(signum).name)
        manager.monitor_publisher.send(TERMINATE)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)


# --- a worker's signals ---------------------------------------------------------------------


def _act_once_on_stop_signals(app: App, loop: asyncio.AbstractEventLoop) -> None:
    """Replace Sanic's loop signal handlers with plain ones that stop the worker once.
    Plain handlers are not the loop's, so Sanic's clean-up leaves them in place."""
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return  # already stopping: the group's signal and the main process's both come
        stopping.set()
        loop.call_soon_threadsafe(partial(app.stop, terminate=False))

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
        signal.signal(sig, on_signal)


def install(app: App, settings: Settings) -> None:
    """Register the stop listeners on ``app``; ``after_server_stop`` (app.py) then waits
    for the background loop's tick with ``seconds_left`` and closes the runtime."""
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = settings.graceful_timeout

    @app.after_server_start
    async def own_signals(app: App) -> None:
        if in_sanic_server_process():  # never in a test's server, which owns its signals
            _act_once_on_stop_signals(app, asyncio.get_running_loop())

    async def drain(app: App) -> None:
        started = time.monotonic()
        app.ctx.stop_deadline = started + settings.graceful_timeout
        logger.info(
            "stopping: draining for up to %s s (new sockets refused, open ones closed 1001)",
            settings.graceful_timeout,
        )
        runtime = getattr(app.ctx, "runtime", None)
        if runtime is not None:
            runtime.draining = True  # /health says so; new sockets are refused
            await runtime.hub.close_all(GOING_AWAY, "server shutdown", wait=SOCKET_CLOSE_WAIT)
        jobs = getattr(app.ctx, "jobs", None)
        if jobs is not None:
            jobs.stop()  # no new tick; the one running finishes (after_server_stop waits)
        if settings.drain_delay:
            await asyncio.sleep(settings.drain_delay)
        # What is left of the grace period, less what closing down takes, is how long
        # Sanic lets requests in flight finish before it drops them.
        left = settings.graceful_timeout - (time.monotonic() - started) - CLOSE_RESERVE
        app.config.GRACEFUL_SHUTDOWN_TIMEOUT = max(0.5, left)

    # Before Sanic's own listener, which cancels websocket handlers (closing them with
    # 1000). Stop listeners run lowest priority first.
    app.before_server_stop(drain, priority=-10_000)


def seconds_left(app: App, *, reserve: float = 0.5) -> float:
    """Seconds until the stop deadline (less ``reserve``); the grace period when the server
    stops without a drain (a test's server)."""
    deadline = getattr(app.ctx, "stop_deadline", None)
    if deadline is None:
        return float(app.config.GRACEFUL_SHUTDOWN_TIMEOUT)
    left: float = deadline - time.monotonic() - reserve
    return max(0.1, left)
