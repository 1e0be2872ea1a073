"""GET /api/v1/inquiries: an agent's own leads, an admin's all of them (API.md "Inquiries")."""

from __future__ import annotations

import pytest

from tests.inquiries.helpers import (
    INQUIRIES,
    account,
    admin,
    agent,
    listing,
    sql_statements,
    stored_inquiry,
)
from tests.support import assert_error, bearer


async def ids(client, auth, **params) -> list[int]:
    response = await client.get(INQUIRIES, params=params, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    return [item["id"] for item in body["items"]]


async def two_agents_with_leads(client):
    """Agent A with two listings and three leads, agent B with one listing and two."""
    a_id, a_auth = await agent(client, "a@example.com")
    b_id, b_auth = await agent(client, "b@example.com")
    a_flat, a_house, b_flat = await listing(a_id), await listing(a_id), await listing(b_id)
    a_leads = [
        (await stored_inquiry(a_flat.id)).id,
        (await stored_inquiry(a_house.id, status="contacted")).id,
        (await stored_inquiry(a_flat.id, status="lost")).id,
    ]
    b_leads = [(await stored_inquiry(b_flat.id)).id, (await stored_inquiry(b_flat.id)).id]
    return (a_auth, a_flat, a_house, a_leads), (b_auth, b_flat, b_leads)


async def test_agent_sees_only_leads_on_own_listings(client):
    (a_auth, _, _, a_leads), (b_auth, _, b_leads) = await two_agents_with_leads(client)

    assert await ids(client, a_auth) == sorted(a_leads, reverse=True)
    assert await ids(client, b_auth) == sorted(b_leads, reverse=True)


async def test_agent_without_listings_sees_nothing(client):
    await two_agents_with_leads(client)
    _, auth = await agent(client, "new@example.com")

    assert await ids(client, auth) == []


async def test_admin_sees_every_lead(client):
    (_, _, _, a_leads), (_, _, b_leads) = await two_agents_with_leads(client)
    admin_auth = await admin(client)

    assert await ids(client, admin_auth) == sorted(a_leads + b_leads, reverse=True)


async def test_client_may_not_list(client):
    await two_agents_with_leads(client)
    _, auth = await account(client, "client@example.com")

    assert_error(await client.get(INQUIRIES, headers=auth), 403, "forbidden")


async def test_agent_acting_as_client_may_not_list(client):
    # Leads are agent work: the owner switched to their client account sees them again
    # after switching back.
    (a_auth, _, _, _), _ = await two_agents_with_leads(client)
    switched = await client.post(
        "/api/v1/auth/switch-account", json={"user_type": "client"}, headers=a_auth
    )
    assert switched.status_code == 200, switched.text
    auth = bearer(switched.json()["access_token"])

    assert_error(await client.get(INQUIRIES, headers=auth), 403, "forbidden")


async def test_list_needs_a_token(client):
    assert_error(await client.get(INQUIRIES), 401, "unauthorized")


async def test_filter_by_status_and_property(client):
    (a_auth, a_flat, a_house, a_leads), (_, b_flat, _) = await two_agents_with_leads(client)

    assert await ids(client, a_auth, status="new") == [a_leads[0]]
    assert await ids(client, a_auth, status="lost") == [a_leads[2]]
    assert await ids(client, a_auth, status="converted") == []
    assert await ids(client, a_auth, property_id=a_flat.id) == [a_leads[2], a_leads[0]]
    assert await ids(client, a_auth, property_id=a_house.id) == [a_leads[1]]
    assert await ids(client, a_auth, property_id=a_flat.id, status="new") == [a_leads[0]]
    # someone else's listing filters down to nothing rather than revealing its leads
    assert await ids(client, a_auth, property_id=b_flat.id) == []


async def test_admin_filters_by_property(client):
    _, (_, b_flat, b_leads) = await two_agents_with_leads(client)
    admin_auth = await admin(client)

    assert await ids(client, admin_auth, property_id=b_flat.id) == sorted(b_leads, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "won"},
        {"property_id": "abc"},
        {"limit": 0},
        {"limit": 101},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4Il0"},  # ["x"]: valid base64 and JSON, not an id
        {"sort": "oldest"},
    ],
)
async def test_bad_query_is_422(client, params):
    _, auth = await agent(client, "a@example.com")

    response = await client.get(INQUIRIES, params=params, headers=auth)

    assert_error(response, 422, "validation_error")


# --- pagination -----------------------------------------------------------------------------


async def test_pages_cover_every_lead_once_newest_first(client):
    agent_id, auth = await agent(client, "a@example.com")
    other_id, _ = await agent(client, "b@example.com")
    flat, elsewhere = await listing(agent_id), await listing(other_id)
    mine = []
    for i in range(25):
        mine.append((await stored_inquiry(flat.id, full_name=f"Visitor {i}")).id)
        await stored_inquiry(elsewhere.id)  # interleaved leads the agent must not see

    seen: list[int] = []
    sizes = []
    cursor = None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = await client.get(INQUIRIES, params=params, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        sizes.append(len(body["items"]))
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert sizes == [10, 10, 5]
    assert seen == sorted(mine, reverse=True)


async def test_default_page_is_20(client):
    agent_id, auth = await agent(client, "a@example.com")
    flat = await listing(agent_id)
    for _ in range(21):
        await stored_inquiry(flat.id)

    response = await client.get(INQUIRIES, headers=auth)

    assert len(response.json()["items"]) == 20
    assert response.json()["next_cursor"] is not None


async def test_a_page_costs_the_same_queries_whatever_its_size(client):
    agent_id, auth = await agent(client, "a@example.com")
    flats = [await listing(agent_id) for _ in range(5)]
    for i in range(30):
        await stored_inquiry(flats[i % 5].id)
    admin_auth = await admin(client)

    counts = {}
    for who, headers in (("agent", auth), ("admin", admin_auth)):
        for limit in (5, 25):
            with sql_statements() as statements:
                response = await client.get(INQUIRIES, params={"limit": limit}, headers=headers)
            assert response.status_code == 200, response.text
            assert len(response.json()["items"]) == limit
            counts[(who, limit)] = len(statements)

    assert counts[("agent", 5)] == counts[("agent", 25)], counts
    assert counts[("admin", 5)] == counts[("admin", 25)], counts
    # the caller's session and one page query: the counter does see real statements
    assert 2 <= counts[("agent", 25)] <= 3, counts
