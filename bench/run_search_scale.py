"""Search SQL at two catalogue sizes: does a page cost the same at 1,000,000 listings as at
100,000?

For each size, a fresh PostgreSQL database is migrated with ``sheda migrate`` and seeded
(bench/seed_listings.py); then the page statement of each of the 2,000 searches of
bench/listing_paths.py is run alone through asyncpg (no HTTP), three times in a row, and its
median time kept (the machine is shared; a median of three is robust to one stall). The
report gives p50/p90/p99/max per size, the 20 hardest searches at 100,000 next to their time
at 1,000,000, EXPLAIN ANALYZE of the hardest, and the size of every index of the tables
the search reads. The databases are dropped at the end.

    python -m bench.run_search_scale [--sizes 100000,1000000] [--pg postgres://…/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import asyncpg

from bench.harness import ROOT, admin_query, dsn, log, machine, replace_section
from bench.listing_paths import make_paths
from bench.raw_asyncpg_app import build_query
from bench.seed_listings import seed
from sheda.db import SEARCH_SERVER_SETTINGS

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- search-scale:start -->", "<!-- search-scale:end -->"
HARDEST = 20
# The tables the search reads, whose indexes the report lists: the listings and the amenity
# postings (aerich_migrations/models/7_*).
SEARCH_TABLES = ("properties", "search_amenities")
REPEATS = 3


@dataclass
class SizeRun:
    listings: int
    seed_seconds: float
    times: dict[str, float] = field(default_factory=dict)  # path -> median ms
    indexes: list[tuple[str, str, int]] = field(default_factory=list)  # name, definition, bytes
    plans: dict[str, list[str]] = field(default_factory=dict)
    version: str = ""


async def _time_all(url: str, paths: list[str]) -> dict[str, float]:
    conn = await asyncpg.connect(dsn(url), server_settings=SEARCH_SERVER_SETTINGS)
    try:
        samples: dict[str, list[float]] = {path: [] for path in paths}
        for _ in range(REPEATS):
            for path in paths:
                sql, params, _, _ = build_query(dict(parse_qsl(urlsplit(path).query)))
                started = time.perf_counter()
                await conn.fetch(sql, *params)
                samples[path].append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    return {path: statistics.median(values) for path, values in samples.items()}


async def _indexes(url: str) -> list[tuple[str, str, int]]:
    conn = await asyncpg.connect(dsn(url))
    try:
        found: list[tuple[str, str, int]] = []
        for table in SEARCH_TABLES:
            rows = await conn.fetch(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid), pg_relation_size(i.indexrelid) "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = $1::regclass ORDER BY 3 DESC",
                table,
            )
            heap = await conn.fetchval("SELECT pg_relation_size($1::regclass)", table)
            found.append((f"({table}: the table itself)", f"{table} heap", int(heap)))
            found += [(row[0], row[1], int(row[2])) for row in rows]
    finally:
        await conn.close()
    return found


async def _explain(url: str, paths: list[str]) -> dict[str, list[str]]:
    conn = await asyncpg.connect(dsn(url), server_settings=SEARCH_SERVER_SETTINGS)
    plans = {}
    try:
        for path in paths:
            sql, params, _, _ = build_query(dict(parse_qsl(urlsplit(path).query)))
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", *params)
            plans[path] = [row[0] for row in rows]
    finally:
        await conn.close()
    return plans


def _hardest(times: dict[str, float]) -> list[str]:
    return sorted(times, key=times.__getitem__, reverse=True)[:HARDEST]


def _run_size(base: str, listings: int, paths: list[str], hardest: list[str]) -> SizeRun:
    """One size: migrate, seed, time, list the indexes, explain the three hardest searches
    (of this size when ``hardest`` is empty)."""
    name = f"sheda_scale_{uuid.uuid4().hex[:8]}"
    url = f"{base}/{name}"
    asyncio.run(admin_query(f"{base}/postgres", f'CREATE DATABASE "{name}"'))
    try:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SHEDA_")}
        env.update(SHEDA_ENV="production", SHEDA_SECRET_KEY=secrets.token_urlsafe(48),
                   SHEDA_DATABASE_URL=url, SHEDA_LOG_LEVEL="WARNING")
        subprocess.run([sys.executable, "-m", "sheda.cli", "migrate"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        data = asyncio.run(seed(url, listings=listings))
        log(f"{listings:,} listings seeded in {data['seconds']} s")
        run = SizeRun(listings, data["seconds"])
        run.times = asyncio.run(_time_all(url, paths))
        run.indexes = asyncio.run(_indexes(url))
        run.plans = asyncio.run(_explain(url, (hardest or _hardest(run.times))[:3]))
        run.version = asyncio.run(admin_query(url, "SHOW server_version")).split()[0]
        return run
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        asyncio.run(admin_query(f"{base}/postgres", drop))


def _summary(times: dict[str, float]) -> dict[str, float]:
    ms = sorted(times.values())

    def pick(share: float) -> float:
        return ms[min(len(ms) - 1, int(share * len(ms)))]

    return {"mean": statistics.fmean(ms), "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99),
            "max": ms[-1], "over_10": sum(value > 10 for value in ms)}


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count / 2**10:.0f} KiB"


def section(runs: list[SizeRun], hardest: list[str], command: str) -> str:
    m = machine()
    small, large = runs[0], runs[-1]
    lines = [
        START,
        "## Search SQL at 100,000 and 1,000,000 listings",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`, on {m['cpu']}, "
        f"{m['cpus']} CPUs, {m['memory']} RAM, PostgreSQL {small.version} on the same "
        f"machine, Python {platform.python_version()}.",
        "",
        "The page statement (sheda/properties/search_sql.py: one statement per page, images "
        "included) of each of the 2,000 searches of `bench/listing_paths.py`, run alone through "
        f"asyncpg, {REPEATS} times in a row; the median of the {REPEATS} is kept. Each size is "
        "a fresh database migrated by `sheda migrate` and seeded by `bench/seed_listings.py`.",
        "",
        "| listings | mean | p50 | p90 | p99 | max | searches over 10 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        s = _summary(run.times)
        lines.append(
            f"| {run.listings:,} | {s['mean']:.2f} ms | {s['p50']:.2f} ms | {s['p90']:.2f} ms "
            f"| {s['p99']:.2f} ms | {s['max']:.2f} ms | {s['over_10']} |"
        )
    ratios = [large.times[path] / small.times[path] for path in hardest]
    lines += [
        "",
        f"### The {HARDEST} hardest searches at {small.listings:,}, at {large.listings:,}",
        "",
        f"Median ratio {statistics.median(ratios):.2f}x, largest {max(ratios):.2f}x.",
        "",
        f"| search | {small.listings:,} | {large.listings:,} | ratio |",
        "|---|---:|---:|---:|",
    ]
    for path, ratio in zip(hardest, ratios, strict=True):
        query = path.partition("?")[2] or "(no filters)"
        lines.append(f"| `{query}` | {small.times[path]:.2f} ms | {large.times[path]:.2f} ms "
                     f"| {ratio:.2f}x |")
    lines += ["", "### Index sizes", "",
              "| index | " + " | ".join(f"{run.listings:,}" for run in runs) + " |",
              "|---|" + "---:|" * len(runs)]
    for name, definition, _ in small.indexes:
        sizes = [next((b for n, _, b in run.indexes if n == name), 0) for run in runs]
        shape = definition.split(" USING ")[-1]
        label = f"`{name}`" if name.startswith("(") else f"`{name}`: `{shape}`"
        lines.append(f"| {label} | " + " | ".join(_size(b) for b in sizes) + " |")
    totals = [sum(b for _, _, b in run.indexes) for run in runs]
    lines.append("| **all of the above** | " + " | ".join(_size(b) for b in totals) + " |")
    lines += ["", "<details><summary>EXPLAIN ANALYZE of the hardest searches</summary>", "",
              "```text"]
    for run in runs:
        for path, plan in run.plans.items():
            lines.append(f"-- {run.listings:,} listings: {path.partition('?')[2] or '(none)'}")
            lines += [*plan, ""]
    lines += ["```", "", "</details>", END]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    replace_section(text, START, END, DOC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    base = args.pg.rpartition("/")[0]
    sizes = [int(size) for size in args.sizes.split(",")]
    paths = make_paths(2000)
    runs: list[SizeRun] = []
    hardest: list[str] = []
    for listings in sizes:
        # The hardest at the first size are followed (and explained) at every size.
        run = _run_size(base, listings, paths, hardest)
        hardest = hardest or _hardest(run.times)
        runs.append(run)
        s = _summary(run.times)
        log(f"{listings:,}: p50 {s['p50']:.2f} ms, p99 {s['p99']:.2f} ms, max {s['max']:.2f} ms")
    command = "python -m bench.run_search_scale --sizes " + args.sizes
    text = section(runs, hardest, command)
    print(text)
    if not args.no_doc:
        write_doc(text)
        log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
