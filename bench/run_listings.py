"""Listings search benchmark, end to end: Sheda against the raw-asyncpg ceiling.

Creates a fresh PostgreSQL database, migrates it with ``sheda migrate``, seeds listings with
COPY, starts ``sheda serve --workers 2`` and ``bench/raw_asyncpg_app.py`` (2 workers) on
127.0.0.1, checks that both send the same SQL and answer the same JSON, loads each with wrk
(same random searches, same duration and connections), prints the table, records query
plans, writes the listings section of docs/benchmarks.md, then stops both servers (kill -9
as a last resort) and drops the database. Nothing else is touched.

    bash bench/run_listings.sh [--listings 100000] [--duration 20] [--connections 32] …
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import asyncpg
import httpx

from bench.harness import (
    ROOT,
    Server,
    admin_query,
    forget_redis,
    free_port,
    log,
    machine,
    redis_keys,
)
from bench.listing_paths import make_paths
from bench.listings_report import Report, ratios, table, write_doc
from bench.raw_asyncpg_app import build_query
from bench.seed_listings import seed
from sheda.db import SEARCH_SERVER_SETTINGS

LUA = ROOT / "bench" / "listings.lua"
DOC = ROOT / "docs" / "benchmarks.md"
LABELS = {
    "sheda": "Sheda, `sheda serve --workers 2`",
    "raw": "ceiling, `bench/raw_asyncpg_app.py` (same SQL)",
}
CHEAP_MS = 5  # the "cheap" mix: searches whose page query alone takes less than this
# Searches whose page query is explained in the report.
PLAN_SEARCHES = [
    {},
    {"city": "uyo", "property_type": "commercial", "listing_type": "sale"},
    {"city": "Lekki", "min_bedrooms": "3", "sort": "price_desc"},
    {"city": "lekki", "listing_type": "sale", "sort": "price_asc"},
    {"q": "duplex"},
    {"q": "penthouse", "city": "kano"},
    {"q": "banana island", "listing_type": "sale", "sort": "price_asc"},
    {"amenities": "swimming pool,gym"},
    {"listing_type": "rent", "min_bedrooms": "1", "amenities": "fenced", "sort": "price_desc"},
    {"listing_type": "rent", "min_price": "100000", "max_price": "500000", "sort": "price_asc"},
    {"property_type": "shortlet", "listing_type": "sale"},
]


def wrk(url: str, paths_file: Path, seconds: int, args: argparse.Namespace) -> dict[str, Any]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s", "-s", str(LUA), url, "--", str(paths_file)]
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          timeout=seconds + 60)
    line = next(row for row in done.stdout.splitlines() if row.startswith("BENCH_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(servers: list[Server], mixes: dict[str, Path],
            args: argparse.Namespace) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each mix, each round, each server in turn: a warm-up, then the measured run."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        mix: {server.name: [] for server in servers} for mix in mixes
    }
    for mix, paths_file in mixes.items():
        for round_number in range(1, args.rounds + 1):
            for server in servers:
                wrk(server.url, paths_file, args.warmup, args)
                result = wrk(server.url, paths_file, args.duration, args)
                runs[mix][server.name].append(result)
                log(f"{mix} round {round_number} {server.name}: {result['rps']:,.0f} req/s, "
                    f"p50 {result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms")
    return runs


def check_sql(paths: list[str]) -> int:
    """The ceiling's statement and parameters must be the ones Sheda builds (both call
    sheda.properties.search_sql; this checks that the two ways of reading a query string
    agree)."""
    from sheda.properties.schemas import PropertyQuery
    from sheda.properties.search import filters
    from sheda.properties.search_sql import page_statement

    for path in paths:
        args = dict(parse_qsl(urlsplit(path).query))
        theirs = page_statement(filters(PropertyQuery.model_validate(args)))
        ours = build_query(args)[:2]
        if theirs != ours:
            raise SystemExit(f"bench: SQL differs for {path}\n sheda: {theirs}\n raw:   {ours}")
    return len(paths)


def check_answers(sheda: Server, raw: Server, paths: list[str]) -> int:
    with httpx.Client(timeout=30) as http:
        for path in paths:
            mine, ceiling = http.get(sheda.url + path), http.get(raw.url + path)
            if mine.status_code != 200 or ceiling.status_code != 200:
                raise SystemExit(f"bench: {path} → {mine.status_code}/{ceiling.status_code}")
            if mine.json() != ceiling.json():
                raise SystemExit(f"bench: the servers answer {path} differently")
    return len(paths)


async def profile(url: str, paths: list[str]) -> dict[str, Any]:
    """Each search's page query alone, once, one at a time: how much of a request is the
    database's (the same for both servers)."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1),
                                 server_settings=SEARCH_SERVER_SETTINGS)
    timings = []
    try:
        for path in paths:
            sql, params, _, _ = build_query(dict(parse_qsl(urlsplit(path).query)))
            started = time.perf_counter()
            await conn.fetch(sql, *params)
            timings.append((time.perf_counter() - started, path))
    finally:
        await conn.close()
    timings.sort()
    ms = [seconds * 1000 for seconds, _ in timings]

    def pick(share: float) -> float:
        return ms[min(len(ms) - 1, int(share * len(ms)))]

    return {
        "count": len(ms), "mean": sum(ms) / len(ms), "p50": pick(0.5), "p90": pick(0.9),
        "p99": pick(0.99), "max": ms[-1],
        "over_10ms": sum(1 for value in ms if value > 10) / len(ms),
        "slowest": [(round(seconds * 1000, 1), path) for seconds, path in timings[-5:][::-1]],
        "cheap": [path for seconds, path in timings if seconds * 1000 < CHEAP_MS],
    }


