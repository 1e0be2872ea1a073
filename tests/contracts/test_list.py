"""GET /api/v1/contracts and GET /api/v1/contracts/{id}: the parties', an admin's all of
them (API.md "Payments and contracts", "Conventions": lists)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.contracts.helpers import (
    CONTRACT_KEYS,
    as_client,
    contract_url,
    stored_contract,
)
from tests.deals import CONTRACTS, Account, account, admin, agent, listing
from tests.inquiries.helpers import sql_statements
from tests.support import assert_error


async def ids(client, person, **params) -> list[int]:
    response = await client.get(CONTRACTS, headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    for item in body["items"]:
        assert set(item) == CONTRACT_KEYS
    return [item["id"] for item in body["items"]]


def newest_first(*contracts) -> list[int]:
    return sorted((c.id for c in contracts), reverse=True)


@dataclass
class Market:
    ada: Account  # agent of flat and house
    bob: Account  # agent of the shop; also a client once (on Ada's flat)
    carol: Account
    dave: Account
    flat: object
    house: object
    shop: object
    c1: object
    c2: object
    c3: object
    c4: object
    c5: object
    c6: object


async def market(client) -> Market:
    ada = await agent(client, "ada@example.com")
    bob = await agent(client, "bob@example.com")
    carol = await account(client, "carol@example.com")
    dave = await account(client, "dave@example.com")
    flat, house = await listing(ada.id), await listing(ada.id, title="House")
    shop = await listing(bob.id, title="Shop", listing_type="sale")
    c1 = await stored_contract(flat, carol.id, status="canceled")
    c2 = await stored_contract(shop, dave.id, status="active", rental_period_months=None)
    c3 = await stored_contract(house, carol.id, status="awaiting_payment")
    c4 = await stored_contract(flat, dave.id, status="declined")
    c5 = await stored_contract(shop, carol.id, status="expired", rental_period_months=None)
    c6 = await stored_contract(flat, bob.id, status="expired")  # Bob as a client
    return Market(ada, bob, carol, dave, flat, house, shop, c1, c2, c3, c4, c5, c6)


async def test_each_party_sees_their_contracts_newest_first(client):
    m = await market(client)

    assert await ids(client, m.carol) == newest_first(m.c1, m.c3, m.c5)
    assert await ids(client, m.dave) == newest_first(m.c2, m.c4)
    assert await ids(client, m.ada) == newest_first(m.c1, m.c3, m.c4, m.c6)
    assert await ids(client, m.bob) == newest_first(m.c2, m.c5, m.c6)


async def test_an_admin_sees_every_contract(client):
    m = await market(client)
    root = await admin(client)

    assert await ids(client, root) == newest_first(m.c1, m.c2, m.c3, m.c4, m.c5, m.c6)
    assert await ids(client, root, status="expired") == newest_first(m.c5, m.c6)
    assert await ids(client, root, property_id=m.shop.id) == newest_first(m.c2, m.c5)


async def test_a_stranger_sees_none(client):
    await market(client)
    eve = await account(client, "eve@example.com")
    other_agent = await agent(client, "zed@example.com")

    assert await ids(client, eve) == []
    assert await ids(client, other_agent) == []


async def test_filter_by_status(client):
    m = await market(client)

    assert await ids(client, m.carol, status="canceled") == [m.c1.id]
    assert await ids(client, m.carol, status="awaiting_payment") == [m.c3.id]
    assert await ids(client, m.ada, status="expired") == [m.c6.id]
    assert await ids(client, m.dave, status="payment_submitted") == []


async def test_filter_by_role(client):
    m = await market(client)
    bob_as_client = await as_client(client, m.bob)  # the role filter ignores the token type

    assert await ids(client, bob_as_client, role="client") == [m.c6.id]
    assert await ids(client, bob_as_client, role="agent") == newest_first(m.c2, m.c5)
    assert await ids(client, m.carol, role="client") == newest_first(m.c1, m.c3, m.c5)
    assert await ids(client, m.carol, role="agent") == []
    assert await ids(client, m.ada, role="client") == []


async def test_an_admin_with_a_role_sees_only_their_own(client):
    m = await market(client)
    root = await admin(client)
    mine = await stored_contract(m.flat, root.id, status="canceled")

    assert await ids(client, root, role="client") == [mine.id]
    assert await ids(client, root, role="agent") == []


async def test_filter_by_property(client):
    m = await market(client)

    assert await ids(client, m.ada, property_id=m.flat.id) == newest_first(m.c1, m.c4, m.c6)
    assert await ids(client, m.carol, property_id=m.shop.id) == [m.c5.id]
    assert await ids(client, m.carol, property_id=m.flat.id, status="canceled") == [m.c1.id]
    assert await ids(client, m.carol, property_id=m.house.id + 1000) == []


async def test_pages_walk_every_contract_once(client):
    m = await market(client)
    root = await admin(client)
    seen, cursor = [], None

    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        response = await client.get(CONTRACTS, headers=root.headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 4
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == newest_first(m.c1, m.c2, m.c3, m.c4, m.c5, m.c6)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"role": "owner"},
        {"limit": "0"},
        {"limit": "101"},
        {"property_id": "abc"},
        {"sort": "oldest"},
    ],
)
async def test_bad_filters_are_422(client, params):
    carol = await account(client, "carol@example.com")

    response = await client.get(CONTRACTS, headers=carol.headers, params=params)

    assert_error(response, 422, "validation_error")


async def test_a_listed_contract_reads_like_a_fetched_one(client):
    m = await market(client)

    response = await client.get(CONTRACTS, headers=m.carol.headers)
    listed = {item["id"]: item for item in response.json()["items"]}
    for contract_id, item in listed.items():
        fetched = await client.get(contract_url(contract_id), headers=m.carol.headers)
        assert fetched.status_code == 200, fetched.text
        assert fetched.json() == item


async def test_one_contract_for_its_parties_and_admins(client):
    m = await market(client)
    root = await admin(client)

    for person in (m.carol, m.ada, root):
        response = await client.get(contract_url(m.c3.id), headers=person.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == CONTRACT_KEYS
        assert (body["id"], body["client_id"], body["agent_id"]) == (m.c3.id, m.carol.id, m.ada.id)
        assert body["status"] == "awaiting_payment"
        assert body["property_id"] == m.house.id


async def test_one_contract_is_404_to_anyone_else(client):
    m = await market(client)

    for person in (m.dave, m.bob):  # Bob is a party of other contracts, not of this one
        response = await client.get(contract_url(m.c3.id), headers=person.headers)
        assert_error(response, 404, "not_found")
    for contract_id in (m.c6.id + 1000, "abc"):
        response = await client.get(contract_url(contract_id), headers=m.carol.headers)
        assert_error(response, 404, "not_found")


async def test_reading_needs_a_token(client):
    m = await market(client)

    assert_error(await client.get(CONTRACTS), 401, "unauthorized")
    assert_error(await client.get(contract_url(m.c1.id)), 401, "unauthorized")


async def test_the_list_costs_the_same_statements_for_3_or_30(client):
    ada = await agent(client, "ada@example.com")
    carol = await account(client, "carol@example.com")
    root = await admin(client)
    flat = await listing(ada.id)
    counts = {}
    for total in (3, 30):
        existing = await ids(client, root, limit=100)
        for _ in range(total - len(existing)):
            await stored_contract(flat, carol.id, status="declined")
        for who, person in (("client", carol), ("agent", ada), ("admin", root)):
            with sql_statements() as statements:
                response = await client.get(CONTRACTS, params={"limit": 100},
                                            headers=person.headers)
            assert response.status_code == 200, response.text
            assert len(response.json()["items"]) == total
            counts[(who, total)] = len(statements)
            # the counter sees real statements: one page query over the contracts
            assert sum('"contracts"' in s for s in statements) == 1, statements

    for who in ("client", "agent", "admin"):
        assert counts[(who, 3)] == counts[(who, 30)], counts


async def test_twenty_by_default(client):
    ada = await agent(client, "ada@example.com")
    carol = await account(client, "carol@example.com")
    flat = await listing(ada.id)
    made = [await stored_contract(flat, carol.id) for _ in range(21)]

    response = await client.get(CONTRACTS, headers=carol.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["id"] for c in body["items"]] == newest_first(*made)[:20]
    assert body["next_cursor"] is not None
