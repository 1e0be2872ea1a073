"""Sockets on one worker: memory per idle socket at 10,000 sockets, and a connection storm.

Creates a fresh PostgreSQL database, migrates it with ``sheda migrate``, inserts the users
with COPY, starts ``sheda serve --workers 1`` (``SHEDA_ENV=production``, Redis) on
127.0.0.1, signs every user in over HTTP, then:

1. idle: opens one socket for each of ``--sockets`` users (50 handshakes at a time), waits
   5 s and reads the worker's VmRSS against its value before: KiB per socket; then the
   worker's CPU over ``--idle`` s with every socket open (server pings, presence
   heartbeats);
2. storm: with those still open, ``--storm`` other users connect, their handshakes started
   evenly over ``--storm-seconds`` (0: all at once; several values: one storm each). Each
   socket counts as accepted once it is open and has answered a ``ping`` frame with
   ``pong``. Reported: accepted and failed (by error), handshake time, time until the last
   one was in, and ``/health`` as a separate process saw it every 50 ms during the storm.

Writes the sockets section of docs/benchmarks.md, then stops the server, drops the
database and deletes the Redis keys the run created.

    bash bench/run_sockets.sh [--sockets 10000] [--storm 2000] [--storm-seconds 10 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
from collections import Counter
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection

from bench import chat_load as load
from bench.chat_phases import SETTLE, Helpers
from bench.harness import (
    CpuWindow,
    Server,
    busy_share,
    log,
    machine,
    replace_section,
    rss_kib,
)
from bench.run_chat import raise_open_files, serve_and_measure, sign_in, versions
from sheda import collector

START = "<!-- sockets:start -->"
END = "<!-- sockets:end -->"
HEALTH_EVERY = 0.05  # seconds between /health probes during a storm


# --- /health from another process ------------------------------------------------------------

def _probe_health(url: str, pipe: Connection) -> None:
    """Runs in its own process, so the storm's client work does not delay its requests:
    GET /health every HEALTH_EVERY s until told to stop; sends back the times (ms) and the
    failures."""
    times: list[float] = []
    failures: Counter[str] = Counter()
    with httpx.Client(base_url=url, timeout=10) as http:
        pipe.send("ready")
        while not pipe.poll(HEALTH_EVERY):
            started = time.perf_counter()
            try:
                http.get("/health").raise_for_status()
            except httpx.HTTPError as exc:
                failures[type(exc).__name__] += 1
                continue
            times.append((time.perf_counter() - started) * 1000)
    pipe.send((times, dict(failures)))


class HealthProbe:
    def __init__(self, url: str) -> None:
        self._pipe, child = multiprocessing.Pipe()
        self._proc = multiprocessing.get_context("spawn").Process(
            target=_probe_health, args=(url, child), daemon=True)

    def start(self) -> None:
        self._proc.start()
        self._pipe.recv()

    def stop(self) -> tuple[list[float], dict[str, int]]:
        self._pipe.send("stop")
        times, failures = self._pipe.recv()
        self._proc.join(10)
        return times, failures


# --- the phases ------------------------------------------------------------------------------

def spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    pick = lambda share: round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)  # noqa: E731
    return {"p50": pick(0.5), "p99": pick(0.99), "max": round(ordered[-1], 1)}


async def idle(server: Server, worker: int, helpers: Helpers, tokens: list[str],
               idle_seconds: float) -> tuple[list[ClientConnection], dict[str, Any]]:
    ws_base = f"ws://127.0.0.1:{server.port}"
    before = rss_kib(worker)
    started = time.monotonic()
    sockets = await load.open_many(ws_base, tokens)
    opened = time.monotonic() - started
    collector.tune_for_serving()  # the load generator, as the worker: see run_chat.py
    await asyncio.sleep(SETTLE)
    after = rss_kib(worker)
    result: dict[str, Any] = {
        "sockets": len(sockets), "open_seconds": round(opened, 1), "settle": SETTLE,
        "rss_before_mib": round(before / 1024, 1), "rss_after_mib": round(after / 1024, 1),
        "kib_per_socket": round((after - before) / len(sockets), 1),
    }
    log(f"idle: {len(sockets)} sockets open in {opened:.1f} s; RSS {before // 1024} → "
        f"{after // 1024} MiB = {result['kib_per_socket']} KiB per socket")
    window = CpuWindow([worker], await helpers.groups())
    await asyncio.sleep(idle_seconds)
    result["idle_cpu"] = window.done()
    log(f"idle for {idle_seconds} s: CPU {result['idle_cpu']}")
    return sockets, result


async def _join(ws_base: str, token: str, delay: float) -> tuple[ClientConnection | None,
                                                                 float, str | None]:
    await asyncio.sleep(delay)
    started = time.perf_counter()
    try:
        ws = await load.open_socket(ws_base, token)
    except Exception as exc:  # refused, reset, timed out: what a storm must never cause
        return None, 0.0, f"open: {type(exc).__name__}"
    took = (time.perf_counter() - started) * 1000
    try:
        await ws.send(json.dumps({"type": "ping"}))
        async with asyncio.timeout(30):
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("type") == "pong":
                    return ws, took, None
    except Exception as exc:
        return ws, took, f"ping: {type(exc).__name__}"


async def storm(server: Server, worker: int, helpers: Helpers, tokens: list[str],
                seconds: float) -> dict[str, Any]:
    ws_base = f"ws://127.0.0.1:{server.port}"
    probe = HealthProbe(server.url)
    probe.start()
    window = CpuWindow([worker], await helpers.groups())
    step = seconds / len(tokens)
    started = time.monotonic()
    joined = await asyncio.gather(*(_join(ws_base, token, n * step)
                                    for n, token in enumerate(tokens)))
    took = time.monotonic() - started
    cpu = window.done()
    health, health_failures = probe.stop()
    errors = Counter(error for _, _, error in joined if error)
    opened = [ws for ws, _, _ in joined if ws is not None]
    result = {
        "connections": len(tokens), "seconds": seconds, "all_in_after": round(took, 2),
        "accepted": sum(1 for _, _, error in joined if error is None),
        "errors": dict(errors), "handshake_ms": spread([t for _, t, e in joined if e is None]),
        "health_ms": spread(health), "health_probes": len(health),
        "health_failures": health_failures, "cpu": cpu,
    }
    log(f"storm of {len(tokens)} over {seconds} s: {result['accepted']} accepted, errors "
        f"{dict(errors)}, all in after {took:.2f} s; handshake {result['handshake_ms']} ms; "
        f"/health {result['health_ms']} ms ({len(health)} probes, failures "
        f"{health_failures}); CPU {cpu}")
    await load.close_all(opened)
    await asyncio.sleep(2)
    return result


async def measure(server: Server, users: list[tuple[int, str]], database_url: str,
                  args: argparse.Namespace) -> dict[str, Any]:
    quiet = await busy_share(3)
    log(f"machine busy {quiet} % before the run")
    worker = server.worker_pids()[0]
    helpers = Helpers(database_url, args.redis)
    started = time.monotonic()
    tokens = await sign_in(server.url, [email for _, email in users])
    log(f"{len(tokens)} users signed in over HTTP in {time.monotonic() - started:.1f} s")
    ws_base = f"ws://127.0.0.1:{server.port}"
    warm = await load.open_many(ws_base, tokens[:20])  # first-time allocations, not sockets
    await load.close_all(warm)
    await asyncio.sleep(1)
    sockets, held = await idle(server, worker, helpers, tokens[:args.sockets], args.idle)
    storms = [await storm(server, worker, helpers, tokens[args.sockets:], seconds)
              for seconds in args.storm_seconds]
    still_open = sum(1 for ws in sockets if ws.close_code is None)
    await load.close_all(sockets)
    return {"worker": worker, "idle": held, "storms": storms, "busy_before": quiet,
            "idle_still_open": still_open}


# --- the report ------------------------------------------------------------------------------

def _ms(spread_ms: dict[str, float | None]) -> str:
    return " / ".join("-" if v is None else f"{v:,.1f}" for v in spread_ms.values()) + " ms"


def section(date: str, command: str, m: dict[str, str], v: dict[str, str],
            r: dict[str, Any], problems: list[tuple[int, str]]) -> str:
    held = r["idle"]
    cpu = held["idle_cpu"]
    rows = [
        "| measure | result | conditions |",
        "|---|---:|---|",
        f"| memory per idle socket | **{held['kib_per_socket']} KiB** | VmRSS of the worker "
        f"{held['rss_before_mib']} → {held['rss_after_mib']} MiB for {held['sockets']:,} "
        f"sockets of as many users, opened in {held['open_seconds']} s (50 handshakes at a "
        f"time), read {held['settle']} s after the last one |",
        f"| worker CPU with them idle | {cpu['workers'][0]} % of a core | over {cpu['seconds']}"
        " s: server pings every 20 s per socket, presence heartbeat every 20 s |",
    ]
    for s in r["storms"]:
        how = ("all started at once" if not s["seconds"]
               else f"handshakes started evenly over {s['seconds']} s")
        errors = ", ".join(f"{k} x {n}" for k, n in s["errors"].items()) or "no error"
        rows += [
            f"| storm: {s['connections']:,} connections, {how} | **{s['accepted']:,} "
            f"accepted**, {errors} | while the {held['sockets']:,} idle sockets stay open; "
            "accepted = open and answered a `ping` frame; the last was in after "
            f"{s['all_in_after']} s |",
            f"| storm: handshake p50 / p99 / max | {_ms(s['handshake_ms'])} | TCP connect "
            "to the upgrade's 101, token checked |",
            f"| storm: `/health` p50 / p99 / max | {_ms(s['health_ms'])} | "
            f"{s['health_probes']} requests from another process, one every 50 ms; "
            f"{sum(s['health_failures'].values())} failed; worker CPU "
            f"{s['cpu']['workers'][0]} %, machine {s['cpu']['machine']} % |",
        ]
    log_note = (
        "The server logged no warnings or errors." if not problems
        else "The server's log (warnings, errors, tracebacks; count x message):\n\n```text\n"
        + "\n".join(f"{count:>5} x {line}" for count, line in problems[:15]) + "\n```"
    )
    table = "\n".join(rows)
    return f"""{START}
