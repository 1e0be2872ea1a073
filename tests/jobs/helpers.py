"""Helpers for the background loop tests, on top of tests/deals.py: deals put straight in
the database in the state a test needs (the API refuses past times, and its own tests walk
the HTTP steps), reading back notifications and job records, and ``sheda jobs run-once``
as a real subprocess.

Times are moved into the past in the database because nothing else can: the loop acts on
``end_date`` and ``scheduled_at`` compared with the clock.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from tortoise import connections

from sheda.appointments.models import Appointment, AppointmentStatus
from sheda.contracts.models import Contract, ContractStatus
from sheda.jobs.models import JobRun
from sheda.jobs.tasks import JOBS
from sheda.notifications.models import Notification
from sheda.properties.models import Property, PropertyStatus
from tests.chat_cluster.cluster import ROOT, clean_env
from tests.deals import Account, listing

NOTIFICATIONS = "/api/v1/notifications"
PROPERTIES = "/api/v1/properties"
# The jobs DESIGN.md and the README name; the loop may run more (JOB_NAMES is all of them).
DOCUMENTED_JOBS = ("expire_contracts", "cancel_stale_appointments", "purge_credentials")
JOB_NAMES = tuple(job.name for job in JOBS)
CLI_SECRET = "jobs-cli-test-secret-" + "s" * 40
# The console script installed beside the interpreter running the tests.
SHEDA_SCRIPT = Path(sys.executable).parent / "sheda"


def now() -> datetime:
    return datetime.now(UTC)


def token_of(person: Account) -> str:
    return person.headers["Authorization"].removeprefix("Bearer ")


async def is_postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


async def spread_user_ids() -> None:
    """Start user ids far from 1, different in every run. Redis pub/sub channels ignore
    the database number, so another suite sharing the Redis server could otherwise push a
    frame for its user 1 to our user 1 (tests/chat_cluster/cluster.py)."""
    start = int.from_bytes(os.urandom(3), "big") + 10_000_000
    conn = connections.get("default")
    if await is_postgres():
        await conn.execute_query(
            f"SELECT setval(pg_get_serial_sequence('users', 'id'), {start}, false)"
        )
    else:
        await conn.execute_script(
            f"DELETE FROM sqlite_sequence WHERE name = 'users';"
            f"INSERT INTO sqlite_sequence (name, seq) VALUES ('users', {start})"
        )


# --- deals in the database -------------------------------------------------------------------


async def contract_row(
    client_id: int,
    agent_id: int,
    *,
    status: ContractStatus = ContractStatus.ACTIVE,
    end_date: datetime | None,
    listing_type: str = "rent",
    title: str = "Two-bed flat",
) -> Contract:
    """A listing of its own and a contract on it in ``status``; the listing is in the state
    such a contract leaves it (rented or sold while active, pending while unpaid)."""
    held = {
        ContractStatus.ACTIVE: (
            PropertyStatus.RENTED if listing_type == "rent" else PropertyStatus.SOLD
        ),
        ContractStatus.AWAITING_PAYMENT: PropertyStatus.PENDING,
        ContractStatus.PAYMENT_SUBMITTED: PropertyStatus.PENDING,
    }
    flat = await listing(
        agent_id, title=title, listing_type=listing_type,
        status=held.get(status, PropertyStatus.AVAILABLE),
    )  # fmt: skip
    months = 12 if listing_type == "rent" else None
    start = None if end_date is None else end_date - timedelta(days=365)
    return await Contract.create(
        property_id=flat.id,
        client_id=client_id,
        agent_id=agent_id,
        contract_type=listing_type,
        amount=flat.price * (months or 1),
        rental_period_months=months,
        start_date=start,
        end_date=end_date,
        status=status,
    )


async def viewing_row(
    client_id: int,
    agent_id: int,
    property_id: int,
    start: datetime,
    *,
    status: AppointmentStatus = AppointmentStatus.PENDING,
    minutes: int = 60,
) -> Appointment:
    return await Appointment.create(
        property_id=property_id,
        client_id=client_id,
        agent_id=agent_id,
        scheduled_at=start,
        ends_at=start + timedelta(minutes=minutes),
        duration_minutes=minutes,
        status=status,
    )


async def move_viewing_to(appointment_id: int, start: datetime) -> None:
    row = await Appointment.get(id=appointment_id)
    await Appointment.filter(id=appointment_id).update(
        scheduled_at=start, ends_at=start + timedelta(minutes=row.duration_minutes)
    )


async def status_of(model: type[Contract] | type[Appointment] | type[Property], row_id: int) -> str:
    row = await model.get(id=row_id)
    return str(row.status.value)


# --- reading back -------------------------------------------------------------------------------


async def notifications(client: httpx.AsyncClient, person: Account) -> list[dict[str, Any]]:
    """Every notification of ``person`` (GET /notifications, all pages), newest first."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        response = await client.get(NOTIFICATIONS, headers=person.headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if not body["next_cursor"]:
            return items
        params["cursor"] = body["next_cursor"]