async def explain(url: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1),
                                 server_settings=SEARCH_SERVER_SETTINGS)
    plans = []
    try:
        for search in PLAN_SEARCHES:
            sql, params, _, _ = build_query(search)
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", *params)
            lines = [row[0] for row in rows]
            nodes = [line.strip().removeprefix("->").strip().split(" (")[0] for line in lines]
            scans = [node for node in nodes if "Scan" in node and not node.startswith("Sort")]
            ms = next(float(line.split()[2]) for line in lines if line.startswith("Execution"))
            query = "&".join(f"{k}={v}" for k, v in search.items())
            plans.append({"path": f"?{query}" if query else "(no filters)", "ms": ms,
                          "access": "; ".join(dict.fromkeys(scans)), "lines": lines})
    finally:
        await conn.close()
    return plans


def versions(pg_version: str) -> dict[str, str]:
    wrk_line = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0]
    found = {name: metadata.version(name)
             for name in ("sanic", "tortoise-orm", "pydantic", "asyncpg")}
    return {**found, "python": platform.python_version(), "postgresql": pg_version.split()[0],
            "wrk": wrk_line.replace("debian/", "").strip()}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="maintenance database; a benchmark database is made beside it")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--paths", type=int, default=2_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-doc", action="store_true", help="print only")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is missing; apt-get update && apt-get install -y wrk")
    base = args.pg.rpartition("/")[0]
    name = f"sheda_bench_{uuid.uuid4().hex[:8]}"
    url = f"{base}/{name}"
    work = Path(tempfile.mkdtemp(prefix="sheda-bench-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHEDA_")}
    env.update(SHEDA_ENV="production", SHEDA_SECRET_KEY=secrets.token_urlsafe(48),
               SHEDA_DATABASE_URL=url, SHEDA_REDIS_URL=args.redis,
               SHEDA_DATA_DIR=str(work / "data"), SHEDA_LOG_LEVEL="WARNING")
    servers: list[Server] = []
    redis_before = redis_keys(args.redis)
    asyncio.run(admin_query(args.pg, f'CREATE DATABASE "{name}"'))
    log(f"database {name} created")
    try:
        subprocess.run([sys.executable, "-m", "sheda.cli", "migrate"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        data = asyncio.run(seed(url, listings=args.listings))
        log(f"seeded {data}")
        paths = make_paths(args.paths)
        paths_file = work / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        checked_sql = check_sql(paths)
        log(f"page statement identical to Sheda's for {checked_sql} searches")
        queries = asyncio.run(profile(url, paths))
        log(f"page queries alone: mean {queries['mean']:.1f} ms, p50 {queries['p50']:.1f}, "
            f"p99 {queries['p99']:.1f}, max {queries['max']:.1f}, "
            f"{queries['over_10ms']:.0%} over 10 ms")
        cheap_file = work / "cheap.txt"
        cheap_file.write_text("\n".join(queries["cheap"]) + "\n")
        mixes = {"all": paths_file, "cheap": cheap_file}
        sheda_port, raw_port = free_port(), free_port()
        sheda = Server("sheda", [sys.executable, "-m", "sheda.cli", "serve", "--workers", "2",
                                 "--host", "127.0.0.1", "--port", str(sheda_port)],
                       env, sheda_port, work, 2)
        raw = Server("raw", [sys.executable, "-m", "bench.raw_asyncpg_app", "--dsn", url,
                             "--port", str(raw_port), "--workers", "2"], env, raw_port, work, 2)
        servers = [sheda, raw]
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        log("both servers ready")
        checked_answers = check_answers(sheda, raw, paths[:100])
        log(f"identical JSON from both servers for {checked_answers} searches")
        runs = measure(servers, mixes, args)
        plans = asyncio.run(explain(url))
        pg_version = asyncio.run(admin_query(url, "SHOW server_version"))
    except BaseException:
        for server in servers:
            if server.log_path.exists():
                log(f"{server.name} log tail:\n{server.tail()}")
        raise
    finally:
        for server in servers:
            server.stop()
        log("servers stopped")
        asyncio.run(admin_query(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        log(f"database {name} dropped")
        forget_redis(args.redis, redis_before)
        shutil.rmtree(work, ignore_errors=True)

    options = [f"--{key} {getattr(args, key)}" for key in ("listings", "duration", "connections",
                                                          "rounds")]
    report = Report(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        command="bash bench/run_listings.sh " + " ".join(options),
        machine=machine(), versions=versions(pg_version), data=data,
        load={"threads": args.threads, "connections": args.connections,
              "duration": args.duration, "warmup": args.warmup, "rounds": args.rounds,
              "paths": len(paths), "cheap": len(queries["cheap"]), "cheap_ms": CHEAP_MS},
        runs=runs, labels=LABELS, checks={"sql": checked_sql, "answers": checked_answers},
        plans=plans, queries=queries,
    )
    for mix in runs:
        r = ratios(report, mix)
        print(f"\n{mix} searches:\n{table(report, mix)}\nSheda: {r['throughput']:.0%} of the "
              f"ceiling's requests/s; p50 {r['p50']:.2f}x, p99 {r['p99']:.2f}x")
    for plan in plans:
        print(f"  {plan['ms']:8.2f} ms  {plan['path']}  [{plan['access']}]")
    if not args.no_doc:
        write_doc(DOC, report)
        log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
