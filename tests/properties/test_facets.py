"""GET /api/v1/properties/facets: counts of the active listings that match, by city, state,
property type, listing type and amenity (each list by count, most first), and the price
range, honouring the search's filters (API.md "Properties"). The expected counts are
worked out from the listings each test creates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.properties.helpers import (
    admin,
    agent,
    count_statements,
    create_listing,
    hide,
    money,
)
from tests.support import assert_error

FACETS = "/api/v1/properties/facets"
KEYS = {"total", "cities", "states", "property_types", "listing_types", "amenities", "price"}


async def facets(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(FACETS, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == KEYS
    return body


def pairs(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    assert all(set(item) == {"value", "count"} for item in items), items
    return [(item["value"], item["count"]) for item in items]


async def _catalogue(client: httpx.AsyncClient) -> dict[str, int]:
    """Six listings, one of them hidden by an admin; returns their ids by name."""
    ada = await agent(client, "ada@example.com")
    root = await admin(client)
    made = {}
    for name, fields in {
        "lekki-flat": dict(city="Lekki", state="Lagos", price=900_000, amenities=["Pool", "Gym"]),
        "lekki-house": dict(city="lekki", state="Lagos", property_type="house", price=2_000_000,
                            amenities=["Pool"]),
        "ikeja-flat": dict(city="Ikeja", state="Lagos", price=500_000, amenities=["Gym"]),
        "abuja-sale": dict(city="Maitama", state="FCT", listing_type="sale",
                           price=90_000_000.25, amenities=[]),
        "abuja-land": dict(city="Maitama", state="FCT", property_type="land",
                           listing_type="sale", price=30_000_000, amenities=["Fenced"]),
        "hidden": dict(city="Lekki", state="Lagos", price=100, amenities=["Pool"]),
    }.items():
        made[name] = (await create_listing(client, ada, title=name, **fields))["id"]
    await hide(client, root, made["hidden"])
    return made


async def test_counts_of_the_active_listings_by_count_then_name(client):
    await _catalogue(client)
    body = await facets(client)
    assert body["total"] == 5  # the hidden listing is not counted anywhere
    # "Lekki" and "lekki" are one city, as the search matches them.
    assert pairs(body["cities"]) == [("Lekki", 2), ("Maitama", 2), ("Ikeja", 1)]
    assert pairs(body["states"]) == [("Lagos", 3), ("FCT", 2)]
    assert pairs(body["property_types"]) == [("apartment", 3), ("house", 1), ("land", 1)]
    assert pairs(body["listing_types"]) == [("rent", 3), ("sale", 2)]
    assert pairs(body["amenities"]) == [("gym", 2), ("pool", 2), ("fenced", 1)]
    assert money(body["price"]["min"]) == Decimal("500000")
    assert money(body["price"]["max"]) == Decimal("90000000.25")


@pytest.mark.parametrize(
    ("params", "total", "cities"),
    [
        ({"state": "lagos"}, 3, [("Lekki", 2), ("Ikeja", 1)]),
        ({"city": "Lagos"}, 0, []),  # Lagos is a state: the states facet says so
        ({"amenities": "pool"}, 2, [("Lekki", 2)]),
        ({"listing_type": "sale", "min_price": "40000000"}, 1, [("Maitama", 1)]),
        ({"q": "ikeja"}, 1, [("Ikeja", 1)]),
        ({"status": "sold"}, 0, []),
    ],
)
async def test_the_search_filters_apply(client, params, total, cities):
    await _catalogue(client)
    body = await facets(client, **params)
    assert body["total"] == total
    assert pairs(body["cities"]) == cities
    if total == 0:
        assert body["price"] == {"min": None, "max": None}
        assert all(body[key] == [] for key in KEYS - {"total", "price"})


async def test_facets_agree_with_the_search(client):
    await _catalogue(client)
    for params in ({}, {"state": "Lagos"}, {"amenities": "gym"}, {"property_type": "land"}):
        body = await facets(client, **params)
        listed = await client.get("/api/v1/properties", params={**params, "limit": 100})
        assert len(listed.json()["items"]) == body["total"], params


async def test_one_statement_whatever_the_catalogue(client):
    await _catalogue(client)
    with count_statements() as seen:
        await facets(client, amenities="pool")
    assert len(seen) == 1, seen


@pytest.mark.parametrize(
    "params",
    [{"sort": "price_asc"}, {"limit": "5"}, {"min_price": "1.234"}, {"listing_type": "lease"},
     {"min_price": "10", "max_price": "5"}, {"cursor": "abc"}],
)
async def test_bad_or_page_only_parameters_are_422(client, params):
    assert_error(await client.get(FACETS, params=params), 422, "validation_error")
