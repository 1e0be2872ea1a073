"""What a contract does to its listing's own routes: while one is pending or active the
agent cannot change the status or delete the listing (409); a closed contract does not hold
it, and survives the listing's deletion with property_id null (API.md "Properties")."""

from __future__ import annotations

import pytest

from sheda.contracts.models import Contract
from sheda.properties.models import Property
from tests.contracts.helpers import (
    OPEN_STATES,
    PROPERTIES,
    contract_in,
    contract_url,
    property_status,
    ready_deal,
    stored_contract,
)
from tests.deals import CONTRACTS, account, admin
from tests.support import assert_error

CLOSED_STATES = ("declined", "canceled", "expired")
# what the listing shows while the contract is in each open state
HELD_AS = {"awaiting_payment": "pending", "payment_submitted": "pending", "active": "rented"}


def listing_url(deal):
    return f"{PROPERTIES}/{deal.property_id}"


@pytest.mark.parametrize("state", OPEN_STATES)
@pytest.mark.parametrize("status", ["available", "rented", "sold"])
async def test_status_cannot_change_while_a_contract_holds_the_listing(client, state, status):
    deal = await ready_deal(client)
    await contract_in(client, deal, state)
    row = await Property.get(id=deal.property_id)

    response = await client.patch(
        listing_url(deal), headers=deal.agent.headers, json={"status": status, "title": "New"}
    )

    assert_error(response, 409, "conflict")
    after = await Property.get(id=deal.property_id)
    assert (after.status, after.title, after.updated_at) == (row.status, row.title, row.updated_at)
    assert after.status == HELD_AS[state]


@pytest.mark.parametrize("state", OPEN_STATES)
async def test_other_fields_may_change_while_a_contract_holds_the_listing(client, state):
    deal = await ready_deal(client)
    await contract_in(client, deal, state)

    response = await client.patch(
        listing_url(deal), headers=deal.agent.headers, json={"title": "Freshly painted flat"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Freshly painted flat"
    assert response.json()["status"] == HELD_AS[state]


@pytest.mark.parametrize("state", OPEN_STATES)
async def test_the_listing_cannot_be_deleted_while_a_contract_holds_it(client, state):
    deal = await ready_deal(client)
    root = await admin(client)
    contract = await contract_in(client, deal, state)

    for person in (deal.agent, root):
        response = await client.delete(listing_url(deal), headers=person.headers)
        assert_error(response, 409, "conflict")

    assert await Property.exists(id=deal.property_id)
    row = await Contract.get(id=contract["id"])
    assert (row.status, row.property_id) == (state, deal.property_id)


@pytest.mark.parametrize("state", CLOSED_STATES)
async def test_status_changes_again_once_the_contract_ends(client, state):
    deal = await ready_deal(client)
    root = await admin(client)
    await contract_in(client, deal, state, admin=root)

    response = await client.patch(listing_url(deal), headers=deal.agent.headers,
                                  json={"status": "sold"})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "sold"
    assert await property_status(client, deal.property_id) == "sold"


@pytest.mark.parametrize("state", CLOSED_STATES)
async def test_the_listing_can_be_deleted_once_the_contract_ends(client, state):
    deal = await ready_deal(client)
    root = await admin(client)
    contract = await contract_in(client, deal, state, admin=root)

    response = await client.delete(listing_url(deal), headers=deal.agent.headers)

    assert response.status_code == 204, response.text
    assert not await Property.exists(id=deal.property_id)
    row = await Contract.get(id=contract["id"])
    assert (row.status, row.property_id) == (state, None)


async def test_closed_contracts_stay_readable_after_the_listing_is_deleted(client):
    deal = await ready_deal(client)
    root = await admin(client)
    dave = await account(client, "dave@example.com")
    canceled = await contract_in(client, deal, "canceled")
    older = await stored_contract(deal.listing, dave.id, status="declined")

    response = await client.delete(listing_url(deal), headers=root.headers)
    assert response.status_code == 204, response.text

    for person in (deal.client, deal.agent, root):
        fetched = await client.get(contract_url(canceled), headers=person.headers)
        assert fetched.status_code == 200, fetched.text
        body = fetched.json()
        assert body["property_id"] is None
        assert {**body, "property_id": canceled["property_id"]} == canceled
    fetched = await client.get(contract_url(older.id), headers=dave.headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["property_id"] is None
    listed = await client.get(CONTRACTS, headers=deal.agent.headers)
    assert listed.status_code == 200, listed.text
    newest_first = sorted([canceled["id"], older.id], reverse=True)
    assert [(c["id"], c["property_id"]) for c in listed.json()["items"]] == [
        (contract_id, None) for contract_id in newest_first
    ]


async def test_a_status_change_by_the_agent_is_not_undone_by_a_closed_contract(client):
    # After a cancellation the agent marks the listing sold (to someone outside Sheda):
    # nothing about the old contract may turn it back.
    deal = await ready_deal(client)
    contract = await contract_in(client, deal, "canceled")
    response = await client.patch(listing_url(deal), headers=deal.agent.headers,
                                  json={"status": "sold"})
    assert response.status_code == 200, response.text

    again = await client.delete(contract_url(contract), headers=deal.client.headers)

    assert again.status_code == 200, again.text
    assert await property_status(client, deal.property_id) == "sold"
