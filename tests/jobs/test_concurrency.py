"""Two loops at once still act once per row (DESIGN.md "The background loop": each job is a
conditional UPDATE, so two servers running the loop expire each contract exactly once and
notify once; the README adds a cron job beside a server).

Two ticks in one process share the ORM's pool: on PostgreSQL each takes its own pooled
connection, so the conditional UPDATEs really race; on SQLite they share the one
connection and interleave between statements. Two ``sheda jobs run-once`` processes race
through the database only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from sheda.appointments.models import Appointment, AppointmentStatus
from sheda.contracts.models import Contract, ContractStatus
from sheda.jobs.loop import tick
from sheda.properties.models import Property, PropertyStatus
from tests.deals import CONTRACTS, account, admin, agent, listing
from tests.jobs.helpers import (
    contract_row,
    job_runs,
    now,
    run_once,
    soon,
    stored_events,
    viewing_row,
)

COUNT = 20


async def due_contracts(client) -> tuple[int, int, list[Contract]]:
    carol = await account(client, "carol@example.com")
    ada = await agent(client)
    rows = [
        await contract_row(carol.id, ada.id, end_date=now() - timedelta(minutes=i + 1))
        for i in range(COUNT)
    ]
    return carol.id, ada.id, rows


async def assert_each_expired_once(client_id: int, agent_id: int, rows: list[Contract]) -> None:
    ids = [row.id for row in rows]
    statuses = await Contract.filter(id__in=ids).values_list("status", flat=True)
    assert [ContractStatus(s) for s in statuses] == [ContractStatus.EXPIRED] * COUNT
    listings = await Property.filter(id__in=[r.property_id for r in rows]).values_list(
        "status", flat=True
    )
    assert [PropertyStatus(s) for s in listings] == [PropertyStatus.AVAILABLE] * COUNT
    told = await stored_events("contract.expired", "contract_id")
    expected = {(user, i): 1 for i in ids for user in (client_id, agent_id)}
    assert told == expected  # every party once per contract, no one twice


async def due_viewings(client) -> tuple[int, int, list[Appointment]]:
    carol = await account(client, "carol@example.com")
    ada = await agent(client)
    flat = await listing(ada.id)
    start = now() - timedelta(days=3)
    rows = [  # one agent's hour-long viewings, two hours apart: none overlap
        await viewing_row(carol.id, ada.id, flat.id, start + timedelta(hours=2 * i))
        for i in range(COUNT)
    ]
    return carol.id, ada.id, rows


async def test_two_ticks_at_once_expire_each_contract_once(client, server):
    rt = server.app.ctx.runtime
    client_id, agent_id, rows = await due_contracts(client)

    first, second = await asyncio.gather(tick(rt), tick(rt))

    assert first["expire_contracts"] + second["expire_contracts"] == COUNT
    await assert_each_expired_once(client_id, agent_id, rows)
    runs = await job_runs("expire_contracts")
    assert len(runs) == 2 and all(r.ok for r in runs)
    assert sorted(r.affected for r in runs) == sorted(
        [first["expire_contracts"], second["expire_contracts"]]
    )


async def test_two_ticks_at_once_cancel_each_stale_viewing_once(client, server):
    rt = server.app.ctx.runtime
    client_id, agent_id, rows = await due_viewings(client)

    first, second = await asyncio.gather(tick(rt), tick(rt))

    key = "cancel_stale_appointments"
    assert first[key] + second[key] == COUNT
    ids = [row.id for row in rows]
    statuses = await Appointment.filter(id__in=ids).values_list("status", flat=True)
    assert [AppointmentStatus(s) for s in statuses] == [AppointmentStatus.CANCELED] * COUNT
    told = await stored_events("appointment.canceled", "appointment_id")
    assert told == {(user, i): 1 for i in ids for user in (client_id, agent_id)}
    assert all(r.ok for r in await job_runs(key))


async def test_four_ticks_at_once(client, server):
    """More loops than two: still once per row."""
    rt = server.app.ctx.runtime
    client_id, agent_id, rows = await due_contracts(client)
    results = await asyncio.gather(*(tick(rt) for _ in range(4)))
    assert sum(r["expire_contracts"] for r in results) == COUNT
    await assert_each_expired_once(client_id, agent_id, rows)


async def test_ticks_and_an_admin_expiring_by_hand_at_once(client, server):
    """PATCH /contracts/{id}/expire (admin) racing two ticks: every contract expires once,
    each party is told once, and every request answers 200 (a repeat is not an error)."""
    rt = server.app.ctx.runtime
    client_id, agent_id, rows = await due_contracts(client)
    root = await admin(client)

    async def by_hand(contract: Contract) -> int:
        response = await client.patch(f"{CONTRACTS}/{contract.id}/expire", headers=root.headers)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "expired"
        return response.status_code

    results = await asyncio.gather(tick(rt), tick(rt), *(by_hand(r) for r in rows))

    assert results[0]["expire_contracts"] + results[1]["expire_contracts"] <= COUNT
    await assert_each_expired_once(client_id, agent_id, rows)


@pytest.mark.timeout(180)
async def test_two_processes_at_once_expire_each_contract_once(
    client, server, database_url, tmp_path
):
    """Two ``sheda jobs run-once`` on the same database, started at the same moment."""
    client_id, agent_id, rows = await due_contracts(client)
    viewer_id, viewing_agent_id, viewings = await due_viewings_of_others(client)
    start = soon(4.0)  # both interpreters are loaded by then

    first, second = await asyncio.gather(
        run_once(database_url, tmp_path / "a", start_at=start),
        run_once(database_url, tmp_path / "b", start_at=start),
    )

    for run in (first, second):
        assert run.code == 0, run.stdout + run.stderr
        assert "Traceback" not in run.stderr, run.stderr
    printed = [run.counts() for run in (first, second)]
    assert int(printed[0]["expire_contracts"]) + int(printed[1]["expire_contracts"]) == COUNT
    key = "cancel_stale_appointments"
    assert int(printed[0][key]) + int(printed[1][key]) == COUNT
    await assert_each_expired_once(client_id, agent_id, rows)
    told = await stored_events("appointment.canceled", "appointment_id")
    assert told == {(user, v.id): 1 for v in viewings for user in (viewer_id, viewing_agent_id)}
    pids = {r.pid for r in await job_runs("expire_contracts")}
    assert len(pids) == 2  # each process recorded its own run


async def due_viewings_of_others(client) -> tuple[int, int, list[Appointment]]:
    """Stale viewings between two other accounts (beside the contracts' parties)."""
    dan = await account(client, "dan@example.com")
    eve = await agent(client, "eve@example.com")
    flat = await listing(eve.id)
    start = now() - timedelta(days=3)
    rows = [
        await viewing_row(dan.id, eve.id, flat.id, start + timedelta(hours=2 * i))
        for i in range(COUNT)
    ]
    return dan.id, eve.id, rows
