"""The ceiling for ``GET /api/v1/properties``: a minimal Sanic app that sends the SQL Sheda
sends (the statements Tortoise builds for the same filters: the page, then its images, then
its amenities) through raw asyncpg and answers the same JSON (items with images and
amenities, next_cursor). No ORM, no pydantic, no middleware: what is left is Sanic, asyncpg
and PostgreSQL. ``bench/run_listings.py`` checks the SQL against Tortoise's and the answers
against Sheda's before it measures anything.

    python -m bench.raw_asyncpg_app --dsn postgres://… --port 8100 --workers 2
"""

from __future__ import annotations

import argparse
import base64
import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import asyncpg
from sanic import Request, Sanic
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sanic.worker.loader import AppLoader

# Tortoise's column list for Property: every column of the model (Tortoise's order varies
# from process to process; the runner compares the lists as sets).
COLUMNS = (
    '"id","agent_id","title","description","property_type","listing_type","status","price",'
    '"is_negotiable","address","city","state","latitude","longitude","bedrooms","bathrooms",'
    '"area_sqft","furnished","search_text","city_key","state_key","is_active","created_at",'
    '"updated_at"'
)
ORDER = {
    "newest": '"id" DESC',
    "price_asc": '"price" ASC,"id" ASC',
    "price_desc": '"price" DESC,"id" DESC',
}
STATUSES = {"available", "pending", "rented", "sold"}
PROPERTY_TYPES = {"apartment", "house", "land", "shortlet", "shared_apartment", "commercial"}
LISTING_TYPES = {"rent", "sale"}
POOL_SIZE = 5  # Tortoise's default asyncpg pool (minsize 1, maxsize 5) per worker


class Invalid(ValueError):
    pass


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
    """(SQL, parameters, limit, sort) for the page query, in the shape Tortoise writes it:
    the same conditions in the same order as sheda.properties.search.filtered."""
    params: list[Any] = []

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    status = args.get("status", "available")
    sort = args.get("sort", "newest")
    if status not in STATUSES or sort not in ORDER:
        raise Invalid("unknown status or sort")
    limit = int(args.get("limit", "20"))
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1..100")
    where = [f'"is_active"={param(True)}', f'"status"={param(status)}']
    if q := args.get("q"):
        like = f"%{_escape_like(q.lower())}%"
        where.append(f'CAST("search_text" AS VARCHAR) LIKE {param(like)} ESCAPE \'\\\'')
    for name in ("city", "state"):
        if value := args.get(name):
            # Sheda compares case-folded copies (sheda/properties/derived.py: place_key).
            key = " ".join(value.split()).casefold()
            where.append(f'"{name}_key"={param(key)}')
    if kind := args.get("property_type"):
        if kind not in PROPERTY_TYPES:
            raise Invalid("unknown property_type")
        where.append(f'"property_type"={param(kind)}')
    if listing := args.get("listing_type"):
        if listing not in LISTING_TYPES:
            raise Invalid("unknown listing_type")
        where.append(f'"listing_type"={param(listing)}')
    if "min_price" in args:
        where.append(f'"price">={param(_money(args["min_price"]))}')
    if "max_price" in args:
        where.append(f'"price"<={param(_money(args["max_price"]))}')
    if "min_bedrooms" in args:
        where.append(f'"bedrooms">={param(int(args["min_bedrooms"]))}')
    if "min_bathrooms" in args:
        where.append(f'"bathrooms">={param(int(args["min_bathrooms"]))}')
    if "furnished" in args:
        where.append(f'"furnished"={param(args["furnished"].lower() in {"true", "1"})}')
    if "agent_id" in args:
        where.append(f'"agent_id"={param(int(args["agent_id"]))}')
    for name in _amenities(args.get("amenities", "")):
        where.append(
            '"id" IN (SELECT "property_id" "property_id" FROM "property_amenities" '  # noqa: S608
            f'WHERE "name"={param(name)})'
        )
    if cursor := args.get("cursor"):
        last = _decode_cursor(cursor)
        if sort == "newest":
            where.append(f'"id"<{param(int(last[0]))}')
        else:
            price, last_id = Decimal(str(last[0])), int(last[1])
            op = ">" if sort == "price_asc" else "<"
            where.append(
                f'("price"{op}{param(price)} OR ("price"={param(price)} '
                f'AND "id"{op}{param(last_id)}))'
            )
    sql = (
        f'SELECT {COLUMNS} FROM "properties" WHERE {" AND ".join(where)} '  # noqa: S608
        f"ORDER BY {ORDER[sort]} LIMIT {param(limit + 1)}"
    )
    return sql, params, limit, sort


