"""The search statement's three paths give the same pages (sheda/properties/search_sql.py):
the ordered walk alone, the walk with its bounded check, and the exact fallback taken when
the walk runs out. With a budget of 1 or 4 listings almost every search with a text,
amenity, state or bathrooms filter takes the fallback; with the real budget almost none
does. Each random search is paged to the end through cursors and compared with the answer
computed in Python from the inserted rows. (On SQLite the statement has no walk; the same
searches check it.)"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sheda.properties import search_sql
from tests.properties.helpers import BASE, Row, collect
from tests.properties.test_search import (
    AMENITIES,
    CITIES,
    PRICES,
    STATES,
    TYPES,
    WORDS,
    Data,
    make_data,
)


@pytest.fixture
async def data(client: httpx.AsyncClient) -> Data:
    return await make_data(client)


EXTRA_WORDS = ["lagoon", "solar", "home", "no.01", "ring road", "nowhere at all"]


def _search(rng: random.Random) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if rng.random() < 0.4:
        params["city"] = rng.choice(CITIES)
    if rng.random() < 0.2:
        params["state"] = rng.choice(STATES)
    if rng.random() < 0.4:
        params["property_type"] = rng.choice(TYPES)
    if rng.random() < 0.4:
        params["listing_type"] = rng.choice(["rent", "sale"])
    # Plain notation: an amount written "1E+6" is refused (money strings are decimals).
    if rng.random() < 0.3:
        params["min_price"] = f"{rng.choice(PRICES):f}"
    if rng.random() < 0.3:
        params["max_price"] = f"{max(rng.choice(PRICES), Decimal(params.get('min_price', 0))):f}"
    if rng.random() < 0.3:
        params["min_bedrooms"] = rng.randint(0, 5)
    if rng.random() < 0.15:
        params["min_bathrooms"] = rng.randint(0, 4)
    if rng.random() < 0.15:
        params["furnished"] = rng.choice(["true", "false"])
    if rng.random() < 0.4:
        params["q"] = rng.choice([*WORDS, *EXTRA_WORDS]).lower()
    if rng.random() < 0.4:
        params["amenities"] = ",".join(rng.sample(AMENITIES, rng.randint(1, 2)))
    params["sort"] = rng.choice(["newest", "price_asc", "price_desc"])
    return params


def _keep(params: dict[str, Any]) -> Any:
    def keep(row: Row) -> bool:
        text = f"{row.title} {row.description} {row.address}".lower()
        return (
            row.status == "available"
            and ("city" not in params or row.city.casefold() == params["city"].casefold())
            and ("state" not in params or row.state.casefold() == params["state"].casefold())
            and params.get("property_type", row.property_type) == row.property_type
            and params.get("listing_type", row.listing_type) == row.listing_type
            and row.price >= Decimal(params.get("min_price", 0))
            and ("max_price" not in params or row.price <= Decimal(params["max_price"]))
            and row.bedrooms >= params.get("min_bedrooms", 0)
            and row.bathrooms >= params.get("min_bathrooms", 0)
            and ("furnished" not in params or row.furnished == (params["furnished"] == "true"))
            and params.get("q", "") in text
            and set(params.get("amenities", "").split(",")) - {""} <= row.amenities
        )

    return keep


@pytest.mark.parametrize("budget", [1, 4, search_sql.WALK_BUDGET])
async def test_every_path_of_the_statement_gives_the_same_pages(client, data, monkeypatch,
                                                                budget):
    monkeypatch.setattr(search_sql, "WALK_BUDGET", budget)
    rng = random.Random(budget)
    searched = found = 0
    for _ in range(60):
        params = _search(rng)
        expected = data.expect(_keep(params), params["sort"])
        items = await collect(client, BASE, params, limit=4)
        assert [item["id"] for item in items] == expected, params
        searched += 1
        found += bool(expected)
    assert found > searched / 4  # the searches are not all empty


async def test_a_sparse_match_behind_many_others_is_found(client, data, monkeypatch):
    """The walk runs out long before the few matches: they come from the fallback, in
    order, and paging through them works."""
    monkeypatch.setattr(search_sql, "WALK_BUDGET", 2)
    for sort in ("newest", "price_asc", "price_desc"):
        params = {"q": "no.000", "sort": sort}  # titles No.0000 .. No.0009
        expected = data.expect(_keep(params), sort)
        assert 3 <= len(expected) <= 10
        assert [item["id"] for item in await collect(client, BASE, params, limit=2)] == expected
