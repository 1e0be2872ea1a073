"""POST /api/v1/contracts/{property_id} refused for what the caller, the viewing or the
listing is: 409 for a viewing or listing in the wrong state, 404 for what the caller cannot
see, 422 for another listing's viewing, 403 for one's own listing or an agent token."""

from __future__ import annotations

import os

import pytest

from sheda.contracts.models import Contract
from sheda.properties.models import Property
from tests.contracts.helpers import (
    another_viewer,
    as_client,
    assert_nothing_started,
    contract_events,
    contract_in,
    post_contract,
    property_status,
    ready_deal,
    stored_contract,
    stored_viewing,
)
from tests.deals import (
    APPOINTMENTS,
    CONTRACTS,
    account,
    act,
    admin,
    agent,
    at,
    book,
    confirmed_viewing,
    listing,
)
from tests.support import assert_error

PG_URL = os.environ.get("SHEDA_TEST_DATABASE_URL", "")


@pytest.mark.parametrize("state", ["pending", "rejected", "canceled"])
async def test_a_viewing_that_is_not_confirmed_is_409(client, state):
    ada = await agent(client)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    booked = await book(client, carol, flat.id, at(days=3))
    path = f"{APPOINTMENTS}/{booked['id']}"
    if state == "rejected":
        await act(client, ada, "PATCH", f"{path}/reject", json={})
    elif state == "canceled":
        await act(client, carol, "DELETE", path)

    response = await post_contract(
        client, carol, flat.id, appointment_id=booked["id"], rental_period_months=12
    )

    assert_error(response, 409, "conflict")
    assert await Contract.all().count() == 0
    assert await property_status(client, flat.id) == "available"


async def test_someone_elses_or_an_unknown_appointment_is_404(client):
    deal = await ready_deal(client)
    dave, _ = await another_viewer(client, deal, "dave@example.com")

    for appointment_id in (deal.viewing["id"], deal.viewing["id"] + 1000):
        response = await post_contract(
            client, dave, deal.property_id,
            appointment_id=appointment_id, rental_period_months=12,
        )
        assert_error(response, 404, "not_found")
    await assert_nothing_started(client, deal)


async def test_the_viewing_of_another_listing_is_422(client):
    deal = await ready_deal(client)
    house = await listing(deal.agent.id, title="Three-bed house")
    house_viewing = await confirmed_viewing(client, deal.client, deal.agent, house.id, days=5)

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=house_viewing["id"], rental_period_months=12,
    )

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.appointment_id"]
    await assert_nothing_started(client, deal)
    assert await property_status(client, house.id) == "available"


async def test_own_listing_as_client_is_403(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    # A viewing of their own listing made in the database: nothing else can refuse it.
    viewing = await stored_viewing(flat.id, ada.id, ada.id, at(days=3))
    ada_as_client = await as_client(client, ada)

    response = await post_contract(
        client, ada_as_client, flat.id, appointment_id=viewing.id, rental_period_months=12
    )

    assert_error(response, 403, "forbidden")
    assert await Contract.all().count() == 0
    assert await property_status(client, flat.id) == "available"


async def test_an_agent_scope_token_is_403(client):
    deal = await ready_deal(client)
    other_agent = await agent(client, "other-agent@example.com")

    for person in (deal.agent, other_agent):
        response = await post_contract(
            client, person, deal.property_id,
            appointment_id=deal.viewing["id"], rental_period_months=12,
        )
        assert_error(response, 403, "forbidden")
    await assert_nothing_started(client, deal)


async def test_needs_a_token(client):
    deal = await ready_deal(client)

    response = await client.post(
        f"{CONTRACTS}/{deal.property_id}",
        json={"appointment_id": deal.viewing["id"], "rental_period_months": 12},
    )

    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize("state", ["awaiting_payment", "payment_submitted", "active"])
async def test_a_listing_with_an_open_contract_is_409(client, state):
    deal = await ready_deal(client)
    # Dave's viewing first: a rented listing takes no more viewings.
    dave, dave_viewing = await another_viewer(client, deal, "dave@example.com")
    first = await contract_in(client, deal, state)
    listing_before = await property_status(client, deal.property_id)

    response = await post_contract(
        client, dave, deal.property_id,
        appointment_id=dave_viewing["id"], rental_period_months=12,
    )

    assert_error(response, 409, "conflict")
    assert await Contract.all().values_list("id", flat=True) == [first["id"]]
    assert await property_status(client, deal.property_id) == listing_before
    told = [n["event"] for n in await contract_events(client, deal.agent)]
    assert told.count("contract.created") == 1


async def test_the_same_client_cannot_open_a_second_one(client):
    deal = await ready_deal(client)
    await contract_in(client, deal, "awaiting_payment")

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=12,
    )

    assert_error(response, 409, "conflict")
    assert await Contract.all().count() == 1


@pytest.mark.parametrize("status", ["rented", "sold"])
async def test_a_listing_the_agent_marked_taken_is_409(client, status):
    deal = await ready_deal(client)
    await Property.filter(id=deal.property_id).update(status=status)

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=12,
    )

    assert_error(response, 409, "conflict")
    assert await Contract.all().count() == 0


async def test_an_unknown_or_inactive_listing_is_404(client):
    deal = await ready_deal(client)
    body = {"appointment_id": deal.viewing["id"], "rental_period_months": 12}

    for property_id in (deal.property_id + 1000, "abc"):
        response = await post_contract(client, deal.client, property_id, **body)
        assert_error(response, 404, "not_found")

    await Property.filter(id=deal.property_id).update(is_active=False)
    response = await post_contract(client, deal.client, deal.property_id, **body)
    assert_error(response, 404, "not_found")
    assert await Contract.all().count() == 0
    assert (await Property.get(id=deal.property_id)).status == "available"


async def test_an_admin_acting_as_client_is_not_special(client):
    # Admins see every contract, but start deals only as any client would: with a viewing.
    deal = await ready_deal(client)
    root = await admin(client)

    response = await post_contract(
        client, root, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=12,
    )

    assert_error(response, 404, "not_found")
    await assert_nothing_started(client, deal)


async def test_the_database_refuses_a_second_open_contract_with_409(client):
    # The listing row says "available" while an open contract holds it (say, a status fixed
    # by hand in SQL): the conditional UPDATE lets the request through and only the unique
    # index stands in the way. API.md: 409, "database-enforced".
    deal = await ready_deal(client)
    dave, _ = await another_viewer(client, deal, "dave@example.com")
    held = await stored_contract(deal.listing, dave.id, status="awaiting_payment")

    response = await post_contract(
        client, deal.client, deal.property_id,
        appointment_id=deal.viewing["id"], rental_period_months=12,
    )

    assert_error(response, 409, "conflict")
    assert await Contract.all().values_list("id", flat=True) == [held.id]
    assert (await Property.get(id=deal.property_id)).status == "available"  # rolled back



