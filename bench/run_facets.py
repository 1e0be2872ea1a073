"""The facets statement (GET /api/v1/properties/facets) on a fresh PostgreSQL database of
N listings made like the listings benchmark's: median and best of 5 runs per filter set.

    python -m bench.run_facets --listings 100000   (PostgreSQL on 127.0.0.1)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import asyncpg

from bench.seed_listings import seed
from sheda.properties.facets import facets_statement
from sheda.properties.schemas import ListingFilters
from sheda.properties.search import filters

CASES: list[dict[str, str]] = [
    {}, {"state": "Lagos"}, {"city": "Lekki"}, {"listing_type": "rent"}, {"amenities": "gym"},
    {"listing_type": "sale", "min_price": "50000000"},
]  # fmt: skip


async def main(pg: str, listings: int) -> None:
    name = f"sheda_facets_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = pg.rpartition("/")[0] + f"/{name}"
    try:
        env = {**os.environ, "SHEDA_DATABASE_URL": url, "SHEDA_ENV": "test",
               "SHEDA_SECRET_KEY": "b" * 40,
               "SHEDA_DATA_DIR": os.path.join(tempfile.gettempdir(), name)}
        await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "sheda.cli", "migrate"], env=env,
            check=True, capture_output=True,
        )
        print(await seed(url, listings=listings))
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("SET jit = off")  # as Sheda's search pool
        for params in CASES:
            sql, args = facets_statement(filters(ListingFilters(**params)), "postgres")
            times = []
            for _ in range(5):
                started = time.perf_counter()
                rows = await conn.fetch(sql, *args)
                times.append((time.perf_counter() - started) * 1000)
            total = next(row["n"] for row in rows if row["facet"] == "total")
            print(f"{params!s:52} matching {total:7d}: median "
                  f"{statistics.median(times):6.1f} ms, best {min(times):6.1f} ms")
        await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--listings", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(main(args.pg, args.listings))
