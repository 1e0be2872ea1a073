"""GET /api/v1/appointments and GET /api/v1/appointments/{id} (API.md "Appointments")."""

from __future__ import annotations

import pytest

from tests.appointments.helpers import as_client, stored_viewings, viewing_in_state
from tests.deals import APPOINTMENTS, Account, account, agent, at, book, listing
from tests.inquiries.helpers import sql_statements
from tests.support import assert_error, bearer, login


async def ids(client, person, **params) -> list[int]:
    response = await client.get(APPOINTMENTS, params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    return [item["id"] for item in body["items"]]


async def a_small_world(client):
    """Agents Ada and Bola, clients Carol and Dan; Ada also books Bola's house as a client.

    Returns the people (Ada twice: with her agent token and with a client-scope token)
    and the viewing ids by name."""
    ada, bola = await agent(client), await agent(client, "bola@example.com")
    carol = await account(client, "carol@example.com")
    dan = await account(client, "dan@example.com")
    flat, house = await listing(ada.id), await listing(bola.id)
    # Another session as agent first: switching ends the session it is made from.
    signed_in = await login(client, ada.email)
    ada_client = await as_client(client, ada)
    ada = Account(ada.id, ada.email, bearer(signed_in["access_token"]))
    viewings = {
        "carol_ada": (await viewing_in_state(client, carol, ada, flat.id, "confirmed", 2))["id"],
        "dan_ada": (await viewing_in_state(client, dan, ada, flat.id, "pending", 3))["id"],
        "carol_bola": (await viewing_in_state(client, carol, bola, house.id, "pending", 4))["id"],
        "ada_bola": (await viewing_in_state(client, ada_client, bola, house.id, "canceled", 5))[
            "id"
        ],
    }
    viewings["dan_ada_2"] = (await viewing_in_state(client, dan, ada, flat.id, "rejected", 6))[
        "id"
    ]
    return (ada, bola, carol, dan, ada_client), viewings


def newest_first(*appointment_ids: int) -> list[int]:
    return sorted(appointment_ids, reverse=True)


async def test_each_user_sees_their_viewings_as_client_and_as_agent(client):
    (ada, bola, carol, dan, ada_client), v = await a_small_world(client)

    assert await ids(client, carol) == newest_first(v["carol_ada"], v["carol_bola"])
    assert await ids(client, dan) == newest_first(v["dan_ada"], v["dan_ada_2"])
    assert await ids(client, bola) == newest_first(v["carol_bola"], v["ada_bola"])
    expected_ada = newest_first(v["carol_ada"], v["dan_ada"], v["ada_bola"], v["dan_ada_2"])
    assert await ids(client, ada) == expected_ada
    assert await ids(client, ada_client) == expected_ada  # whatever the active account type


async def test_filter_by_role(client):
    (ada, _, carol, _, _), v = await a_small_world(client)

    assert await ids(client, ada, role="client") == [v["ada_bola"]]
    assert await ids(client, ada, role="agent") == newest_first(
        v["carol_ada"], v["dan_ada"], v["dan_ada_2"]
    )
    assert await ids(client, carol, role="client") == newest_first(v["carol_ada"], v["carol_bola"])
    assert await ids(client, carol, role="agent") == []


async def test_filter_by_status(client):
    (ada, bola, carol, _, _), v = await a_small_world(client)

    assert await ids(client, ada, status="pending") == [v["dan_ada"]]
    assert await ids(client, ada, status="confirmed") == [v["carol_ada"]]
    assert await ids(client, ada, status="rejected") == [v["dan_ada_2"]]
    assert await ids(client, ada, status="canceled") == [v["ada_bola"]]
    assert await ids(client, ada, status="completed") == []
    assert await ids(client, bola, status="pending") == [v["carol_bola"]]
    assert await ids(client, carol, status="pending", role="client") == [v["carol_bola"]]
    assert await ids(client, ada, status="canceled", role="agent") == []


async def test_items_are_whole_appointments(client):
    (_, _, carol, _, _), v = await a_small_world(client)

    response = await client.get(APPOINTMENTS, headers=carol.headers)

    for item in response.json()["items"]:
        single = await client.get(f"{APPOINTMENTS}/{item['id']}", headers=carol.headers)
        assert single.status_code == 200, single.text
        assert single.json() == item
    assert {item["id"] for item in response.json()["items"]} == {v["carol_ada"], v["carol_bola"]}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "done"},
        {"status": "PENDING"},
        {"role": "admin"},
        {"role": "both"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4Il0"},  # ["x"]: valid base64 and JSON, not an id
        {"sort": "oldest"},
    ],
)
async def test_bad_query_is_422(client, params):
    carol = await account(client, "carol@example.com")

    response = await client.get(APPOINTMENTS, params=params, headers=carol.headers)

    assert_error(response, 422, "validation_error")


