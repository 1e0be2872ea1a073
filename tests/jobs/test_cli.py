"""``sheda jobs run-once`` (README "The background loop"; cron's way when
SHEDA_JOBS_INTERVAL=0): one tick in a process of its own against the configured database,
one line per job with what it changed, exit 0; a failed job prints ``failed`` and the
command exits 1. Run as a real subprocess against the test database (on SQLite a file,
which another process can open too)."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import timedelta

import pytest
from tortoise import connections

from sheda.appointments.models import Appointment
from sheda.auth.models import OtpCode, RefreshToken, ResetGrant
from sheda.contracts.models import Contract
from sheda.properties.models import Property
from tests.chat_cluster.cluster import ROOT
from tests.deals import account, agent, listing
from tests.jobs.helpers import (
    JOB_NAMES,
    cli_env,
    contract_row,
    job_runs,
    now,
    run_once,
    status_of,
    viewing_row,
)

pytestmark = pytest.mark.timeout(180)
PAST = timedelta(minutes=5)


async def something_due(client) -> dict[str, int]:
    """One rental past its end, two stale viewings, and three credentials that expired
    (a code, a reset grant, a refresh token of a live session: nothing cascades)."""
    carol = await account(client, "carol@example.com")
    ada = await agent(client)
    await OtpCode.filter(user_id=carol.id).update(expires_at=now() - PAST)
    await ResetGrant.create(jti=uuid.uuid4().hex, user_id=ada.id, expires_at=now() - PAST)
    await RefreshToken.filter(id=(await RefreshToken.first()).id).update(expires_at=now() - PAST)
    await contract_row(carol.id, ada.id, end_date=now() - timedelta(days=1))
    flat = await listing(ada.id)
    for hours in (3, 6):
        await viewing_row(carol.id, ada.id, flat.id, now() - timedelta(hours=hours))
    return {
        **dict.fromkeys(JOB_NAMES, 0),
        "expire_contracts": 1,
        "cancel_stale_appointments": 2,
        "purge_credentials": 3,
    }


async def test_run_once_prints_one_line_per_job(client, server, database_url, tmp_path):
    expected = await something_due(client)

    run = await run_once(database_url, tmp_path)

    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == [f"{name}: {expected[name]}" for name in JOB_NAMES]
    assert "Traceback" not in run.stderr, run.stderr
    # It did what it printed, in the database the server uses.
    contract = await Contract.first()
    assert contract is not None and contract.status.value == "expired"
    assert await status_of(Property, contract.property_id) == "available"
    assert await Appointment.filter(status="canceled").count() == 2
    assert await OtpCode.all().count() == 1 and await ResetGrant.all().count() == 0
    runs = await job_runs()
    assert [r.job for r in runs] == list(JOB_NAMES)
    assert all(r.ok for r in runs)
    (pid,) = {r.pid for r in runs}
    assert pid not in (os.getpid(), 0)  # recorded by the command's own process

    again = await run_once(database_url, tmp_path)
    assert again.code == 0, again.stdout + again.stderr
    assert again.stdout.splitlines() == [f"{name}: 0" for name in JOB_NAMES]


async def test_a_failed_job_prints_failed_and_exits_1(client, server, database_url, tmp_path):
    expected = await something_due(client)
    contract = await Contract.first()
    assert contract is not None
    # A value the model's enum does not know: the expiry job fails on loading the row.
    await connections.get("default").execute_script(
        f"UPDATE contracts SET contract_type = 'lease' WHERE id = {int(contract.id)}"
    )

    run = await run_once(database_url, tmp_path)

    assert run.code == 1, run.stdout + run.stderr
    printed = run.counts()
    assert list(printed) == list(JOB_NAMES)
    assert printed["expire_contracts"] == "failed (see the log)"
    # The other jobs still ran and report their counts.
    for name in JOB_NAMES:
        if name != "expire_contracts":
            assert printed[name] == str(expected[name])
    assert "job expire_contracts failed" in run.stderr
    assert "ValueError" in run.stderr
    assert await Appointment.filter(status="canceled").count() == 2
    (failed,) = await job_runs("expire_contracts")
    assert failed.ok is False and failed.error is not None


async def test_jobs_needs_a_subcommand(tmp_path, database_url):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sheda.cli", "jobs",
        cwd=ROOT, env=cli_env(database_url, tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2, out + err
    assert b"run-once" in err
