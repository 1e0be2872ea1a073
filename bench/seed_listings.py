"""Fill a migrated PostgreSQL database with many listings, fast: asyncpg COPY into users,
properties (amenities included, a JSONB column) and property_images.

The listings come from the demo generator (sheda.demo.plan: the same cities, kinds, prices,
amenities and search_text shape as ``sheda seed-demo``); photos point at a few shared URLs.

    python -m bench.seed_listings postgres://user@127.0.0.1:5432/db --listings 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import timedelta

import asyncpg

from sheda.common.clock import utcnow
from sheda.demo.plan import make_plan
from sheda.properties.derived import place_key, search_text

AGENTS = 100
PHOTO_URLS = [f"/api/v1/media/bench/photo-{n}.jpg" for n in range(8)]


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def seed(url: str, *, listings: int, seed: int = 1) -> dict[str, float]:
    started = time.perf_counter()
    now = utcnow()
    plan = make_plan(listings=listings, seed=seed, now=now)
    rng = random.Random(seed)
    conn = await asyncpg.connect(_dsn(url))
    try:
        # Bigger batches for the trigram GIN index while COPY fills the table.
        await conn.execute("SET maintenance_work_mem = '256MB'")
        await conn.execute("SET gin_pending_list_limit = '64MB'")
        async with conn.transaction():
            await conn.copy_records_to_table(
                "users",
                columns=["id", "email", "password_hash", "fullname", "user_type", "role",
                         "verified", "is_active", "created_at", "updated_at"],
                records=[
                    (n, f"bench-agent-{n}@example.com", "!", f"Bench Agent {n}", "agent",
                     "user", True, True, now - timedelta(days=200), now)
                    for n in range(1, AGENTS + 1)
                ],
            )
            await conn.copy_records_to_table(
                "properties",
                columns=["id", "agent_id", "title", "description", "property_type",
                         "listing_type", "status", "price", "is_negotiable", "address", "city",
                         "state", "latitude", "longitude", "bedrooms", "bathrooms", "area_sqft",
                         "furnished", "amenities", "search_text", "city_key", "state_key",
                         "is_active", "created_at", "updated_at"],
                records=[
                    (n, rng.randint(1, AGENTS), item.title, item.description,
                     item.property_type.value, item.listing_type.value, item.status.value,
                     item.price, item.is_negotiable, item.address, item.city, item.state,
                     item.latitude, item.longitude, item.bedrooms, item.bathrooms,
                     item.area_sqft, item.furnished, json.dumps(sorted(item.amenities)),
                     search_text(item.title, item.description, item.address),
                     place_key(item.city), place_key(item.state), item.is_active,
                     item.created_at, item.created_at)
                    for n, item in enumerate(plan.listings, start=1)
                ],
            )
            amenities = sum(len(item.amenities) for item in plan.listings)
            photos = [
                (n, PHOTO_URLS[(n + picture) % len(PHOTO_URLS)], position == 0, position,
                 item.created_at)
                for n, item in enumerate(plan.listings, start=1)
                for position, picture in enumerate(item.photos)
            ]
            await conn.copy_records_to_table(
                "property_images",
                columns=["property_id", "url", "is_primary", "position", "created_at"],
                records=photos,
            )
            for table in ("users", "properties"):  # ids were given explicitly
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
        # VACUUM as well: it merges the trigram index's pending list, which a search would
        # otherwise scan in full (autovacuum would get there later; measure the steady state).
        await conn.execute(
            "VACUUM ANALYZE users, properties, property_images, search_amenities"
        )
    finally:
        await conn.close()
    return {
        "listings": len(plan.listings),
        "amenities": amenities,
        "images": len(photos),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="postgres://… of a migrated, empty database")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(asyncio.run(seed(args.url, listings=args.listings, seed=args.seed)))


if __name__ == "__main__":
    main()