async def test_listing_needs_a_token(client):
    assert_error(await client.get(APPOINTMENTS), 401, "unauthorized")


async def test_pages_cover_every_viewing_once_newest_first(client):
    ada = await agent(client)
    bola = await agent(client, "bola@example.com")
    carol = await account(client, "carol@example.com")
    dan = await account(client, "dan@example.com")
    flat, house = await listing(ada.id), await listing(bola.id)
    mine = await stored_viewings(flat.id, carol.id, ada.id, 25)
    await stored_viewings(house.id, dan.id, bola.id, 5)  # someone else's

    seen, sizes, cursor = [], [], None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = await client.get(APPOINTMENTS, params=params, headers=carol.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        sizes.append(len(body["items"]))
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert sizes == [10, 10, 5]
    assert seen == newest_first(*mine)


async def test_default_page_is_20(client):
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    flat = await listing(ada.id)
    await stored_viewings(flat.id, carol.id, ada.id, 21)

    response = await client.get(APPOINTMENTS, headers=ada.headers)

    assert len(response.json()["items"]) == 20
    assert response.json()["next_cursor"] is not None


async def test_the_list_costs_the_same_queries_for_3_or_30_rows(client):
    small_agent, big_agent = await agent(client, "small@example.com"), await agent(client)
    carol = await account(client, "carol@example.com")
    dan = await account(client, "dan@example.com")
    small_flat, big_flat = await listing(small_agent.id), await listing(big_agent.id)
    await stored_viewings(small_flat.id, carol.id, small_agent.id, 3)
    await stored_viewings(big_flat.id, dan.id, big_agent.id, 30)

    counts = {}
    for params in ({}, {"role": "agent"}, {"role": "client"}, {"status": "pending"}):
        for who, expected in ((small_agent, 3), (big_agent, 30), (carol, 3), (dan, 30)):
            if params.get("role") == "agent" and who in (carol, dan):
                expected = 0
            if params.get("role") == "client" and who in (small_agent, big_agent):
                expected = 0
            with sql_statements() as statements:
                response = await client.get(
                    APPOINTMENTS, params={"limit": 100, **params}, headers=who.headers
                )
            assert response.status_code == 200, response.text
            assert len(response.json()["items"]) == expected
            counts[(who.email, tuple(params.items()))] = len(statements)

    assert len(set(counts.values())) == 1, counts
    # the caller's session and one page query: the counter does see real statements
    assert 1 <= next(iter(counts.values())) <= 3, counts


# --- one appointment ----------------------------------------------------------------------------


async def test_both_parties_get_one_appointment_and_nobody_else(client):
    (ada, bola, carol, dan, ada_client), v = await a_small_world(client)
    url = f"{APPOINTMENTS}/{v['carol_ada']}"

    as_client_ = await client.get(url, headers=carol.headers)
    as_agent = await client.get(url, headers=ada.headers)
    assert as_client_.status_code == as_agent.status_code == 200
    assert as_client_.json() == as_agent.json()
    assert as_client_.json()["id"] == v["carol_ada"]
    assert (await client.get(url, headers=ada_client.headers)).status_code == 200

    for stranger in (bola, dan):
        assert_error(await client.get(url, headers=stranger.headers), 404, "not_found")


async def test_unknown_or_malformed_ids_are_404(client):
    (_, _, carol, _, _), v = await a_small_world(client)

    for bad in (str(max(v.values()) + 1), "abc", "1.0", "-1", "0", "2147483648", "99999999999"):
        response = await client.get(f"{APPOINTMENTS}/{bad}", headers=carol.headers)
        assert_error(response, 404, "not_found")
    assert_error(await client.get(f"{APPOINTMENTS}/{v['carol_ada']}"), 401, "unauthorized")


async def test_a_new_booking_comes_first(client):
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    flat = await listing(ada.id)
    earlier = await stored_viewings(flat.id, carol.id, ada.id, 2)

    newest = await book(client, carol, flat.id, at(days=30))

    assert await ids(client, carol) == [newest["id"], *newest_first(*earlier)]
