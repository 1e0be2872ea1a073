"""Contracts under concurrent requests: one open contract per listing whatever the race,
and every move made (and told) once (API.md: "database-enforced", "every transition is
atomic, idempotent when repeated")."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from sheda.config import RateLimit
from sheda.contracts.models import Contract
from sheda.properties.models import Property
from tests.contracts.helpers import (
    OPEN_STATES,
    contract_in,
    contract_url,
    event_names,
    in_hours,
    property_status,
    ready_deal,
    stored_viewing,
)
from tests.deals import CONTRACTS, account, admin, agent, listing

CLIENTS = 50
REPEATS = 20


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    # Fifty clients sign up from one address here; the limit has its own tests.
    return {"rate_register_ip": RateLimit(500, 3600)}


async def test_fifty_clients_race_for_one_listing(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    people = await asyncio.gather(
        *(account(client, f"client{i}@example.com") for i in range(CLIENTS))
    )
    viewings = [
        await stored_viewing(flat.id, person.id, ada.id, in_hours(i))
        for i, person in enumerate(people)
    ]

    responses = await asyncio.gather(
        *(
            client.post(
                f"{CONTRACTS}/{flat.id}",
                headers=person.headers,
                json={"appointment_id": viewing.id, "rental_period_months": 12},
            )
            for person, viewing in zip(people, viewings, strict=True)
        )
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: CLIENTS - 1}, [r.text for r in responses if r.status_code
                                                      not in (201, 409)]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "conflict"
    winner = next(r for r in responses if r.status_code == 201).json()
    rows = await Contract.all()
    assert [(row.id, row.status) for row in rows] == [(winner["id"], "awaiting_payment")]
    assert await Contract.filter(property_id=flat.id, status__in=OPEN_STATES).count() == 1
    assert winner["client_id"] in {person.id for person in people}
    assert await property_status(client, flat.id) == "pending"
    assert await event_names(client, ada) == ["contract.created"]


async def test_twenty_confirmations_activate_once(client):
    deal = await ready_deal(client)
    submitted = await contract_in(client, deal, "payment_submitted")

    responses = await asyncio.gather(
        *(
            client.patch(contract_url(submitted, "confirm-payment"), headers=deal.agent.headers)
            for _ in range(REPEATS)
        )
    )

    assert [r.status_code for r in responses] == [200] * REPEATS, [r.text for r in responses]
    bodies = [r.json() for r in responses]
    assert {b["status"] for b in bodies} == {"active"}
    # every answer names the one activation that happened
    row = await Contract.get(id=submitted["id"])
    assert {(b["start_date"], b["end_date"]) for b in bodies} == {
        (bodies[0]["start_date"], bodies[0]["end_date"])
    }
    assert row.status == "active" and row.start_date is not None
    assert await event_names(client, deal.client) == ["contract.active"]
    assert await property_status(client, deal.property_id) == "rented"


async def test_confirm_and_decline_race_one_wins(client):
    deal = await ready_deal(client)
    submitted = await contract_in(client, deal, "payment_submitted")
    moves = ["confirm-payment", "decline-payment"] * (REPEATS // 2)

    responses = await asyncio.gather(
        *(
            client.patch(contract_url(submitted, move), headers=deal.agent.headers)
            for move in moves
        )
    )

    final = (await Contract.get(id=submitted["id"])).status
    assert final in ("active", "declined")
    winning = "confirm-payment" if final == "active" else "decline-payment"
    for move, response in zip(moves, responses, strict=True):
        expected = 200 if move == winning else 409
        assert response.status_code == expected, (move, response.text)
        if expected == 200:
            assert response.json()["status"] == final
    assert await event_names(client, deal.client) == [f"contract.{final}"]
    listing_status = (await Property.get(id=deal.property_id)).status
    assert listing_status == ("rented" if final == "active" else "available")


async def test_submit_and_cancel_race_one_wins(client):
    deal = await ready_deal(client)
    created = await contract_in(client, deal, "awaiting_payment")
    calls = [("PATCH", "payment-submitted"), ("DELETE", "")] * (REPEATS // 2)

    responses = await asyncio.gather(
        *(
            client.request(method, contract_url(created, action), headers=deal.client.headers)
            for method, action in calls
        )
    )

    final = (await Contract.get(id=created["id"])).status
    assert final in ("payment_submitted", "canceled")
    winning = "payment-submitted" if final == "payment_submitted" else ""
    for (_, action), response in zip(calls, responses, strict=True):
        assert response.status_code == (200 if action == winning else 409), response.text
    assert await event_names(client, deal.agent) == ["contract.created", f"contract.{final}"]
    assert await property_status(client, deal.property_id) == (
        "pending" if final == "payment_submitted" else "available"
    )


async def test_twenty_expirations_tell_each_party_once(client):
    deal = await ready_deal(client)
    root = await admin(client)
    active = await contract_in(client, deal, "active")

    responses = await asyncio.gather(
        *(
            client.patch(contract_url(active, "expire"), headers=root.headers)
            for _ in range(REPEATS)
        )
    )

    assert [r.status_code for r in responses] == [200] * REPEATS, [r.text for r in responses]
    assert (await Contract.get(id=active["id"])).status == "expired"
    assert (await event_names(client, deal.client)).count("contract.expired") == 1
    assert (await event_names(client, deal.agent)).count("contract.expired") == 1
    assert await property_status(client, deal.property_id) == "available"


async def test_twenty_payment_notices_store_one_reference(client):
    deal = await ready_deal(client)
    created = await contract_in(client, deal, "awaiting_payment")

    responses = await asyncio.gather(
        *(
            client.patch(
                contract_url(created, "payment-submitted"),
                headers=deal.client.headers,
                json={"payment_reference": f"TRF-{i:02d}"},
            )
            for i in range(REPEATS)
        )
    )

    assert [r.status_code for r in responses] == [200] * REPEATS, [r.text for r in responses]
    stored = (await Contract.get(id=created["id"])).payment_reference
    assert stored in {f"TRF-{i:02d}" for i in range(REPEATS)}
    # the repeats answer with the stored object: nobody is told a reference that was dropped
    assert {r.json()["payment_reference"] for r in responses} == {stored}
    assert (await event_names(client, deal.agent)).count("contract.payment_submitted") == 1


@pytest.mark.parametrize("round_", range(5))
async def test_a_contract_and_the_agents_status_change_race(client, round_):
    deal = await ready_deal(client)

    created, patched = await asyncio.gather(
        client.post(
            f"{CONTRACTS}/{deal.property_id}",
            headers=deal.client.headers,
            json={"appointment_id": deal.viewing["id"], "rental_period_months": 12},
        ),
        client.patch(
            f"/api/v1/properties/{deal.property_id}",
            headers=deal.agent.headers,
            json={"status": "sold"},
        ),
    )

    outcome = (created.status_code, patched.status_code)
    assert outcome in {(201, 409), (409, 200)}, (created.text, patched.text)
    status = await property_status(client, deal.property_id)
    if created.status_code == 201:
        assert status == "pending"
        assert await Contract.filter(status="awaiting_payment").count() == 1
    else:
        assert status == "sold"
        assert await Contract.all().count() == 0


@pytest.mark.parametrize("round_", range(5))
async def test_a_contract_and_the_listings_deletion_race(client, round_):
    deal = await ready_deal(client)

    created, deleted = await asyncio.gather(
        client.post(
            f"{CONTRACTS}/{deal.property_id}",
            headers=deal.client.headers,
            json={"appointment_id": deal.viewing["id"], "rental_period_months": 12},
        ),
        client.delete(f"/api/v1/properties/{deal.property_id}", headers=deal.agent.headers),
    )

    if created.status_code == 201:
        assert deleted.status_code == 409, deleted.text
        assert await property_status(client, deal.property_id) == "pending"
    else:
        assert created.status_code in (404, 409), created.text
        assert deleted.status_code == 204, deleted.text
        assert not await Property.exists(id=deal.property_id)
    # never an open contract without its listing
    assert not await Contract.filter(property_id=None, status__in=OPEN_STATES).exists()
    assert await Contract.filter(status__in=OPEN_STATES).count() == (
        1 if created.status_code == 201 else 0
    )
