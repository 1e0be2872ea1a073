"""Listings CRUD (API.md "Properties"): create, detail with agent and price comparison,
partial update, delete, and admin moderation (PATCH /api/v1/admin/properties/{id})."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

import httpx
import pytest

from sheda.properties.models import Property, PropertyImage
from tests.properties.helpers import (
    BASE,
    IMAGE_KEYS,
    PROPERTY_KEYS,
    Account,
    admin,
    agent,
    client_user,
    create_listing,
    file_of,
    hide,
    listing_body,
    money,
    png,
)
from tests.support import assert_error

PUBLIC_KEYS = {
    "id",
    "username",
    "fullname",
    "avatar_url",
    "user_type",
    "agent_profile",
    "online",
    "last_seen",
}
DETAIL_KEYS = PROPERTY_KEYS | {"agent", "price_comparison"}


def _ids(page: dict) -> list[int]:
    return [item["id"] for item in page["items"]]


async def _search_ids(client: httpx.AsyncClient, **params: object) -> list[int]:
    response = await client.get(BASE, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return _ids(response.json())


# --- create ---------------------------------------------------------------------------------


async def test_create_answers_201_with_location_and_the_property(client):
    owner = await agent(client, "ada@example.com")
    sent = listing_body(price=999999999999.99, latitude=6.4474, longitude=3.4719, area_sqft=1200)
    response = await client.post(BASE, json=sent, headers=owner.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == PROPERTY_KEYS
    assert isinstance(body["id"], int)
    assert urlsplit(response.headers["location"]).path == f"{BASE}/{body['id']}"
    assert body["agent_id"] == owner.id
    assert body["status"] == "available"
    assert body["is_active"] is True
    assert body["images"] == []
    assert money(body["price"]) == Decimal("999999999999.99")  # a JSON number, exact
    assert body["latitude"] == pytest.approx(6.4474)
    assert body["longitude"] == pytest.approx(3.4719)
    assert body["area_sqft"] == 1200
    assert body["is_negotiable"] is False  # default
    for key in ("title", "description", "property_type", "listing_type", "address", "city"):
        assert body[key] == sent[key]
    assert (body["bedrooms"], body["bathrooms"], body["furnished"]) == (2, 2, True)
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")

    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200, fetched.text
    assert {k: v for k, v in fetched.json().items() if k in PROPERTY_KEYS} == body
    stored = await Property.get(id=body["id"])
    assert stored.price == Decimal("999999999999.99")
    assert stored.agent_id == owner.id  # type: ignore[attr-defined]


async def test_optional_fields_default_to_null(client):
    owner = await agent(client, "ada@example.com")
    body = await create_listing(client, owner)
    assert body["latitude"] is None and body["longitude"] is None and body["area_sqft"] is None


@pytest.mark.parametrize(
    ("field", "value"), [("agent_id", 1), ("status", "available"), ("is_active", True)]
)
async def test_server_owned_fields_are_refused_on_create(client, field, value):
    owner = await agent(client, "ada@example.com")
    response = await client.post(BASE, json=listing_body(**{field: value}), headers=owner.headers)
    body = assert_error(response, 422, "validation_error")
    assert any(err["field"] == f"body.{field}" for err in body["errors"]), body
    assert await Property.all().count() == 0


async def test_create_needs_an_agent_token(client):
    buyer = await client_user(client, "buyer@example.com")
    assert_error(
        await client.post(BASE, json=listing_body(), headers=buyer.headers), 403, "forbidden"
    )
    assert_error(await client.post(BASE, json=listing_body()), 401, "unauthorized")
    assert await Property.all().count() == 0


@pytest.mark.parametrize(
    "price", [100.001, 0, -5, "abc", "0", "0.00", "1e3", "+5", "NaN", "1000000000000"]
)
async def test_bad_prices_are_422(client, price):
    owner = await agent(client, "ada@example.com")
    response = await client.post(BASE, json=listing_body(price=price), headers=owner.headers)
    body = assert_error(response, 422, "validation_error")
    assert any(err["field"] == "body.price" for err in body["errors"]), body


@pytest.mark.parametrize("field", ["furnished", "is_negotiable"])
@pytest.mark.parametrize("value", [0, 1, "yes", "true"])
async def test_booleans_must_be_json_booleans(client, field, value):
    # The document says boolean; 0 or "yes" was coerced to a boolean (found by schemathesis).
    owner = await agent(client, "ada@example.com")
    response = await client.post(BASE, json=listing_body(**{field: value}), headers=owner.headers)
    body = assert_error(response, 422, "validation_error")
    assert [err["field"] for err in body["errors"]] == [f"body.{field}"], body
    assert await Property.all().count() == 0


@pytest.mark.parametrize(
    ("sent", "stored"), [("0.50", "0.50"), (" 0012.5 ", "12.50"), (".5", "0.50")]
)
async def test_prices_as_decimal_strings_are_read_exactly(client, sent, stored):
    owner = await agent(client, "ada@example.com")
    response = await client.post(BASE, json=listing_body(price=sent), headers=owner.headers)
    assert response.status_code == 201, response.text
    assert money(response.json()["price"]) == Decimal(stored)
    assert (await Property.get(id=response.json()["id"])).price == Decimal(stored)


@pytest.mark.parametrize("field", ["title", "description", "city"])
async def test_nul_character_in_text_is_never_a_500(client, field):
    owner = await agent(client, "ada@example.com")
    sent = listing_body()
    sent[field] = sent[field][:2] + "\x00" + sent[field][2:]
    response = await client.post(BASE, json=sent, headers=owner.headers)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        assert response.json()[field] == sent[field]  # kept verbatim, not mangled


async def test_amenities_are_normalised_and_deduplicated(client):
    owner = await agent(client, "ada@example.com")
    body = await create_listing(
        client,
        owner,
        amenities=["Pool", " pool ", "POOL", "Swimming   Pool", "GYM", "gym", "24h  Power"],
    )
    expected = {"pool", "swimming pool", "gym", "24h power"}
    assert sorted(body["amenities"]) == sorted(expected)
    stored = await Property.get(id=body["id"])
    assert stored.amenities == sorted(expected)  # kept sorted on the row
    # and they are searchable under any spelling
    assert await _search_ids(client, amenities="SWIMMING pool, Gym") == [body["id"]]


async def test_blank_amenity_is_422(client):
    owner = await agent(client, "ada@example.com")
    response = await client.post(
        BASE, json=listing_body(amenities=["pool", "   "]), headers=owner.headers
    )
    assert_error(response, 422, "validation_error")


# --- detail ---------------------------------------------------------------------------------


async def test_detail_carries_the_agents_public_profile(client):
    owner = await agent(client, "ada@example.com")
    other = await agent(client, "bola@example.com")
    root = await admin(client)
    first = await create_listing(client, owner, title="First of three")
    hidden = await create_listing(client, owner, title="Second of three")
    rented = await create_listing(client, owner, title="Third of three")
    await create_listing(client, other, title="Someone else's")
    await hide(client, root, hidden["id"])
    response = await client.patch(
        f"{BASE}/{rented['id']}", json={"status": "rented"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text

    response = await client.get(f"{BASE}/{first['id']}")  # anonymous
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == DETAIL_KEYS
    profile = body["agent"]
    assert set(profile) == PUBLIC_KEYS
    assert profile["id"] == owner.id
    assert profile["user_type"] == "agent"
    assert "email" not in profile
    # active listings of this agent: the first and the rented one (the hidden one is not)
    assert profile["agent_profile"]["listings_count"] == 2


def _expected_comparison(price: Decimal, peers: list[Decimal]) -> dict:
    if not peers:
        return {"similar_count": 0, "average_price": None, "position": None}
    average = (sum(peers) / len(peers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if price < average * Decimal("0.9"):
        position = "below"
    elif price > average * Decimal("1.1"):
        position = "above"
    else:
        position = "average"
    return {"similar_count": len(peers), "average_price": average, "position": position}


async def _comparison(client: httpx.AsyncClient, property_id: int) -> dict:
    response = await client.get(f"{BASE}/{property_id}")
    assert response.status_code == 200, response.text
    found = response.json()["price_comparison"]
    assert set(found) == {"similar_count", "average_price", "position"}
    if found["average_price"] is not None:
        found["average_price"] = money(found["average_price"])
    return found


async def test_price_comparison_counts_only_real_peers(client):
    owner = await agent(client, "ada@example.com")
    rival = await agent(client, "bola@example.com")
    root = await admin(client)
    base = {"city": "Lagos", "property_type": "apartment", "listing_type": "rent"}
    target = await create_listing(client, owner, title="Target flat", price=200000, **base)
    # peers: same city in any case, same types, active, available - any agent
    p1 = await create_listing(
        client, owner, title="Peer one", price=100000, **{**base, "city": "lagos"}
    )
    await create_listing(client, rival, title="Peer two", price=300000, **{**base, "city": "LAGOS"})
    # not peers
    await create_listing(client, owner, title="Other city", price=5, **{**base, "city": "Abuja"})
    await create_listing(
        client, owner, title="City prefix", price=5, **{**base, "city": "Lagos Island"}
    )
    await create_listing(
        client, owner, title="A house", price=5, **{**base, "property_type": "house"}
    )
    await create_listing(
        client, owner, title="For sale", price=5, **{**base, "listing_type": "sale"}
    )
    rented = await create_listing(client, owner, title="Rented out", price=5, **base)
    hidden = await create_listing(client, owner, title="Hidden one", price=5, **base)
    response = await client.patch(
        f"{BASE}/{rented['id']}", json={"status": "rented"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    await hide(client, root, hidden["id"])

    peers = [Decimal(100000), Decimal(300000)]  # average 200000.00
    for price in ["200000", "180000", "179999.99", "220000", "220000.01", "1"]:
        response = await client.patch(
            f"{BASE}/{target['id']}", json={"price": float(price)}, headers=owner.headers
        )
        assert response.status_code == 200, response.text
        assert await _comparison(client, target["id"]) == _expected_comparison(
            Decimal(price), peers
        ), price
    # from a peer's side the target (now priced 1) is a peer: (1 + 300000) / 2 = 150000.50
    assert await _comparison(client, p1["id"]) == _expected_comparison(
        Decimal(100000), [Decimal(1), Decimal(300000)]
    )


async def test_price_comparison_average_is_rounded_to_two_decimals(client):
    owner = await agent(client, "ada@example.com")
    base = {"city": "Ibadan", "property_type": "house", "listing_type": "sale"}
    target = await create_listing(client, owner, title="Target house", price=150000, **base)
    prices = [Decimal("100000"), Decimal("100000"), Decimal("100001")]  # 100000.333...
    for n, price in enumerate(prices):
        await create_listing(client, owner, title=f"Peer house {n}", price=float(price), **base)
    found = await _comparison(client, target["id"])
    assert found == _expected_comparison(Decimal(150000), prices)
    assert found["average_price"] == Decimal("100000.33")
    assert found["position"] == "above"


async def test_price_comparison_without_peers_is_null(client):
    owner = await agent(client, "ada@example.com")
    lone = await create_listing(client, owner, city="Maiduguri")
    assert await _comparison(client, lone["id"]) == {
        "similar_count": 0,
        "average_price": None,
        "position": None,
    }


async def test_inactive_listing_is_404_except_for_owner_and_admin(client):
    owner = await agent(client, "ada@example.com")
    other = await agent(client, "bola@example.com")
    buyer = await client_user(client, "buyer@example.com")
    root = await admin(client)
    listing = await create_listing(client, owner)
    await hide(client, root, listing["id"])
    url = f"{BASE}/{listing['id']}"
    for headers in ({}, other.headers, buyer.headers):
        assert_error(await client.get(url, headers=headers), 404, "not_found")
    for viewer in (owner, root):
        response = await client.get(url, headers=viewer.headers)
        assert response.status_code == 200, response.text
        assert response.json()["is_active"] is False


async def test_unknown_or_malformed_id_is_404(client):
    assert_error(await client.get(f"{BASE}/987654"), 404, "not_found")
    assert_error(await client.get(f"{BASE}/abc"), 404, "not_found")


# --- update ---------------------------------------------------------------------------------


async def test_owner_patch_is_partial_and_replaces_amenities(client):
    owner = await agent(client, "ada@example.com")
    listing = await create_listing(client, owner, amenities=["pool", "gym"])
    response = await client.patch(
        f"{BASE}/{listing['id']}",
        json={
            "title": "Sunlit penthouse with rooftop",
            "amenities": ["Generator", "WIFI"],
            "price": 2000000.25,
            "latitude": None,
        },
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PROPERTY_KEYS
    assert body["title"] == "Sunlit penthouse with rooftop"
    assert sorted(body["amenities"]) == ["generator", "wifi"]
    assert money(body["price"]) == Decimal("2000000.25")
    unchanged = set(PROPERTY_KEYS) - {"title", "amenities", "price", "updated_at"}
    assert {k: body[k] for k in unchanged} == {k: listing[k] for k in unchanged}
    stored = await Property.get(id=listing["id"])
    assert stored.amenities == ["generator", "wifi"]
    # search follows the new title, and forgets the old one
    assert await _search_ids(client, q="ROOFTOP") == [listing["id"]]
    assert await _search_ids(client, q="bright two-bedroom") == []
    assert await _search_ids(client, amenities="pool") == []
    assert await _search_ids(client, amenities="wifi") == [listing["id"]]


async def test_patching_only_the_address_updates_search(client):
    owner = await agent(client, "ada@example.com")
    listing = await create_listing(client, owner)
    response = await client.patch(
        f"{BASE}/{listing['id']}",
        json={"address": "7 Ozumba Mbadiwe Avenue"},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert await _search_ids(client, q="ozumba") == [listing["id"]]
    assert await _search_ids(client, q="bright two") == [listing["id"]]  # title kept
    assert await _search_ids(client, q="admiralty") == []


async def test_patch_another_agents_listing_is_403_and_changes_nothing(client):
    owner = await agent(client, "ada@example.com")
    other = await agent(client, "bola@example.com")
    listing = await create_listing(client, owner)
    response = await client.patch(
        f"{BASE}/{listing['id']}", json={"title": "Stolen"}, headers=other.headers
    )
    assert_error(response, 403, "forbidden")
    assert (await Property.get(id=listing["id"])).title == listing["title"]


async def test_patch_unknown_or_hidden_listing_is_404(client):
    owner = await agent(client, "ada@example.com")
    other = await agent(client, "bola@example.com")
    root = await admin(client)
    listing = await create_listing(client, owner)
    await hide(client, root, listing["id"])
    response = await client.patch(
        f"{BASE}/{listing['id']}", json={"title": "Another title"}, headers=other.headers
    )
    assert_error(response, 404, "not_found")
    response = await client.patch(
        f"{BASE}/424242", json={"title": "Another title"}, headers=owner.headers
    )
    assert_error(response, 404, "not_found")
    # the owner still may change a hidden listing
    response = await client.patch(
        f"{BASE}/{listing['id']}", json={"title": "Another title"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False


async def test_patch_needs_an_agent_token(client):
    owner = await agent(client, "ada@example.com")
    buyer = await client_user(client, "buyer@example.com")
    listing = await create_listing(client, owner)
    url = f"{BASE}/{listing['id']}"
    assert_error(
        await client.patch(url, json={"title": "Mine now"}, headers=buyer.headers), 403, "forbidden"
    )
    assert_error(await client.patch(url, json={"title": "Mine now"}), 401, "unauthorized")


async def test_status_can_be_set_but_not_to_pending(client):
    owner = await agent(client, "ada@example.com")
    listing = await create_listing(client, owner)
    url = f"{BASE}/{listing['id']}"
    response = await client.patch(url, json={"status": "pending"}, headers=owner.headers)
    assert_error(response, 422, "validation_error")
    assert (await Property.get(id=listing["id"])).status == "available"
    response = await client.patch(url, json={"status": "sold"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "sold"
    assert await _search_ids(client) == []
    assert await _search_ids(client, status="sold") == [listing["id"]]


async def test_status_cannot_change_while_a_deal_is_pending(client):
    owner = await agent(client, "ada@example.com")
    listing = await create_listing(client, owner)
    await Property.filter(id=listing["id"]).update(status="pending")
    url = f"{BASE}/{listing['id']}"
    for status in ("available", "rented", "sold"):
        response = await client.patch(url, json={"status": status}, headers=owner.headers)
        assert_error(response, 409, "conflict")
    assert (await Property.get(id=listing["id"])).status == "pending"
    # other fields stay editable
    response = await client.patch(url, json={"title": "Retitled"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"


@pytest.mark.parametrize(
    "field", ["title", "price", "city", "property_type", "bedrooms", "amenities", "status"]
)
async def test_null_for_a_required_field_is_422(client, field):
    owner = await agent(client, "ada@example.com")
    listing = await create_listing(client, owner)
    response = await client.patch(
        f"{BASE}/{listing['id']}", json={field: None}, headers=owner.headers
    )
    assert_error(response, 422, "validation_error")
    stored = await Property.get(id=listing["id"])
    assert stored.title == listing["title"] and stored.city == listing["city"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("agent_id", 99), ("is_active", False), ("price", 10.999), ("colour", "red")],
)
async def test_patch_refuses_fields_the_agent_may_not_set(client, field, value):
    owner = await agent(client, "ada@example.com")
    listing = await create_listing(client, owner)
    response = await client.patch(
        f"{BASE}/{listing['id']}", json={field: value}, headers=owner.headers
    )
    assert_error(response, 422, "validation_error")
    stored = await Property.get(id=listing["id"])
    assert stored.is_active is True and stored.price == Decimal("1500000.50")


# --- delete ---------------------------------------------------------------------------------


async def _with_images(client: httpx.AsyncClient, owner: Account, server) -> tuple[dict, list]:
    listing = await create_listing(client, owner)
    response = await client.post(
        f"{BASE}/{listing['id']}/images",
        files=[("files", ("a.png", png(), "image/png")), ("files", ("b.png", png(), "image/png"))],
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    root = server.settings.media_path
    paths = [file_of(root, image["url"]) for image in response.json()["images"]]
    assert all(path.is_file() for path in paths)
    return listing, paths


async def test_owner_deletes_listing_and_its_image_files(client, server):
    owner = await agent(client, "ada@example.com")
    listing, paths = await _with_images(client, owner, server)
    response = await client.delete(f"{BASE}/{listing['id']}", headers=owner.headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert not await Property.filter(id=listing["id"]).exists()
    assert await PropertyImage.filter(property_id=listing["id"]).count() == 0
    assert not any(path.exists() for path in paths)
    assert_error(await client.get(f"{BASE}/{listing['id']}"), 404, "not_found")


async def test_admin_deletes_any_listing(client, server):
    owner = await agent(client, "ada@example.com")
    root = await admin(client)
    listing, paths = await _with_images(client, owner, server)
    response = await client.delete(f"{BASE}/{listing['id']}", headers=root.headers)
    assert response.status_code == 204, response.text
    assert not await Property.filter(id=listing["id"]).exists()
    assert not any(path.exists() for path in paths)


async def test_others_cannot_delete(client):
    owner = await agent(client, "ada@example.com")
    other = await agent(client, "bola@example.com")
    buyer = await client_user(client, "buyer@example.com")
    listing = await create_listing(client, owner)
    url = f"{BASE}/{listing['id']}"
    assert_error(await client.delete(url, headers=other.headers), 403, "forbidden")
    assert_error(await client.delete(url, headers=buyer.headers), 403, "forbidden")
    assert_error(await client.delete(url), 401, "unauthorized")
    assert await Property.filter(id=listing["id"]).exists()
    assert_error(await client.delete(f"{BASE}/777777", headers=owner.headers), 404, "not_found")


async def test_delete_while_a_deal_is_pending_is_409(client):
    owner = await agent(client, "ada@example.com")
    root = await admin(client)
    listing = await create_listing(client, owner)
    await Property.filter(id=listing["id"]).update(status="pending")
    for caller in (owner, root):
        response = await client.delete(f"{BASE}/{listing['id']}", headers=caller.headers)
        assert_error(response, 409, "conflict")
    assert await Property.filter(id=listing["id"]).exists()


# --- moderation -----------------------------------------------------------------------------


async def test_admin_hides_and_shows_a_listing(client):
    owner = await agent(client, "ada@example.com")
    root = await admin(client)
    listing = await create_listing(client, owner)
    keep = await create_listing(client, owner, title="Stays visible")
    url = f"/api/v1/admin/properties/{listing['id']}"
    response = await client.patch(url, json={"is_active": False}, headers=root.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PROPERTY_KEYS
    assert body["id"] == listing["id"] and body["is_active"] is False
    assert (await Property.get(id=listing["id"])).is_active is False
    assert await _search_ids(client) == [keep["id"]]
    assert await _search_ids(client, agent_id=owner.id) == [keep["id"]]

    response = await client.patch(url, json={"is_active": True}, headers=root.headers)
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is True
    assert await _search_ids(client) == [keep["id"], listing["id"]]


async def test_moderation_is_admin_only(client):
    owner = await agent(client, "ada@example.com")
    buyer = await client_user(client, "buyer@example.com")
    root = await admin(client)
    listing = await create_listing(client, owner)
    url = f"/api/v1/admin/properties/{listing['id']}"
    for caller in (owner, buyer):
        response = await client.patch(url, json={"is_active": False}, headers=caller.headers)
        assert_error(response, 403, "forbidden")
    assert_error(await client.patch(url, json={"is_active": False}), 401, "unauthorized")
    assert (await Property.get(id=listing["id"])).is_active is True
    response = await client.patch(
        "/api/v1/admin/properties/55555", json={"is_active": False}, headers=root.headers
    )
    assert_error(response, 404, "not_found")
    # 0 and "false" are refused, not coerced: the document says boolean.
    refused = (
        {},
        {"is_active": None},
        {"is_active": 0},
        {"is_active": "false"},
        {"is_active": False, "status": "sold"},
    )
    for bad in refused:
        assert_error(
            await client.patch(url, json=bad, headers=root.headers), 422, "validation_error"
        )


async def test_image_payload_keys(client):
    owner = await agent(client, "ada@example.com")
    listing = await create_listing(client, owner)
    response = await client.post(
        f"{BASE}/{listing['id']}/images",
        files=[("files", ("a.png", png(), "image/png"))],
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    detail = (await client.get(f"{BASE}/{listing['id']}")).json()
    assert [set(image) for image in detail["images"]] == [IMAGE_KEYS]
