"""The background loop cancels contracts left awaiting payment longer than
SHEDA_PAYMENT_WINDOW and gives their listing back (a client who walks away must not hold a
listing forever: only the client may cancel by hand)."""

from __future__ import annotations

from datetime import timedelta

from sheda.common.clock import utcnow
from sheda.contracts.models import Contract
from sheda.jobs.loop import tick
from sheda.notifications.models import Notification
from sheda.properties.models import Property
from tests.deals import (
    CONTRACTS,
    account,
    act,
    agent,
    confirmed_viewing,
    listing,
    start_contract,
)


async def _awaiting(client, email: str):
    seller = await agent(client, f"agent-{email}")
    buyer = await account(client, email)
    home = await listing(seller.id)
    viewing = await confirmed_viewing(client, buyer, seller, home.id)
    deal = await start_contract(client, buyer, home.id, viewing["id"], months=6)
    return seller, buyer, home, deal


async def _age(contract_id: int, seconds: int) -> None:
    await Contract.filter(id=contract_id).update(created_at=utcnow() - timedelta(seconds=seconds))


async def test_a_contract_unpaid_past_the_window_is_canceled_and_the_listing_freed(client, server):
    rt = server.app.ctx.runtime
    window = rt.settings.payment_window
    seller, buyer, home, old = await _awaiting(client, "late@example.com")
    _, _, other_home, fresh = await _awaiting(client, "prompt@example.com")
    await _age(old["id"], window + 60)
    await _age(fresh["id"], window - 600)

    results = await tick(rt)

    assert results["cancel_unpaid_contracts"] == 1
    assert (await Contract.get(id=old["id"])).status == "canceled"
    assert (await Contract.get(id=fresh["id"])).status == "awaiting_payment"
    assert (await Property.get(id=home.id)).status == "available"
    assert (await Property.get(id=other_home.id)).status == "pending"
    for person in (buyer, seller):
        events = await Notification.filter(user_id=person.id, event="contract.canceled")
        assert [n.data["contract_id"] for n in events] == [old["id"]]

    # the listing takes a new contract at once
    viewing = await confirmed_viewing(client, buyer, seller, home.id, days=3)
    await start_contract(client, buyer, home.id, viewing["id"], months=3)


async def test_submitted_payments_are_left_for_the_agent(client, server):
    rt = server.app.ctx.runtime
    _, buyer, home, deal = await _awaiting(client, "payer@example.com")
    await act(client, buyer, "PATCH", f"{CONTRACTS}/{deal['id']}/payment-submitted", json={})
    await _age(deal["id"], rt.settings.payment_window * 2)

    assert (await tick(rt))["cancel_unpaid_contracts"] == 0
    assert (await Contract.get(id=deal["id"])).status == "payment_submitted"
    assert (await Property.get(id=home.id)).status == "pending"


async def test_a_second_tick_changes_nothing_and_notifies_no_one(client, server):
    rt = server.app.ctx.runtime
    seller, _, _, deal = await _awaiting(client, "gone@example.com")
    await _age(deal["id"], rt.settings.payment_window + 1)
    assert (await tick(rt))["cancel_unpaid_contracts"] == 1

    assert (await tick(rt))["cancel_unpaid_contracts"] == 0
    assert await Notification.filter(user_id=seller.id, event="contract.canceled").count() == 1