def told(items: list[dict[str, Any]], event: str, key: str, row_id: int) -> list[dict[str, Any]]:
    """The notifications among ``items`` of ``event`` about row ``row_id`` (data[key])."""
    return [n for n in items if n["event"] == event and n["data"].get(key) == row_id]


async def stored_events(event: str, key: str) -> Counter[tuple[int, int]]:
    """{(user id, data[key]): how many ``event`` notifications} across every user (read in
    Python: JSON lookups do not work on SQLite)."""
    rows = await Notification.filter(event=event).values("user_id", "data")
    return Counter((row["user_id"], row["data"][key]) for row in rows)


async def job_runs(job: str | None = None) -> list[JobRun]:
    query = JobRun.all() if job is None else JobRun.filter(job=job)
    return await query.order_by("id")


# --- sheda jobs run-once in a subprocess ---------------------------------------------------------


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def counts(self) -> dict[str, str]:
        """{job: what it printed after the colon}, one line per job."""
        found: dict[str, str] = {}
        for line in self.stdout.splitlines():
            name, sep, value = line.partition(": ")
            assert sep, f"unexpected output line {line!r}"
            assert name not in found, f"{name} printed twice"
            found[name] = value
        return found


def cli_env(database_url: str, data_dir: Path, redis_url: str | None = None) -> dict[str, str]:
    env = clean_env(
        SHEDA_ENV="test",
        SHEDA_DATABASE_URL=database_url,
        SHEDA_SECRET_KEY=CLI_SECRET,
        SHEDA_DATA_DIR=str(data_dir),
    )
    if redis_url:
        env["SHEDA_REDIS_URL"] = redis_url
    return env


async def run_once(
    database_url: str,
    data_dir: Path,
    *,
    start_at: float | None = None,
    redis_url: str | None = None,
    timeout: float = 60,
) -> CliResult:
    """``sheda jobs run-once``. With ``start_at`` (a time.time() value) the command starts
    at that moment, after the interpreter and the app's modules are loaded, so two of them
    really run at the same time."""
    program = sys.executable
    if start_at is None:
        args = ["-m", "sheda.cli", "jobs", "run-once"]
        if SHEDA_SCRIPT.exists():  # the installed command itself, as an operator runs it
            program, args = str(SHEDA_SCRIPT), ["jobs", "run-once"]
    else:
        code = (
            "import sys, time\n"
            "from sheda.cli import main\n"
            "time.sleep(max(0.0, float(sys.argv[1]) - time.time()))\n"
            "main(['jobs', 'run-once'])\n"
        )
        args = ["-c", code, repr(start_at)]
    proc = await asyncio.create_subprocess_exec(
        program, *args,
        cwd=ROOT,
        env=cli_env(database_url, data_dir, redis_url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"sheda jobs run-once did not end within {timeout} s") from None
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(), err.decode())


def soon(seconds: float = 3.0) -> float:
    return time.time() + seconds
