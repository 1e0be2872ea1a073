"""DELETE /api/v1/users/me while deals are open: nobody is left waiting for an account
that is gone (README "Behaviour worth knowing")."""

from __future__ import annotations

from sheda.appointments.models import Appointment
from sheda.contracts.models import Contract
from sheda.notifications.models import Notification
from sheda.properties.models import Property
from tests.deals import (
    CONTRACTS,
    account,
    act,
    agent,
    at,
    book,
    confirmed_viewing,
    iso,
    listing,
    start_contract,
)

ME = "/api/v1/users/me"


async def _events(user_id: int, event: str) -> list[dict]:
    return [n.data for n in await Notification.filter(user_id=user_id, event=event)]


async def test_a_client_leaving_cancels_viewings_and_unpaid_contracts(client):
    seller = await agent(client)
    leaver = await account(client, "leaver@example.com")
    flat, house, shop = [await listing(seller.id) for _ in range(3)]
    pending = await book(client, leaver, flat.id, at(3))
    unpaid_viewing = await confirmed_viewing(client, leaver, seller, house.id, days=4)
    unpaid = await start_contract(client, leaver, house.id, unpaid_viewing["id"], months=6)
    paid_viewing = await confirmed_viewing(client, leaver, seller, shop.id, days=5)
    paid = await start_contract(client, leaver, shop.id, paid_viewing["id"], months=6)
    await act(client, leaver, "PATCH", f"{CONTRACTS}/{paid['id']}/payment-submitted", json={})

    assert (await client.delete(ME, headers=leaver.headers)).status_code == 204

    for viewing in (pending, unpaid_viewing, paid_viewing):
        assert (await Appointment.get(id=viewing["id"])).status == "canceled"
    assert (await Contract.get(id=unpaid["id"])).status == "canceled"
    assert (await Property.get(id=house.id)).status == "available"
    # money has moved on this one: it waits for the agent's decision
    assert (await Contract.get(id=paid["id"])).status == "payment_submitted"
    assert (await Property.get(id=shop.id)).status == "pending"
    told = await _events(seller.id, "appointment.canceled")
    assert sorted(d["appointment_id"] for d in told) == sorted(
        v["id"] for v in (pending, unpaid_viewing, paid_viewing)
    )
    assert [d["contract_id"] for d in await _events(seller.id, "contract.canceled")] == [
        unpaid["id"]
    ]


async def test_an_agent_leaving_cancels_the_viewings_booked_with_them(client):
    leaver = await agent(client)
    visitor = await account(client, "visitor@example.com")
    flat = await listing(leaver.id)
    pending = await book(client, visitor, flat.id, at(3))
    confirmed = await confirmed_viewing(client, visitor, leaver, flat.id, days=4)
    rejected = await book(client, visitor, flat.id, at(5))
    await act(client, leaver, "PATCH", f"/api/v1/appointments/{rejected['id']}/reject", json={})

    assert (await client.delete(ME, headers=leaver.headers)).status_code == 204

    assert (await Appointment.get(id=pending["id"])).status == "canceled"
    assert (await Appointment.get(id=confirmed["id"])).status == "canceled"
    assert (await Appointment.get(id=rejected["id"])).status == "rejected"
    told = await _events(visitor.id, "appointment.canceled")
    assert sorted(d["appointment_id"] for d in told) == sorted([pending["id"], confirmed["id"]])
    # nobody is left to answer for the listing: it is off the market
    assert (await client.get(f"/api/v1/properties/{flat.id}")).status_code == 404
    late = await client.post(
        "/api/v1/appointments",
        headers=visitor.headers,
        json={"property_id": flat.id, "scheduled_at": iso(at(6))},
    )
    assert late.status_code == 404
