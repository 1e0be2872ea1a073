"""POST /api/v1/properties/search/guided (API.md "Properties"): a guided form over the same
search as GET /properties. listing_type is required, budgets follow the money rule and
budget_max < budget_min is a 422; limit and cursor go in the query string."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.properties.helpers import BASE, PROPERTY_KEYS, Row, agent, collect, insert_rows
from tests.support import assert_error

GUIDED = f"{BASE}/search/guided"
PRICES = [Decimal(p) for p in ("40000", "40000", "90000.50", "150000", "150000.01", "600000")]
# a guided field and the names it may be echoed under in filters_applied
ALIASES = {
    "listing_type": ("listing_type",),
    "budget_min": ("budget_min", "min_price"),
    "budget_max": ("budget_max", "max_price"),
    "property_type": ("property_type",),
    "bedrooms": ("bedrooms", "min_bedrooms"),
    "city": ("city",),
}


@pytest.fixture
async def rows(client: httpx.AsyncClient) -> list[Row]:
    rng = random.Random(77)
    owner = await agent(client, "ada@example.com")
    made = [
        Row(
            title=f"Guided listing {n}",
            description="Somewhere nice",
            address=f"{n} Broad Street",
            city=rng.choice(["Lagos", "lagos", "Abuja", "Kano"]),
            state="Lagos",
            property_type=rng.choice(["apartment", "house", "land"]),
            listing_type=rng.choice(["rent", "sale"]),
            status=rng.choice(["available", "available", "available", "sold"]),
            price=rng.choice(PRICES),
            bedrooms=rng.randint(0, 4),
            bathrooms=1,
            furnished=False,
            agent_id=owner.id,
            is_active=rng.random() < 0.9,
            amenities={"pool"} if n % 2 else set(),
            images=n % 3,
        )
        for n in range(160)
    ]
    await insert_rows(made)
    return made


def _expected(rows: list[Row], body: dict[str, Any]) -> list[int]:
    def keep(row: Row) -> bool:
        return (
            row.is_active
            and row.status == "available"
            and row.listing_type == body["listing_type"]
            and ("budget_min" not in body or row.price >= Decimal(str(body["budget_min"])))
            and ("budget_max" not in body or row.price <= Decimal(str(body["budget_max"])))
            and ("property_type" not in body or row.property_type == body["property_type"])
            and ("bedrooms" not in body or row.bedrooms >= body["bedrooms"])
            and ("city" not in body or row.city.lower() == body["city"].lower())
        )

    return [row.id for row in sorted(rows, key=lambda row: -row.id) if keep(row)]


def _as_get(body: dict[str, Any]) -> dict[str, Any]:
    names = {"budget_min": "min_price", "budget_max": "max_price", "bedrooms": "min_bedrooms"}
    return {names.get(key, key): value for key, value in body.items()}


BODIES = [
    {"listing_type": "rent"},
    {"listing_type": "sale", "budget_min": 40000, "budget_max": 150000.01},
    {"listing_type": "rent", "budget_max": 90000.5, "city": "LAGOS"},
    {"listing_type": "sale", "property_type": "house", "bedrooms": 2},
    {"listing_type": "rent", "budget_min": 150000, "budget_max": 150000, "property_type": "land"},
    {
        "listing_type": "rent",
        "budget_min": 40000,
        "budget_max": 600000,
        "property_type": "apartment",
        "bedrooms": 1,
        "city": "lagos",
    },
]


@pytest.mark.parametrize("body", BODIES)
async def test_results_equal_the_equivalent_list_filters(client, rows, body):
    expected = _expected(rows, body)
    guided = await collect(client, GUIDED, method="POST", json=body)
    assert [item["id"] for item in guided] == expected
    assert all(set(item) == PROPERTY_KEYS for item in guided)
    listed = await collect(client, BASE, _as_get(body))
    assert guided == listed


@pytest.mark.parametrize("body", BODIES)
async def test_filters_applied_echoes_what_was_used(client, rows, body):
    response = await client.post(GUIDED, json=body, params={"limit": 3})
    assert response.status_code == 200, response.text
    page = response.json()
    assert {"items", "next_cursor", "filters_applied"} <= set(page)
    applied = page["filters_applied"]
    assert isinstance(applied, dict)
    for field, names in ALIASES.items():
        echoed = [applied[name] for name in names if name in applied]
        if field not in body:
            assert not echoed, (field, applied)
            continue
        assert len(echoed) == 1, (field, applied)
        sent, got = body[field], echoed[0]
        if field.startswith("budget"):
            assert isinstance(got, int | float) and not isinstance(got, bool)  # money: number
            assert Decimal(str(got)) == Decimal(str(sent))
        elif field == "city":
            assert got.lower() == sent.lower()
        else:
            assert got == sent


async def test_limit_and_cursor_in_the_query_string_paginate(client, rows):
    body = {"listing_type": "rent", "budget_min": 40000}
    expected = _expected(rows, body)
    assert len(expected) > 8
    pages: list[list[int]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        response = await client.post(GUIDED, json=body, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 4
    assert [i for page in pages for i in page] == expected
    assert len(pages) == -(-len(expected) // 4)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"budget_min": 100},
        {"listing_type": None},
        {"listing_type": "lease"},
        {"listing_type": "rent", "budget_min": 200, "budget_max": 199.99},
        {"listing_type": "rent", "budget_min": 100.001},
        {"listing_type": "rent", "budget_max": 0.005},
        {"listing_type": "rent", "budget_min": -1},
        {"listing_type": "rent", "budget_max": "lots"},
        {"listing_type": "rent", "property_type": "castle"},
        {"listing_type": "rent", "bedrooms": -1},
        {"listing_type": "rent", "city": ""},
        {"listing_type": "rent", "sort": "price_asc"},
        {"listing_type": "rent", "status": "sold"},
    ],
)
async def test_bad_bodies_are_422(client, body):
    response = await client.post(GUIDED, json=body)
    assert_error(response, 422, "validation_error")


async def test_missing_listing_type_names_the_field(client):
    body = assert_error(await client.post(GUIDED, json={"budget_max": 5}), 422, "validation_error")
    assert any(err["field"] == "body.listing_type" for err in body["errors"]), body


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"cursor": "@@@"}])
async def test_bad_paging_is_422(client, params):
    response = await client.post(GUIDED, json={"listing_type": "rent"}, params=params)
    assert_error(response, 422, "validation_error")


async def test_malformed_json_is_400(client):
    response = await client.post(
        GUIDED, content=b'{"listing_type": ', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "bad_request")