def _in(count: int) -> str:
    return ",".join(f"${n}" for n in range(1, count + 1))


def images_sql(count: int) -> str:
    return (
        'SELECT "property_id","created_at","position","id","is_primary","url" '  # noqa: S608
        f'FROM "property_images" WHERE "property_id" IN ({_in(count)}) '
        'ORDER BY "position" ASC,"id" ASC'
    )


def amenities_sql(count: int) -> str:
    return (
        'SELECT "property_id","name","id" FROM "property_amenities" '  # noqa: S608
        f'WHERE "property_id" IN ({_in(count)}) ORDER BY "name" ASC'
    )


def _when(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _item(
    row: asyncpg.Record, images: list[dict[str, Any]], amenities: list[str]
) -> dict[str, Any]:
    return {
        "id": row["id"], "agent_id": row["agent_id"], "title": row["title"],
        "description": row["description"], "property_type": row["property_type"],
        "listing_type": row["listing_type"], "status": row["status"],
        "price": float(row["price"]), "is_negotiable": row["is_negotiable"],
        "address": row["address"], "city": row["city"], "state": row["state"],
        "latitude": _number(row["latitude"]), "longitude": _number(row["longitude"]),
        "bedrooms": row["bedrooms"], "bathrooms": row["bathrooms"],
        "area_sqft": row["area_sqft"], "furnished": row["furnished"],
        "amenities": amenities, "images": images, "is_active": row["is_active"],
        "created_at": _when(row["created_at"]), "updated_at": _when(row["updated_at"]),
    }


async def list_properties(request: Request) -> HTTPResponse:
    args = {name: values[0] for name, values in request.args.items()}
    try:
        sql, params, limit, sort = build_query(args)
    except (Invalid, ValueError, IndexError) as err:
        return json_response({"detail": str(err), "code": "validation_error"}, status=422)
    pool: asyncpg.Pool = request.app.ctx.pool
    # Three statements like Sheda's (page, images, amenities), each on a pooled connection.
    found = await pool.fetch(sql, *params)
    page = found[:limit]
    images: dict[int, list[dict[str, Any]]] = defaultdict(list)
    amenities: dict[int, list[str]] = defaultdict(list)
    if page:
        ids = [row["id"] for row in page]
        for image in await pool.fetch(images_sql(len(ids)), *ids):
            images[image["property_id"]].append({
                "id": image["id"], "url": image["url"], "is_primary": image["is_primary"],
                "position": image["position"],
            })
        for amenity in await pool.fetch(amenities_sql(len(ids)), *ids):
            amenities[amenity["property_id"]].append(amenity["name"])
    next_cursor = None
    if len(found) > limit and page:
        last = page[-1]
        next_cursor = (
            encode_cursor(last["id"]) if sort == "newest"
            else encode_cursor(str(last["price"]), last["id"])
        )
    items = [_item(row, images[row["id"]], amenities[row["id"]]) for row in page]
    return json_response({"items": items, "next_cursor": next_cursor})


async def health(request: Request) -> HTTPResponse:
    return json_response({"status": "ok"})


def create_app(dsn: str) -> Sanic:
    app = Sanic("raw_listings")
    app.config.KEEP_ALIVE_TIMEOUT = 30  # as Sheda's

    @app.before_server_start
    async def open_pool(app: Sanic) -> None:
        app.ctx.pool = await asyncpg.create_pool(
            dsn.replace("postgres://", "postgresql://", 1), min_size=1, max_size=POOL_SIZE
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
