"""The ceiling for ``GET /api/v1/properties``: a minimal Sanic app that sends the statement
Sheda sends (one per page, images included: ``sheda.properties.search_sql.page_statement``,
a function of plain values) through raw asyncpg and answers the same JSON (items with
images and amenities, next_cursor). It parses the query string itself: no ORM, no pydantic,
no middleware; what is left is Sanic, asyncpg and PostgreSQL. ``bench/run_listings.py``
checks the statement against Sheda's and the answers against Sheda's before it measures
anything.

    python -m bench.raw_asyncpg_app --dsn postgres://… --port 8100 --workers 2
"""

from __future__ import annotations

import argparse
import base64
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import asyncpg
from sanic import Request, Sanic
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sanic.worker.loader import AppLoader

from sheda.db import SEARCH_SERVER_SETTINGS
from sheda.properties.search_sql import SearchFilters, page_statement

SORTS = {"newest", "price_asc", "price_desc"}
STATUSES = {"available", "pending", "rented", "sold"}
PROPERTY_TYPES = {"apartment", "house", "land", "shortlet", "shared_apartment", "commercial"}
LISTING_TYPES = {"rent", "sale"}
POOL_SIZE = 5  # Tortoise's default asyncpg pool (minsize 1, maxsize 5) per worker


class Invalid(ValueError):
    pass


def _amenities(raw: str) -> list[str]:
    names: dict[str, None] = {}
    for part in raw.split(","):
        name = " ".join(part.split()).lower()
        if name:
            names[name] = None
    return list(names)


def _money(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Invalid("not a number") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise Invalid("money has at most 2 decimals")
    return value


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise Invalid("bad cursor") from None
    if not isinstance(key, list):
        raise Invalid("bad cursor")
    return key


def encode_cursor(*key: Any) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def build_query(args: dict[str, str]) -> tuple[str, list[Any], int, str]:
    """(SQL, parameters, limit, sort) of the page statement for a query string."""
    status = args.get("status", "available")
    sort = args.get("sort", "newest")
    if status not in STATUSES or sort not in SORTS:
        raise Invalid("unknown status or sort")
    limit = int(args.get("limit", "20"))
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1..100")
    kind, listing = args.get("property_type"), args.get("listing_type")
    if (kind and kind not in PROPERTY_TYPES) or (listing and listing not in LISTING_TYPES):
        raise Invalid("unknown property_type or listing_type")
    after: tuple[Any, ...] | None = None
    if cursor := args.get("cursor"):
        last = _decode_cursor(cursor)
        after = (int(last[0]),) if sort == "newest" else (Decimal(str(last[0])), int(last[1]))
    filters = SearchFilters(
        status=status,
        q=args["q"].lower() if args.get("q") else None,
        # Sheda compares case-folded copies (sheda/properties/derived.py: place_key).
        city_key=" ".join(args["city"].split()).casefold() if args.get("city") else None,
        state_key=" ".join(args["state"].split()).casefold() if args.get("state") else None,
        property_type=kind or None,
        listing_type=listing or None,
        min_price=_money(args["min_price"]) if "min_price" in args else None,
        max_price=_money(args["max_price"]) if "max_price" in args else None,
        min_bedrooms=int(args["min_bedrooms"]) if "min_bedrooms" in args else None,
        min_bathrooms=int(args["min_bathrooms"]) if "min_bathrooms" in args else None,
        furnished=args["furnished"].lower() in {"true", "1"} if "furnished" in args else None,
        agent_id=int(args["agent_id"]) if "agent_id" in args else None,
        amenities=tuple(_amenities(args.get("amenities", ""))),
        sort=sort,  # type: ignore[arg-type]
        limit=limit,
        after=after,
    )
    sql, params = page_statement(filters)
    return sql, params, limit, sort


def _when(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _item(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"], "agent_id": row["agent_id"], "title": row["title"],
        "description": row["description"], "property_type": row["property_type"],
        "listing_type": row["listing_type"], "status": row["status"],
        "price": float(row["price"]), "is_negotiable": row["is_negotiable"],
        "address": row["address"], "city": row["city"], "state": row["state"],
        "latitude": _number(row["latitude"]), "longitude": _number(row["longitude"]),
        "bedrooms": row["bedrooms"], "bathrooms": row["bathrooms"],
        "area_sqft": row["area_sqft"], "furnished": row["furnished"],
        "amenities": json.loads(row["amenities"]), "images": json.loads(row["images"]),
        "is_active": row["is_active"],
        "created_at": _when(row["created_at"]), "updated_at": _when(row["updated_at"]),
    }


async def list_properties(request: Request) -> HTTPResponse:
    args = {name: values[0] for name, values in request.args.items()}
    try:
        sql, params, limit, sort = build_query(args)
    except (Invalid, ValueError, IndexError) as err:
        return json_response({"detail": str(err), "code": "validation_error"}, status=422)
    pool: asyncpg.Pool = request.app.ctx.pool
    found = await pool.fetch(sql, *params)  # one statement per page, as Sheda
    page = found[:limit]
    next_cursor = None
    if len(found) > limit and page:
        last = page[-1]
        next_cursor = (
            encode_cursor(last["id"]) if sort == "newest"
            else encode_cursor(str(last["price"]), last["id"])
        )
    return json_response({"items": [_item(row) for row in page], "next_cursor": next_cursor})


async def health(request: Request) -> HTTPResponse:
    return json_response({"status": "ok"})


def create_app(dsn: str) -> Sanic:
    app = Sanic("raw_listings")
    app.config.KEEP_ALIVE_TIMEOUT = 30  # as Sheda's

    @app.before_server_start
    async def open_pool(app: Sanic) -> None:
        app.ctx.pool = await asyncpg.create_pool(
            dsn.replace("postgres://", "postgresql://", 1), min_size=1, max_size=POOL_SIZE,
            server_settings=SEARCH_SERVER_SETTINGS,  # as Sheda's pool
        )

    @app.after_server_stop
    async def close_pool(app: Sanic) -> None:
        await app.ctx.pool.close()

    app.add_route(list_properties, "/api/v1/properties", methods=["GET"])
    app.add_route(health, "/health", methods=["GET"])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    loader = AppLoader(factory=partial(create_app, args.dsn))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=args.workers, access_log=False,
                motd=False)
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
