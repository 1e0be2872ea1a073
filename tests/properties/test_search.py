"""GET /api/v1/properties (API.md "Properties"): every filter, the three sorts with many
equal prices, cursor paging, validation and a constant number of SQL statements per page.

A few hundred listings are bulk-inserted through the ORM exactly as the service writes them
(search_text included), plus some created through the API; every expected result is
computed here in Python from that data."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.properties.helpers import (
    BASE,
    PROPERTY_KEYS,
    Row,
    admin,
    agent,
    collect,
    count_statements,
    create_listing,
    hide,
    insert_rows,
    money,
    row_from_api,
)
from tests.support import assert_error

CITIES = ["Lagos", "LAGOS", "lagos", "Abuja", "Port Harcourt", "Ibadan", "Lagos Island"]
STATES = ["Lagos", "FCT", "Rivers", "Oyo", "lagos"]
TYPES = ["apartment", "house", "land", "shortlet", "shared_apartment", "commercial"]
STATUSES = ["available"] * 6 + ["pending", "rented", "sold"]
# few distinct prices: many ties, including ones that differ only by a cent
PRICES = [Decimal(p) for p in ("50000", "75000.50", "100000", "100000.01", "250000", "1e6")]
AMENITIES = ["pool", "gym", "parking", "wifi", "generator", "swimming pool"]
WORDS = ["Ocean View", "Garden", "Duplex", "Terrace", "Studio", "Bungalow", "Loft"]
EXTRAS = ["with a borehole", "near the lagoon", "100% solar powered", "serviced_estate", "quiet"]
STREETS = ["Admiralty Way", "Awolowo Road", "Adeola Odeku", "Ring Road", "Aminu Kano Crescent"]


@dataclass
class Data:
    rows: list[Row]
    agents: list[int]

    def expect(self, keep: Callable[[Row], bool], sort: str = "newest") -> list[int]:
        chosen = [row for row in self.rows if row.is_active and keep(row)]
        if sort == "newest":
            chosen.sort(key=lambda row: -row.id)
        elif sort == "price_asc":
            chosen.sort(key=lambda row: (row.price, row.id))
        else:
            chosen.sort(key=lambda row: (-row.price, -row.id))
        return [row.id for row in chosen]


def _available(row: Row) -> bool:
    return row.status == "available"


@pytest.fixture
async def data(client: httpx.AsyncClient) -> Data:
    return await make_data(client)


async def make_data(client: httpx.AsyncClient) -> Data:
    """Listings for the search tests (also used by test_search_walk.py)."""
    rng = random.Random(20240611)  # fixed: the same data on every run
    agents = [await agent(client, f"agent{n}@example.com") for n in range(3)]
    rows: list[Row] = []
    for n in range(320):
        word = rng.choice(WORDS)
        rows.append(
            Row(
                title=f"{word} {rng.choice(['home', 'flat', 'unit'])} No.{n:04d}",
                description=f"A {rng.choice(['lovely', 'SPACIOUS', 'cosy'])} place "
                f"{rng.choice(EXTRAS)}.",
                address=f"{rng.randint(1, 99)} {rng.choice(STREETS)}",
                city=rng.choice(CITIES),
                state=rng.choice(STATES),
                property_type=rng.choice(TYPES),
                listing_type=rng.choice(["rent", "sale"]),
                status=rng.choice(STATUSES),
                price=rng.choice(PRICES),
                bedrooms=rng.randint(0, 5),
                bathrooms=rng.randint(0, 4),
                furnished=rng.random() < 0.5,
                agent_id=agents[n % 3].id,
                is_active=rng.random() < 0.9,
                amenities=set(rng.sample(AMENITIES, rng.randint(0, 4))),
                images=rng.randint(0, 3),
            )
        )
    await insert_rows(rows)
    # and a few through the API (newest, so first in the default order)
    root = await admin(client)
    for n, price in enumerate([100000, 100000, 50000, 75000.5]):
        body = await create_listing(
            client,
            agents[n % 2],
            title=f"API made Ocean View loft {n}",
            description="Fresh listing near the lagoon",
            price=price,
            city=["lagos", "Abuja"][n % 2],
            amenities=["Pool", "WiFi"],
        )
        rows.append(row_from_api(body))
    await hide(client, root, rows[-1].id)
    rows[-1].is_active = False
    return Data(rows, [a.id for a in agents])


async def _ids(client: httpx.AsyncClient, params: dict[str, Any], limit: int = 100) -> list[int]:
    return [item["id"] for item in await collect(client, BASE, params, limit=limit)]


def _contains(text: str) -> Callable[[Row], bool]:
    needle = text.lower()
    return lambda row: any(
        needle in value.lower() for value in (row.title, row.description, row.address)
    )


async def test_default_list_is_active_available_newest_first(client, data):
    items = await collect(client, BASE)
    assert [item["id"] for item in items] == data.expect(_available)
    assert len(items) > 100  # several pages of the default size
    by_id = {row.id: row for row in data.rows}
    for item in items:
        assert set(item) == PROPERTY_KEYS
        row = by_id[item["id"]]
        assert item["is_active"] is True and item["status"] == "available"
        assert money(item["price"]) == row.price
        assert item["city"] == row.city and item["agent_id"] == row.agent_id
        assert sorted(item["amenities"]) == sorted(row.amenities)
        assert len(item["images"]) == row.images
        assert [image["position"] for image in item["images"]] == list(range(row.images))
        assert [image["is_primary"] for image in item["images"]] == [
            n == 0 for n in range(row.images)
        ]


@pytest.mark.parametrize(
    "q",
    [
        "OCEAN view",
        "borehole",
        "EHOL",
        "admiralty way",
        "no.01",
        "lagoon",
        "100%",
        "_",
        "zzz-nothing",
    ],
)
async def test_q_is_a_case_insensitive_substring_of_title_description_or_address(client, data, q):
    expected = data.expect(lambda row: _available(row) and _contains(q)(row))
    assert await _ids(client, {"q": q}) == expected
    if q not in ("zzz-nothing",):
        assert expected, "the data should exercise this query"


async def test_q_percent_and_underscore_are_literal(client, data):
    # "%" and "_" are LIKE wildcards; a search for them must not match everything
    everything = data.expect(_available)
    for q in ("%", "_", "%%", "o_e"):
        expected = data.expect(lambda row, q=q: _available(row) and _contains(q)(row))
        assert await _ids(client, {"q": q}) == expected, q
        assert len(expected) < len(everything)


@pytest.mark.parametrize(
    ("name", "value", "keep"),
    [
        ("city", "lAgOs", lambda row: row.city.lower() == "lagos"),
        ("city", "port harcourt", lambda row: row.city.lower() == "port harcourt"),
        ("city", "L_gos", lambda row: False),
        ("city", "Lag", lambda row: False),
        ("state", "LAGOS", lambda row: row.state.lower() == "lagos"),
        ("state", "fct", lambda row: row.state.lower() == "fct"),
        ("property_type", "shared_apartment", lambda row: row.property_type == "shared_apartment"),
        ("property_type", "land", lambda row: row.property_type == "land"),
        ("listing_type", "sale", lambda row: row.listing_type == "sale"),
        ("listing_type", "rent", lambda row: row.listing_type == "rent"),
        ("min_price", "100000", lambda row: row.price >= Decimal("100000")),
        ("min_price", "100000.01", lambda row: row.price >= Decimal("100000.01")),
        ("max_price", "100000", lambda row: row.price <= Decimal("100000")),
        ("max_price", "75000.5", lambda row: row.price <= Decimal("75000.50")),
        ("max_price", "49999.99", lambda row: False),
        ("min_bedrooms", "3", lambda row: row.bedrooms >= 3),
        ("min_bedrooms", "0", lambda row: True),
        ("min_bathrooms", "2", lambda row: row.bathrooms >= 2),
        ("furnished", "true", lambda row: row.furnished),
        ("furnished", "false", lambda row: not row.furnished),
    ],
)
async def test_each_filter(client, data, name, value, keep):
    expected = data.expect(lambda row: _available(row) and keep(row))
    assert await _ids(client, {name: value}) == expected


async def test_price_range_is_inclusive_on_both_ends(client, data):
    low, high = Decimal("75000.50"), Decimal("100000.01")
    expected = data.expect(lambda row: _available(row) and low <= row.price <= high)
    found = await _ids(client, {"min_price": "75000.50", "max_price": "100000.01"})
    assert found == expected
    prices = {row.price for row in data.rows if row.id in set(found)}
    assert prices == {low, Decimal("100000"), high}  # both bounds included
    same = await _ids(client, {"min_price": "100000", "max_price": "100000"})
    assert same == data.expect(lambda row: _available(row) and row.price == Decimal(100000))


@pytest.mark.parametrize("status", ["available", "pending", "rented", "sold"])
async def test_status_filter(client, data, status):
    expected = data.expect(lambda row: row.status == status)
    assert expected
    assert await _ids(client, {"status": status}) == expected


async def test_agent_id_filter(client, data):
    for agent_id in data.agents:
        expected = data.expect(lambda row, a=agent_id: _available(row) and row.agent_id == a)
        assert expected
        assert await _ids(client, {"agent_id": agent_id}) == expected
    assert await _ids(client, {"agent_id": 999999}) == []


@pytest.mark.parametrize(
    ("raw", "wanted"),
    [
        ("pool", {"pool"}),
        ("Pool,GYM", {"pool", "gym"}),
        (" wifi , parking ,", {"wifi", "parking"}),
        ("swimming  pool", {"swimming pool"}),
        ("pool,gym,wifi", {"pool", "gym", "wifi"}),
        ("sauna", {"sauna"}),
    ],
)
async def test_amenities_all_must_match(client, data, raw, wanted):
    expected = data.expect(lambda row: _available(row) and wanted <= row.amenities)
    assert await _ids(client, {"amenities": raw}) == expected
    if raw != "sauna":
        assert expected


async def test_filters_combine(client, data):
    params = {
        "q": "ocean",
        "city": "LAGOS",
        "listing_type": "rent",
        "min_price": "75000.50",
        "max_price": "250000",
        "amenities": "pool",
        "sort": "price_desc",
    }

    def keep(row: Row) -> bool:
        return (
            _available(row)
            and _contains("ocean")(row)
            and row.city.lower() == "lagos"
            and row.listing_type == "rent"
            and Decimal("75000.50") <= row.price <= Decimal("250000")
            and "pool" in row.amenities
        )

    expected = data.expect(keep, "price_desc")
    assert expected
    assert await _ids(client, params, limit=3) == expected


async def test_inactive_listings_are_never_shown(client, data):
    hidden = {row.id for row in data.rows if not row.is_active}
    assert hidden
    seen: set[int] = set()
    for status in ("available", "pending", "rented", "sold"):
        for sort in ("newest", "price_asc"):
            seen |= set(await _ids(client, {"status": status, "sort": sort}))
    for agent_id in data.agents:
        seen |= set(await _ids(client, {"agent_id": agent_id, "q": "o"}))
    assert not seen & hidden
    assert seen == {row.id for row in data.rows if row.is_active}


async def test_city_and_state_match_any_case_beyond_ascii(client, data):
    owner = await agent(client, "accents@example.com")
    listing = await create_listing(client, owner, city="Ìbàdàn", state="Ọ̀yọ́")
    for params in ({"city": "ÌBÀDÀN"}, {"city": "ìbàdàn"}, {"state": "Ọ̀YỌ́"}):
        assert await _ids(client, params) == [listing["id"]], params


@pytest.mark.parametrize(
    "params",
    [{"q": "\x00"}, {"city": "\x00"}, {"state": "Lagos\x00"}, {"amenities": "pool,\x00"}],
)
async def test_nul_characters_in_filters_match_nothing_and_never_500(client, data, params):
    response = await client.get(BASE, params=params)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["items"] == []  # no listing contains a NUL
    else:
        assert_error(response, 422, "validation_error")


# --- sorting and paging ---------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc"])
@pytest.mark.parametrize("status", ["available", "sold"])
async def test_paging_with_ties_yields_each_listing_once_in_order(client, data, sort, status):
    params: dict[str, Any] = {"status": status}
    if sort != "newest":
        params["sort"] = sort
    items = await collect(client, BASE, params, limit=7)
    ids = [item["id"] for item in items]
    expected = data.expect(lambda row: row.status == status, sort)
    assert len(ids) == len(set(ids))
    assert ids == expected
    prices = [money(item["price"]) for item in items]
    if sort == "price_asc":
        assert prices == sorted(prices)
    elif sort == "price_desc":
        assert prices == sorted(prices, reverse=True)
    assert len(set(prices)) < len(prices) / 5  # really many ties


async def test_last_full_page_has_no_next_cursor(client, data):
    # exactly 14 matching listings (and one hidden), paged by 7: two pages, then the end
    owner = await agent(client, "fourteen@example.com")
    rows = [
        Row(
            title=f"Fourteen {n}",
            description="d",
            address="1 Some Street",
            city="Jos",
            state="Plateau",
            property_type="house",
            listing_type="rent",
            status="available",
            price=Decimal(1000 + n % 2),
            bedrooms=1,
            bathrooms=1,
            furnished=False,
            agent_id=owner.id,
            is_active=n < 14,
        )
        for n in range(15)
    ]
    await insert_rows(rows)
    for sort in ("newest", "price_asc", "price_desc"):
        pages = []
        cursor = None
        for _ in range(2):
            params = {"agent_id": owner.id, "limit": 7, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            response = await client.get(BASE, params=params)
            assert response.status_code == 200, response.text
            pages.append([item["id"] for item in response.json()["items"]])
            cursor = response.json()["next_cursor"]
        assert cursor is None, sort
        assert pages[0] + pages[1] == Data(rows, []).expect(lambda row: True, sort)
        assert [len(page) for page in pages] == [7, 7]


async def test_empty_result_has_no_cursor(client, data):
    response = await client.get(BASE, params={"q": "nothing-matches-this"})
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}


# --- validation -----------------------------------------------------------------------------


def _cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"sort": "cheapest"},
        {"sort": "PRICE_ASC"},
        {"property_type": "castle"},
        {"listing_type": "lease"},
        {"status": "deleted"},
        {"min_price": "100.001"},
        {"max_price": "0.005"},
        {"min_price": "-1"},
        {"min_price": "abc"},
        {"min_price": "200", "max_price": "199.99"},
        {"min_bedrooms": "-1"},
        {"furnished": "maybe"},
        {"agent_id": "x"},
        {"cursor": "!!!not-a-cursor!!!"},
        {"cursor": "bm90IGpzb24"},
        {"cursor": _cursor("100", 5)},  # a price cursor for the newest sort
        {"cursor": _cursor(5), "sort": "price_asc"},  # a newest cursor for a price sort
        {"cursor": _cursor("abc", 5), "sort": "price_asc"},
        {"cursor": _cursor("100", "5"), "sort": "price_desc"},
        {"cursor": _cursor("100", -1), "sort": "price_desc"},
        {"cursor": _cursor(2**40)},
        {"cursor": _cursor(True)},
    ],
)
async def test_bad_queries_are_422(client, params):
    assert_error(await client.get(BASE, params=params), 422, "validation_error")


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-Infinity", "1e999999", "sNaN"])
@pytest.mark.parametrize("sort", ["price_asc", "price_desc"])
async def test_forged_price_cursors_are_422_never_500(client, data, price, sort):
    # a cursor's price is one the server wrote: a finite amount with at most 2 decimals
    response = await client.get(BASE, params={"sort": sort, "cursor": _cursor(price, 5)})
    assert_error(response, 422, "validation_error")


async def test_cursor_from_another_sort_is_refused_or_consistent(client, data):
    newest = await client.get(BASE, params={"limit": 7})
    by_price = await client.get(BASE, params={"limit": 7, "sort": "price_asc"})
    for cursor, other_sort in (
        (newest.json()["next_cursor"], "price_asc"),
        (newest.json()["next_cursor"], "price_desc"),
        (by_price.json()["next_cursor"], "newest"),
        (by_price.json()["next_cursor"], "price_desc"),
    ):
        response = await client.get(BASE, params={"limit": 7, "sort": other_sort, "cursor": cursor})
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:
            assert_error(response, 422, "validation_error")
        else:  # then it must be a page of the other sort's order
            everything = data.expect(_available, other_sort)
            ids = [item["id"] for item in response.json()["items"]]
            start = everything.index(ids[0])
            assert ids == everything[start : start + len(ids)]


# --- statement count ------------------------------------------------------------------------


async def _statements(client: httpx.AsyncClient, params: dict[str, Any]) -> tuple[int, int]:
    with count_statements() as seen:
        response = await client.get(BASE, params=params)
    assert response.status_code == 200, response.text
    return len(seen), len(response.json()["items"])


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"sort": "price_desc"},
        {"amenities": "pool,gym", "q": "o", "city": "lagos", "min_price": "1"},
    ],
)
async def test_statements_per_page_do_not_grow_with_the_page(client, data, extra):
    small, small_n = await _statements(client, {**extra, "limit": 5})
    large, large_n = await _statements(client, {**extra, "limit": 50})
    assert small > 0  # the counter sees the server's queries
    assert small_n == 5 and large_n > 5
    assert large == small
    # the rows of the large page do carry images and amenities (so they were loaded)
    response = await client.get(BASE, params={**extra, "limit": 50})
    items = response.json()["items"]
    assert any(item["images"] for item in items) and any(item["amenities"] for item in items)
    empty, empty_n = await _statements(client, {**extra, "q": "no-such-text-anywhere"})
    assert empty_n == 0
    assert empty <= small


async def test_statements_per_page_with_a_cursor(client, data):
    first = await client.get(BASE, params={"limit": 5, "sort": "price_asc"})
    cursor = first.json()["next_cursor"]
    small, _ = await _statements(client, {"limit": 5, "sort": "price_asc", "cursor": cursor})
    large, _ = await _statements(client, {"limit": 50, "sort": "price_asc", "cursor": cursor})
    assert small == large
