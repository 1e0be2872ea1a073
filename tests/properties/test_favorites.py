"""Favourites (API.md "Properties" and "Users"): POST/DELETE /properties/{id}/favorite are
idempotent 204s; GET /users/me/favorites lists saved listings, most recently saved first."""

from __future__ import annotations

import httpx
import pytest

from sheda.properties.models import Favorite
from tests.properties.helpers import (
    BASE,
    PROPERTY_KEYS,
    Account,
    admin,
    agent,
    client_user,
    collect,
    create_listing,
    hide,
)
from tests.support import assert_error

MINE = "/api/v1/users/me/favorites"


async def _save(client: httpx.AsyncClient, who: Account, property_id: int) -> None:
    response = await client.post(f"{BASE}/{property_id}/favorite", headers=who.headers)
    assert response.status_code == 204, response.text
    assert response.content == b""


async def _listings(client: httpx.AsyncClient, count: int) -> list[int]:
    owner = await agent(client, "ada@example.com")
    return [
        (await create_listing(client, owner, title=f"Listing number {n}"))["id"]
        for n in range(count)
    ]


async def _mine(client: httpx.AsyncClient, who: Account, limit: int = 100) -> list[int]:
    return [item["id"] for item in await collect(client, MINE, limit=limit, headers=who.headers)]


async def test_favorite_and_unfavorite_are_idempotent(client):
    (listing,) = await _listings(client, 1)
    buyer = await client_user(client, "buyer@example.com")
    url = f"{BASE}/{listing}/favorite"
    for _ in range(2):
        await _save(client, buyer, listing)
    assert await Favorite.filter(user_id=buyer.id, property_id=listing).count() == 1
    for _ in range(2):
        response = await client.delete(url, headers=buyer.headers)
        assert response.status_code == 204, response.text
    assert await Favorite.filter(user_id=buyer.id).count() == 0
    assert await _mine(client, buyer) == []


async def test_agents_may_save_listings_too(client):
    (listing,) = await _listings(client, 1)
    other = await agent(client, "bola@example.com")
    await _save(client, other, listing)
    assert await _mine(client, other) == [listing]


async def test_favorite_of_unknown_or_inactive_listing_is_404(client):
    (listing,) = await _listings(client, 1)
    buyer = await client_user(client, "buyer@example.com")
    root = await admin(client)
    await hide(client, root, listing)
    response = await client.post(f"{BASE}/{listing}/favorite", headers=buyer.headers)
    assert_error(response, 404, "not_found")
    response = await client.post(f"{BASE}/31337/favorite", headers=buyer.headers)
    assert_error(response, 404, "not_found")
    assert await Favorite.all().count() == 0


async def test_favorites_need_a_token(client):
    (listing,) = await _listings(client, 1)
    assert_error(await client.post(f"{BASE}/{listing}/favorite"), 401, "unauthorized")
    assert_error(await client.delete(f"{BASE}/{listing}/favorite"), 401, "unauthorized")
    assert_error(await client.get(MINE), 401, "unauthorized")
    assert await Favorite.all().count() == 0


async def test_list_is_newest_saved_first_with_cursor_pages(client):
    ids = await _listings(client, 5)
    buyer = await client_user(client, "buyer@example.com")
    other = await client_user(client, "other@example.com")
    order = [ids[3], ids[1], ids[4], ids[0], ids[2]]  # save order differs from id order
    for property_id in order:
        await _save(client, buyer, property_id)
    await _save(client, other, ids[1])
    expected = list(reversed(order))

    response = await client.get(MINE, params={"limit": 2}, headers=buyer.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert set(page) == {"items", "next_cursor"}
    assert [item["id"] for item in page["items"]] == expected[:2]
    assert all(set(item) == PROPERTY_KEYS for item in page["items"])
    assert await _mine(client, buyer, limit=2) == expected  # 2 + 2 + 1, then null
    assert await _mine(client, buyer, limit=5) == expected
    assert await _mine(client, buyer) == expected
    assert await _mine(client, other) == [ids[1]]


async def test_hidden_listing_drops_out_and_comes_back(client):
    ids = await _listings(client, 3)
    buyer = await client_user(client, "buyer@example.com")
    root = await admin(client)
    for property_id in ids:
        await _save(client, buyer, property_id)
    await hide(client, root, ids[1])
    assert await _mine(client, buyer) == [ids[2], ids[0]]
    assert await _mine(client, buyer, limit=1) == [ids[2], ids[0]]
    response = await client.patch(
        f"/api/v1/admin/properties/{ids[1]}", json={"is_active": True}, headers=root.headers
    )
    assert response.status_code == 200, response.text
    assert await _mine(client, buyer) == [ids[2], ids[1], ids[0]]


async def test_deleted_listing_drops_out(client):
    owner = await agent(client, "ada@example.com")
    keep = await create_listing(client, owner, title="Keeps standing")
    gone = await create_listing(client, owner, title="Gets deleted")
    buyer = await client_user(client, "buyer@example.com")
    await _save(client, buyer, keep["id"])
    await _save(client, buyer, gone["id"])
    response = await client.delete(f"{BASE}/{gone['id']}", headers=owner.headers)
    assert response.status_code == 204, response.text
    assert await _mine(client, buyer) == [keep["id"]]


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"cursor": "%%%"}])
async def test_bad_list_queries_are_422(client, params):
    buyer = await client_user(client, "buyer@example.com")
    assert_error(
        await client.get(MINE, params=params, headers=buyer.headers), 422, "validation_error"
    )