## Sockets: 10,000 idle on one worker, and a connection storm

Measured {date} with `{command}`.

- **Machine**: {m['cpu']}, {m['cpus']} CPUs, {m['memory']} RAM ({m['system']}); the load
  generator (one process, websockets {v['websockets']} on uvloop), PostgreSQL and Redis
  share it with the server (everything over 127.0.0.1).
- **Software**: Python {v['python']}, Sanic {v['sanic']}, redis-py {v['redis']},
  Tortoise ORM {v['tortoise-orm']}, asyncpg {v['asyncpg']}, PostgreSQL {v['postgresql']},
  Redis {v['redis_server']}.
- **Server**: `sheda serve --workers 1` as deployed (`SHEDA_ENV=production`, Redis
  fan-out and presence) on a fresh database migrated by `sheda migrate` (dropped at the
  end); one socket per user, `?token=` without compression, as a browser opens them. All
  {held['sockets']:,} idle sockets were still open at the end: {r['idle_still_open']:,}.

{table}

{log_note}
{END}"""


# --- the run ---------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="maintenance database; a benchmark database is made beside it")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--sockets", type=int, default=10_000, help="idle sockets")
    parser.add_argument("--idle", type=float, default=30, help="seconds of idle CPU")
    parser.add_argument("--storm", type=int, default=2_000, help="connections per storm")
    parser.add_argument("--storm-seconds", type=float, nargs="+", default=[10.0, 0.0],
                        help="the storms: handshakes spread over this many seconds each")
    parser.add_argument("--max-busy", type=int, default=15)
    parser.add_argument("--quiet-wait", type=float, default=600)
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log there")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    open_files = raise_open_files()
    needed = args.sockets + args.storm + 200
    if open_files < needed:
        raise SystemExit(f"bench: {open_files} open files allowed, {needed} needed; "
                         "raise `ulimit -n`")
    results, pg_version, problems = serve_and_measure(
        args, label="socket", workers=1, users=args.sockets + args.storm,
        measure=lambda server, users, url: measure(server, users, url, args))

    command = (f"bash bench/run_sockets.sh --sockets {args.sockets} --storm {args.storm} "
               "--storm-seconds " + " ".join(f"{s:g}" for s in args.storm_seconds))
    text = section(datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), command, machine(),
                   versions(pg_version, args.redis), results, problems)
    print("\n" + text)
    if not args.no_doc:
        replace_section(text, START, END)
        log("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
