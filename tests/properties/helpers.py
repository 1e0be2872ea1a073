"""Shared helpers for the listings tests: accounts, a valid listing body, bulk data through
the ORM (exactly as the service writes it), list paging and a SQL statement counter."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from tortoise import connections

from sheda.db import search_connection
from sheda.properties.derived import derived_columns
from sheda.properties.models import Property, PropertyImage
from sheda.users.models import User
from tests.support import bearer, login, register

BASE = "/api/v1/properties"
ON_POSTGRES = bool(os.environ.get("SHEDA_TEST_DATABASE_URL"))

# API.md "Properties": the Property object.
PROPERTY_KEYS = {
    "id",
    "agent_id",
    "title",
    "description",
    "property_type",
    "listing_type",
    "status",
    "price",
    "is_negotiable",
    "address",
    "city",
    "state",
    "latitude",
    "longitude",
    "bedrooms",
    "bathrooms",
    "area_sqft",
    "furnished",
    "amenities",
    "images",
    "is_active",
    "created_at",
    "updated_at",
}
IMAGE_KEYS = {"id", "url", "is_primary", "position"}


@dataclass
class Account:
    id: int
    headers: dict[str, str]
    email: str


async def agent(client: httpx.AsyncClient, email: str) -> Account:
    body = await register(client, email, user_type="agent")
    return Account(body["user"]["id"], bearer(body["access_token"]), email)


async def client_user(client: httpx.AsyncClient, email: str) -> Account:
    body = await register(client, email)
    return Account(body["user"]["id"], bearer(body["access_token"]), email)


async def admin(client: httpx.AsyncClient, email: str = "root@example.com") -> Account:
    body = await register(client, email)
    await User.filter(id=body["user"]["id"]).update(role="admin")
    tokens = await login(client, email)  # issued after the promotion: carries `admin`
    return Account(body["user"]["id"], bearer(tokens["access_token"]), email)


def listing_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Bright two-bedroom flat",
        "description": "Close to the lagoon, with a borehole and steady power.",
        "property_type": "apartment",
        "listing_type": "rent",
        "price": 1500000.5,
        "address": "12 Admiralty Way, Lekki Phase 1",
        "city": "Lagos",
        "state": "Lagos",
        "bedrooms": 2,
        "bathrooms": 2,
        "furnished": True,
        "amenities": ["Pool", "Parking"],
    }
    body.update(overrides)
    return body


async def create_listing(
    client: httpx.AsyncClient, owner: Account, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(BASE, json=listing_body(**overrides), headers=owner.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def hide(client: httpx.AsyncClient, root: Account, property_id: int) -> None:
    response = await client.patch(
        f"/api/v1/admin/properties/{property_id}", json={"is_active": False}, headers=root.headers
    )
    assert response.status_code == 200, response.text


def money(value: Any) -> Decimal:
    """A JSON money value as a Decimal (it must be a JSON number, not a string)."""
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value))


# --- bulk data --------------------------------------------------------------------------------


@dataclass
class Row:
    """What a test knows about a listing it inserted: the source of every expected value."""

    title: str
    description: str
    address: str
    city: str
    state: str
    property_type: str
    listing_type: str
    status: str
    price: Decimal
    bedrooms: int
    bathrooms: int
    furnished: bool
    agent_id: int
    is_active: bool = True
    amenities: set[str] = field(default_factory=set)
    images: int = 0
    id: int = 0


async def insert_rows(rows: list[Row]) -> None:
    """Bulk-insert listings, amenities and images the way the service writes them; fills
    each row's id (titles must be unique)."""
    await Property.bulk_create(
        [
            Property(
                agent_id=row.agent_id,
                title=row.title,
                description=row.description,
                property_type=row.property_type,
                listing_type=row.listing_type,
                status=row.status,
                price=row.price,
                address=row.address,
                city=row.city,
                state=row.state,
                bedrooms=row.bedrooms,
                bathrooms=row.bathrooms,
                furnished=row.furnished,
                is_active=row.is_active,
                amenities=sorted(row.amenities),
                **derived_columns(
                    title=row.title,
                    description=row.description,
                    address=row.address,
                    city=row.city,
                    state=row.state,
                ),
            )
            for row in rows
        ],
        batch_size=200,
    )
    ids = dict(await Property.filter(title__in=[r.title for r in rows]).values_list("title", "id"))
    assert len(ids) == len(rows), "titles must be unique"
    images: list[PropertyImage] = []
    for row in rows:
        row.id = int(ids[row.title])
        images += [
            PropertyImage(
                property_id=row.id,
                url=f"/api/v1/media/properties/{row.id}/{n}.png",
                is_primary=n == 0,
                position=n,
            )
            for n in range(row.images)
        ]
    if images:
        await PropertyImage.bulk_create(images, batch_size=500)


def row_from_api(body: dict[str, Any]) -> Row:
    """A listing created through the API, as a Row (for expected-set computations)."""
    return Row(
        id=body["id"],
        title=body["title"],
        description=body["description"],
        address=body["address"],
        city=body["city"],
        state=body["state"],
        property_type=body["property_type"],
        listing_type=body["listing_type"],
        status=body["status"],
        price=money(body["price"]),
        bedrooms=body["bedrooms"],
        bathrooms=body["bathrooms"],
        furnished=body["furnished"],
        agent_id=body["agent_id"],
        is_active=body["is_active"],
        amenities=set(body["amenities"]),
        images=len(body["images"]),
    )


# --- lists ----------------------------------------------------------------------------------


async def collect(
    client: httpx.AsyncClient,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    limit: int = 100,
    method: str = "GET",
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every item of a cursor-paginated list, checking the page invariants on the way."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(1000):
        query = {**(params or {}), "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        response = await client.request(
            method, path, params=query, json=json, headers=headers or {}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert {"items", "next_cursor"} <= set(page), page
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert isinstance(cursor, str) and cursor
        assert len(page["items"]) == limit, "a page with a next_cursor must be full"
    raise AssertionError("the cursor never ended")


# --- files ----------------------------------------------------------------------------------


def png(size: tuple[int, int] = (24, 16), color: tuple[int, int, int] = (20, 120, 220)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def media_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def file_of(root: Path, url: str) -> Path:
    prefix = "/api/v1/media/"
    assert url.startswith(prefix), url
    return root / url.removeprefix(prefix)


# --- SQL statement counter ------------------------------------------------------------------

_EXECUTE = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")


@contextlib.contextmanager
def count_statements() -> Iterator[list[str]]:
    """Records every SQL statement sent on the app's connections (the server runs in this
    process and loop, so its queries go through the same client objects): the default one,
    and on PostgreSQL the searches' own pool (sheda.db.search_connection)."""
    clients = [connections.get("default")]
    if search_connection() is not clients[0]:
        clients.append(search_connection())
    seen: list[str] = []
    patched: list[tuple[Any, str]] = []

    def wrap(conn: Any, name: str) -> Any:
        original = getattr(conn, name)

        async def shim(*args: Any, **kwargs: Any) -> Any:
            statement = str(args[0]) if args else str(kwargs.get("query", ""))
            # A mail stored or marked sent by an earlier request's background task (the
            # sign-up's) is not this request's work.
            if '"outgoing_mail"' not in statement:
                seen.append(statement)
            return await original(*args, **kwargs)

        return shim

    for conn in clients:
        for name in _EXECUTE:
            if name in vars(conn):  # pragma: no cover - never patched twice
                continue
            setattr(conn, name, wrap(conn, name))
            patched.append((conn, name))
    try:
        yield seen
    finally:
        for conn, name in patched:
            delattr(conn, name)
