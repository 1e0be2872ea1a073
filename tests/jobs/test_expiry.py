"""Which contracts the loop expires (DESIGN.md "The background loop": active contracts past
``end_date``; API.md "Payments and contracts": an expired contract frees the listing), what
a tick reports, and the JobRun record of every run."""

from __future__ import annotations

import os
from datetime import timedelta

from sheda.contracts import service as contracts
from sheda.contracts.models import Contract, ContractStatus
from sheda.jobs.loop import tick
from sheda.jobs.models import JobRun
from sheda.properties.models import Property
from tests.deals import account, agent
from tests.jobs.helpers import (
    DOCUMENTED_JOBS,
    JOB_NAMES,
    contract_row,
    job_runs,
    notifications,
    now,
    status_of,
    stored_events,
    told,
)


async def parties(client):
    return await account(client, "carol@example.com"), await agent(client)


async def test_only_active_contracts_past_their_end_expire(client, server):
    carol, ada = await parties(client)
    past = now() - timedelta(hours=1)
    due = await contract_row(carol.id, ada.id, end_date=past, title="Due")
    due_too = await contract_row(carol.id, ada.id, end_date=now() - timedelta(days=40))
    future = await contract_row(carol.id, ada.id, end_date=now() + timedelta(days=1))
    sale = await contract_row(carol.id, ada.id, end_date=None, listing_type="sale")
    canceled = await contract_row(carol.id, ada.id, end_date=past, status=ContractStatus.CANCELED)
    unpaid = await contract_row(
        carol.id, ada.id, end_date=past, status=ContractStatus.PAYMENT_SUBMITTED
    )

    result = await tick(server.app.ctx.runtime)

    assert result["expire_contracts"] == 2
    assert await status_of(Contract, due.id) == "expired"
    assert await status_of(Contract, due_too.id) == "expired"
    assert await status_of(Property, due.property_id) == "available"
    assert await status_of(Property, due_too.property_id) == "available"
    # Untouched, and so are their listings.
    assert await status_of(Contract, future.id) == "active"
    assert await status_of(Property, future.property_id) == "rented"
    assert await status_of(Contract, sale.id) == "active"
    assert await status_of(Property, sale.property_id) == "sold"
    assert await status_of(Contract, canceled.id) == "canceled"
    assert await status_of(Contract, unpaid.id) == "payment_submitted"
    assert await status_of(Property, unpaid.property_id) == "pending"

    # Both parties told once of each expiry, of nothing else.
    for person in (carol, ada):
        items = await notifications(client, person)
        assert sorted(n["data"]["contract_id"] for n in items) == sorted([due.id, due_too.id])
        assert {n["event"] for n in items} == {"contract.expired"}
    assert len(told(await notifications(client, carol), "contract.expired", "contract_id",
                    due.id)) == 1  # fmt: skip


async def test_the_end_date_itself_is_due(server, client):
    """``end_date <= now``: a contract ending exactly at the tick's time expires, one ending
    a moment later does not (the service the job calls, with the tick's clock)."""
    carol, ada = await parties(client)
    moment = now().replace(microsecond=0)
    at_the_end = await contract_row(carol.id, ada.id, end_date=moment)
    just_after = await contract_row(carol.id, ada.id, end_date=moment + timedelta(seconds=1))
    assert await contracts.expire_due(rt=server.app.ctx.runtime, now=moment) == 1
    assert await status_of(Contract, at_the_end.id) == "expired"
    assert await status_of(Contract, just_after.id) == "active"


async def test_expiry_does_not_take_back_a_listing_the_agent_changed(client, server):
    """The listing goes back to ``available`` only from a state the deal put it in."""
    carol, ada = await parties(client)
    due = await contract_row(carol.id, ada.id, end_date=now() - timedelta(hours=1))
    await Property.filter(id=due.property_id).update(is_active=False)  # moderated meanwhile
    assert (await tick(server.app.ctx.runtime))["expire_contracts"] == 1
    flat = await Property.get(id=due.property_id)
    assert flat.status.value == "available"
    assert flat.is_active is False  # expiry changes the status only


async def test_the_result_and_the_job_records(client, server):
    carol, ada = await parties(client)
    for hours in (1, 2, 3):
        await contract_row(carol.id, ada.id, end_date=now() - timedelta(hours=hours))
    before = now()

    result = await tick(server.app.ctx.runtime)

    after = now()
    assert set(DOCUMENTED_JOBS) <= set(JOB_NAMES)
    assert list(result) == list(JOB_NAMES)  # every job of the loop, in its order
    # Registering two accounts left two live sessions and two live codes: nothing else due.
    assert result == {**dict.fromkeys(JOB_NAMES, 0), "expire_contracts": 3}
    runs = await job_runs()
    assert [r.job for r in runs] == list(JOB_NAMES)  # one record per job, in run order
    for run in runs:
        assert run.ok is True
        assert run.error is None
        assert run.pid == os.getpid()
        assert run.affected == result[run.job]
        assert before - timedelta(seconds=1) <= run.started_at <= after
        assert run.duration_ms >= 0
    assert [r.started_at for r in runs] == sorted(r.started_at for r in runs)

    # A second tick adds a record for each job, with nothing changed.
    assert await tick(server.app.ctx.runtime) == dict.fromkeys(JOB_NAMES, 0)
    runs = await job_runs()
    assert len(runs) == 2 * len(JOB_NAMES)
    assert [(r.job, r.affected, r.ok) for r in runs[len(JOB_NAMES) :]] == [
        (name, 0, True) for name in JOB_NAMES
    ]


async def test_notifications_name_the_contract_and_listing(client, server):
    carol, ada = await parties(client)
    due = await contract_row(carol.id, ada.id, end_date=now() - timedelta(hours=1),
                             title="Harbour view")  # fmt: skip
    await tick(server.app.ctx.runtime)
    counts = await stored_events("contract.expired", "contract_id")
    assert counts == {(carol.id, due.id): 1, (ada.id, due.id): 1}
    for person in (carol, ada):
        (item,) = await notifications(client, person)
        assert item["data"]["property_id"] == due.property_id
        assert "Harbour view" in item["data"]["summary"]
        assert item["read_at"] is None


async def test_old_job_records_are_dropped_after_thirty_days(client, server):
    old = await JobRun.create(
        job="expire_contracts", pid=1, started_at=now() - timedelta(days=31), duration_ms=1,
        ok=True,
    )  # fmt: skip
    recent = await JobRun.create(
        job="expire_contracts", pid=1, started_at=now() - timedelta(days=29), duration_ms=1,
        ok=True,
    )  # fmt: skip
    await tick(server.app.ctx.runtime)
    assert not await JobRun.exists(id=old.id)
    assert await JobRun.exists(id=recent.id)
