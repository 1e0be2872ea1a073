"""The real server for the loop's tests: tests/chat_cluster/cluster.py's ``sheda serve``
subprocess (own process group, kill -9 fallback) on a fresh PostgreSQL database and the
test Redis, with SHEDA_JOBS_INTERVAL set; the job records read from its database; a deal
made active over its HTTP API; process facts from /proc (Linux)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import signal
import time
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from tests.chat_cluster.cluster import REDIS_URL, Database, ServerProcess, tracebacks
from tests.deals import (
    APPOINTMENTS,
    CONTRACTS,
    Account,
    account,
    act,
    agent,
    at,
    book,
    set_payment_account,
    start_contract,
)
from tests.jobs.helpers import PROPERTIES

Run = tuple[str, int, float, bool, str | None]  # job, pid, started_at (epoch), ok, error


@contextlib.asynccontextmanager
async def jobs_cluster(
    work_dir: Path, *, interval: int, workers: int = 2
) -> AsyncIterator[tuple[ServerProcess, Database, float]]:
    """(server, its database, time.time() just before it was started); both gone after."""
    db = await Database.create("sheda_jobs")
    try:
        await db.migrate(work_dir)
        server = ServerProcess(
            database_url=db.url, redis_url=REDIS_URL, data_dir=work_dir, workers=workers
        )
        server.env["SHEDA_JOBS_INTERVAL"] = str(interval)
        started = time.time()
        try:
            await server.start()
            yield server, db, started
        finally:
            await server.stop()  # a no-op when a test has stopped it already
    finally:
        await db.drop()


async def runs(db: Database) -> list[Run]:
    rows = await db.fetch(
        "SELECT job, pid, extract(epoch FROM started_at)::float8 AS t, ok, error "
        "FROM job_runs ORDER BY id"
    )
    return [(r["job"], r["pid"], r["t"], r["ok"], r["error"]) for r in rows]


def main_pid(server: ServerProcess) -> int:
    proc = server._proc
    assert proc is not None, "the server is not running"
    return proc.pid


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return text.rsplit(")", 1)[1].split()  # [state, ppid, ...]


def parent_of(pid: int) -> int | None:
    stat = _stat(pid)
    return None if stat is None else int(stat[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


async def active_deal(
    http: httpx.AsyncClient, suffix: str = ""
) -> tuple[Account, Account, dict[str, Any]]:
    """(client, agent, the active rental contract), every step over the server's API;
    ``suffix`` tells the accounts of several deals apart."""
    ada = await agent(http, f"ada{suffix}@example.com")
    carol = await account(http, f"carol{suffix}@example.com")
    await set_payment_account(http, ada)
    response = await http.post(
        PROPERTIES, headers=ada.headers,
        json={
            "title": "Lagoon flat", "description": "Quiet street", "price": 900000,
            "property_type": "apartment", "listing_type": "rent",
            "address": "3 Bourdillon Road", "city": "Lagos", "state": "Lagos",
        },
    )  # fmt: skip
    assert response.status_code == 201, response.text
    property_id = response.json()["id"]
    viewing = await book(http, carol, property_id, at(2))
    await act(http, ada, "PATCH", f"{APPOINTMENTS}/{viewing['id']}/confirm")
    contract = await start_contract(http, carol, property_id, viewing["id"], months=6)
    url = f"{CONTRACTS}/{contract['id']}"
    await act(http, carol, "PATCH", f"{url}/payment-submitted", json={})
    active = await act(http, ada, "PATCH", f"{url}/confirm-payment")
    assert active["status"] == "active"
    return carol, ada, active


async def end_contract_now(db: Database, contract_id: int) -> None:
    await db.execute(
        "UPDATE contracts SET end_date = now() - interval '1 minute' WHERE id = $1", contract_id
    )


def expired_frame_of(contract_id: int) -> Any:
    def matches(frame: dict[str, Any]) -> bool:
        return (
            frame.get("type") == "notification"
            and frame.get("event") == "contract.expired"
            and frame.get("data", {}).get("contract_id") == contract_id
        )

    return matches


# --- stopping ---------------------------------------------------------------------------------

SIGTERM_LOGGED = "Received signal SIGTERM"
# Sanic's main process, not ours: its SIGTERM handler writes the worker states through the
# multiprocessing manager while its monitor loop may be in the middle of reading them on
# the same connection; the replies cross and it dies with this line (exit 1), or it keeps
# spinning (DESIGN.md, pitfalls). tests/chat_cluster tolerates both the same way.
SANIC_SHUTDOWN_CRASH = "Experienced exception while trying to serve"
OUR_ERRORS = re.compile(r" (ERROR|CRITICAL) sheda")


@dataclasses.dataclass
class Stop:
    code: int | None  # None: still running after the grace period (then killed)
    log_before: str  # up to the SIGTERM
    log_after: str

    @property
    def sanic_race(self) -> bool:
        return self.code is None or (
            self.code != 0
            and SANIC_SHUTDOWN_CRASH in self.log_after
            and "worker_state" in self.log_after
        )


async def sigterm(server: ServerProcess, grace: float = 20.0) -> Stop:
    """SIGTERM to the main process, as an operator or an orchestrator stops it; what it
    did. The cluster's own stop (kill -9 of the group) cleans up afterwards."""
    proc = server._proc
    assert proc is not None, "the server is not running"
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    code = proc.poll()
    before, _, after = server.log().partition(SIGTERM_LOGGED)
    return Stop(code, before, after)


def assert_stopped_cleanly(stop: Stop, allowed: tuple[str, ...] = ()) -> None:
    """Nothing of ours failed: no traceback before the SIGTERM (but those logged after a
    line containing one of ``allowed``), no error of a sheda logger after it, and exit 0
    unless Sanic's own shutdown race (above) is what broke."""
    assert tracebacks(stop.log_before, allowed) == [], stop.log_before[-4000:]
    assert not OUR_ERRORS.search(stop.log_after), stop.log_after[-4000:]
    if stop.sanic_race:
        warnings.warn(
            f"Sanic's main process did not stop cleanly (code {stop.code}); its own "
            "shutdown race, see tests/jobs/cluster.py",
            stacklevel=2,
        )
        return
    assert stop.code == 0, stop.log_after[-4000:]
    assert tracebacks(stop.log_after) == [], stop.log_after[-4000:]
