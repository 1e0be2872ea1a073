"""PostgreSQL keeps a postings list of the active listings' amenities (``search_amenities``,
aerich_migrations/models/7_*), written by triggers, that amenity searches walk in sort order.
Whatever changes a listing (the agent's PATCH, a moderator hiding it, a deletion, a bulk
insert), the postings must say exactly what the listings say, and amenity searches must
find the listing as it is now."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from tortoise import connections

from tests.properties.helpers import (
    BASE,
    Row,
    admin,
    agent,
    collect,
    create_listing,
    hide,
    insert_rows,
)

pytestmark = pytest.mark.postgres

# One posting per (active listing, amenity), with the listing's searched columns.
POSTING = ("status", "listing_type", "property_type", "city_key", "price", "bedrooms")
DERIVED = f"""
SELECT p.id, a.amenity, {", ".join(f"p.{c}" for c in POSTING)}
FROM properties p CROSS JOIN LATERAL jsonb_array_elements_text(p.amenities) AS a(amenity)
WHERE p.is_active"""
STORED = f"SELECT property_id, amenity, {', '.join(POSTING)} FROM search_amenities"


async def _rows(sql: str) -> set[tuple[Any, ...]]:
    return {tuple(row.values()) for row in await connections.get("default").execute_query_dict(sql)}


async def assert_postings_follow_the_listings() -> set[tuple[Any, ...]]:
    derived, stored = await _rows(DERIVED), await _rows(STORED)
    assert stored == derived, {"missing": derived - stored, "stale": stored - derived}
    return stored


async def ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    return [item["id"] for item in await collect(client, BASE, params, limit=2)]


async def test_the_postings_follow_every_change_of_a_listing(client: httpx.AsyncClient) -> None:
    owner = await agent(client, "agent@example.com")
    root = await admin(client)

    async def listing(title: str, price: int, amenities: list[str]) -> int:
        body = await create_listing(client, owner, title=title, price=price, amenities=amenities)
        return int(body["id"])

    a = await listing("Flat A", 300, ["Gym", "Pool"])
    b = await listing("Flat B", 200, ["gym"])
    c = await listing("Flat C", 100, [])
    postings = await assert_postings_follow_the_listings()
    assert {(p[0], p[1]) for p in postings} == {(a, "gym"), (a, "pool"), (b, "gym")}
    assert await ids(client, amenities="gym", sort="price_asc") == [b, a]
    assert await ids(client, amenities="gym") == [b, a]  # newest first

    async def patch(listing: int, **body: Any) -> None:
        response = await client.patch(f"{BASE}/{listing}", json=body, headers=owner.headers)
        assert response.status_code == 200, response.text
        await assert_postings_follow_the_listings()

    await patch(a, price=150)
    assert await ids(client, amenities="gym", sort="price_asc") == [a, b]
    assert await ids(client, amenities="gym", max_price="160") == [a]
    await patch(a, amenities=["pool"])
    assert await ids(client, amenities="gym") == [b]
    assert await ids(client, amenities="pool") == [a]
    await patch(c, amenities=["gym", "pool"], bedrooms=5)
    assert await ids(client, amenities="gym", min_bedrooms=4) == [c]
    await patch(a, listing_type="sale")
    assert await ids(client, amenities="pool", listing_type="rent") == [c]
    assert await ids(client, amenities="pool", listing_type="sale") == [a]
    await patch(a, city="Abuja")
    assert await ids(client, amenities="pool", city="abuja") == [a]
    await patch(b, status="rented")
    assert await ids(client, amenities="gym") == [c]
    assert await ids(client, amenities="gym", status="rented") == [b]
    await patch(b, title="Flat B, renamed")  # a change the postings do not carry
    assert await ids(client, amenities="gym", status="rented") == [b]

    await hide(client, root, c)
    await assert_postings_follow_the_listings()
    assert await ids(client, amenities="gym") == []
    response = await client.patch(
        f"/api/v1/admin/properties/{c}", json={"is_active": True}, headers=root.headers
    )
    assert response.status_code == 200, response.text
    await assert_postings_follow_the_listings()
    assert await ids(client, amenities="gym") == [c]

    response = await client.delete(f"{BASE}/{c}", headers=owner.headers)
    assert response.status_code == 204, response.text
    postings = await assert_postings_follow_the_listings()
    assert all(p[0] != c for p in postings)
    assert await ids(client, amenities="gym", status="rented") == [b]


async def test_a_bulk_insert_gets_its_postings_in_one_statement(client: httpx.AsyncClient) -> None:
    """Many listings in one INSERT (what a bulk import or the benchmark's COPY does): the
    statement trigger posts every active one, none of the inactive ones."""
    owner = await agent(client, "agent@example.com")
    rows = [
        Row(
            title=f"Listing {n}", description="", address="1 Road", city="Lagos",
            state="Lagos", property_type="apartment", listing_type="rent",
            status="available", price=Decimal(1000 + n), bedrooms=n % 4, bathrooms=1,
            furnished=False, agent_id=owner.id, is_active=n % 5 != 0,
            amenities={"gym", "pool"} if n % 2 else {"gym"},
        )
        for n in range(60)
    ]
    await insert_rows(rows)
    postings = await assert_postings_follow_the_listings()
    assert len(postings) == sum(len(r.amenities) for r in rows if r.is_active)
    expected = [r.id for r in sorted(rows, key=lambda r: r.price) if r.is_active and
                "pool" in r.amenities]
    assert await ids(client, amenities="pool", sort="price_asc") == expected
