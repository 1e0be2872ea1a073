"""Chat benchmark, end to end: the real server, real sockets, PostgreSQL and Redis.

Creates a fresh PostgreSQL database, migrates it with ``sheda migrate``, inserts the users
with COPY, starts ``sheda serve --workers 2`` (``SHEDA_ENV=production``, Redis fan-out) on
127.0.0.1, waits until both workers have logged their start and /health answers, signs every
user in over HTTP, then measures with ``bench/chat_load.py``:

1. memory per idle socket: the workers' VmRSS before and after opening one socket for each
   of ``--users`` users, divided by the sockets;
2. cross-worker latency: with those sockets still open, pairs whose two sockets sit on
   different workers exchange timed messages at ``--rate`` messages/s for ``--duration`` s;
   the receivers record send→receive (the send time is inside the message text), the
   senders send→ack;
3. fan-out: one user holds ``--fanout-sockets`` sockets (in ``--receivers`` processes) and
   receives bursts of ``--burst`` messages; deliveries/s = frames received / elapsed.

Writes the chat section of docs/benchmarks.md, then stops the server (kill -9 as a last
resort), drops the database and deletes the Redis keys the run created. Nothing else is
touched.

    bash bench/run_chat.sh [--users 1500] [--rate 50] [--duration 20] [--fanout-sockets 500] …
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import chat_load as load
from bench.chat_phases import PER_SOCKET_RATE, Bench, Helpers, fanout, idle_memory, latency
from bench.chat_report import Report, summary, write_doc
from bench.harness import (
    ROOT,
    Server,
    admin_query,
    busy_share,
    dsn,
    forget_redis,
    free_port,
    log,
    machine,
    machine_ticks,
    redis_keys,
)
from sheda import collector
from sheda.security.passwords import hash_password

DOC = ROOT / "docs" / "benchmarks.md"
PASSWORD = "chat-bench-password"  # noqa: S105 - throwaway accounts in a throwaway database
LOG_WORDS = ("ERROR", "WARNING", "Traceback", "unhandled", "failed", "Error:",
             "Task was destroyed", "Exception ignored")
SANIC_PREFIX = re.compile(r"^(Srv \d+|Main)\s+\S+ \S+ \S+ ")


def log_findings(text: str) -> list[tuple[int, str]]:
    """The server log's warnings, errors and tracebacks, counted by message (timestamps
    and request ids stripped), most frequent first."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if any(word in line for word in LOG_WORDS):
            line = SANIC_PREFIX.sub("", line.strip())
            found[_log_key(line)] += 1
    return [(count, line) for line, count in found.most_common()]


def _log_key(line: str) -> str:
    """What makes two log lines the same finding. A JSON line (SHEDA_LOG_FORMAT=json, as
    deployed) carries its time, request id and user id: keep its level, logger, message."""
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            pass
        else:
            if isinstance(record, dict) and "message" in record:
                return f"{record.get('level')} {record.get('logger')}: {record['message']}"
    return re.sub(r"\(request [0-9a-f-]+\)", "(request ...)", line)


def wait_until_quiet(limit: int, patience: float) -> int:
    """Wait (up to ``patience`` s) until the machine is at most ``limit`` % busy over 3 s,
    as other work on a shared machine skews every figure; the last reading."""
    deadline = time.monotonic() + patience
    while True:
        before = machine_ticks()
        time.sleep(3)
        after = machine_ticks()
        busy = round((after[0] - before[0]) / max(1, after[1] - before[1]) * 100)
        if busy <= limit or time.monotonic() > deadline:
            return busy
        log(f"machine {busy} % busy; waiting for it to quiet down")


# --- setup ----------------------------------------------------------------------------------

async def insert_users(url: str, count: int) -> list[tuple[int, str]]:
    """``count`` verified client accounts sharing one bcrypt (cost 4) hash: (id, email)."""
    password_hash = await hash_password(PASSWORD, 4)
    now = datetime.now(UTC)
    rows = [(n, f"chat-bench-{n}@example.com", f"cb{n}", password_hash, f"Bench User {n}",
             "client", "user", True, True, now - timedelta(days=1), now)
            for n in range(1, count + 1)]
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.copy_records_to_table(
            "users", records=rows,
            columns=["id", "email", "username", "password_hash", "fullname", "user_type",
                     "role", "verified", "is_active", "created_at", "updated_at"],
        )
        await conn.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", count)
    finally:
        await conn.close()
    return [(row[0], row[1]) for row in rows]


async def sign_in(base: str, emails: list[str], concurrency: int = 16) -> list[str]:
    """One access token per account, through POST /api/v1/auth/login."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def one(email: str) -> str:
            async with gate:
                response = await http.post("/api/v1/auth/login",
                                           json={"username": email, "password": PASSWORD})
                response.raise_for_status()
                return str(response.json()["access_token"])

        return list(await asyncio.gather(*(one(email) for email in emails)))


async def measure(server: Server, users: list[tuple[int, str]], database_url: str,
                  args: argparse.Namespace) -> dict[str, Any]:
    quiet = await busy_share(3)
    log(f"machine busy {quiet} % before the run (other work skews the figures)")
    workers = server.worker_pids()[:2]
    bench = Bench(server, workers, Helpers(database_url, args.redis), args)
    ws_base = bench.ws_base
    started = time.monotonic()
    tokens = await sign_in(server.url, [email for _, email in users])
    log(f"{len(tokens)} users signed in over HTTP in {time.monotonic() - started:.1f} s")
    chat = args.users
    # Warm the code paths (imports, pools, first-time allocations) before reading memory.
    warm = await load.open_many(ws_base, tokens[:20])
    await load.close_all(warm)
    await asyncio.sleep(1)
    sockets, memory = await idle_memory(bench, tokens[:chat])
    # The load generator collects garbage as the workers do (sheda/collector.py): with the
    # default thresholds its own pauses of up to 100 ms, holding 2,000 sockets, showed up
    # as the server's latency.
    collector.tune_for_serving()
    user_ids = [user_id for user_id, _ in users]
    latencies = [await latency(bench, sockets, user_ids, rate, phase)
                 for phase, rate in enumerate(args.rate)]
    await load.close_all(sockets)
    await asyncio.sleep(2)
    online = await bench.helpers.online_users()
    log(f"presence: {online} users still online 2 s after closing every socket")
    fan_id, fan_token = user_ids[chat], tokens[chat]
    sender_tokens = tokens[chat + 1:]
    fan = await fanout(bench, fan_id, fan_token, sender_tokens)
    return {"workers": workers, "memory": memory, "latency": latencies, "fanout": fan,
            "users": len(users), "busy_before": quiet, "online_after_close": online}


# --- the run --------------------------------------------------------------------------------

def versions(pg_version: str, redis_url: str) -> dict[str, str]:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        redis_server = str(client.info("server")["redis_version"])
    finally:
        client.close()
    found = {name: metadata.version(name)
             for name in ("sanic", "websockets", "redis", "asyncpg", "tortoise-orm")}
    return {**found, "python": platform.python_version(), "postgresql": pg_version.split()[0],
            "redis_server": redis_server}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="maintenance database; a benchmark database is made beside it")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--users", type=int, default=1500,
                        help="users with one socket each (memory and latency phases)")
    parser.add_argument("--rate", type=int, nargs="+", default=[50],
                        help="messages/s of the latency phase (several: one run each)")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--fanout-sockets", type=int, default=500)
    parser.add_argument("--burst", type=int, default=200,
                        help="messages per fan-out round (under the 256-frame socket queue)")
    parser.add_argument("--bursts", type=int, default=3, help="fan-out rounds")
    parser.add_argument("--receivers", type=int, default=2,
                        help="processes holding the fan-out sockets")
    parser.add_argument("--max-busy", type=int, default=15,
                        help="wait until the machine is at most this %% busy (default 15)")
    parser.add_argument("--quiet-wait", type=float, default=600,
                        help="seconds to wait for that at most (then run anyway)")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log there")
    return parser.parse_args()


def server_env(database_url: str, redis_url: str, work: Path) -> dict[str, str]:
    """The environment of a benchmark server: production mode on the given database and
    Redis, this run's own secret and data directory, cheap bcrypt for the bulk sign-in."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHEDA_")}
    env.update(SHEDA_ENV="production", SHEDA_SECRET_KEY=secrets.token_urlsafe(48),
               SHEDA_DATABASE_URL=database_url, SHEDA_REDIS_URL=redis_url,
               SHEDA_DATA_DIR=str(work / "data"), SHEDA_BCRYPT_ROUNDS="4",
               SHEDA_ACCESS_TOKEN_TTL="3600",  # noqa: S106 - a lifetime in seconds
               SHEDA_RATE_LOGIN_IP="1000000/60")  # every user signs in from 127.0.0.1
    return env


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


Measure = Callable[[Server, list[tuple[int, str]], str], Awaitable[dict[str, Any]]]


def serve_and_measure(args: argparse.Namespace, *, label: str, workers: int, users: int,
                      measure: Measure) -> tuple[dict[str, Any], str, list[tuple[int, str]]]:
    """A fresh database migrated by ``sheda migrate`` with ``users`` accounts, ``sheda serve
    --workers N`` on it in production mode, ``measure(server, users, database_url)``; then
    the server stopped, the database dropped and the run's Redis keys deleted, whatever
    happened. Returns (results, PostgreSQL version, the server log's findings)."""
    base = args.pg.rpartition("/")[0]
    name = f"sheda_{label}bench_{uuid.uuid4().hex[:8]}"
    url = f"{base}/{name}"
    work = Path(tempfile.mkdtemp(prefix=f"sheda-{label}-bench-"))
    env = server_env(url, args.redis, work)
    busy = wait_until_quiet(args.max_busy, args.quiet_wait)
    log(f"machine {busy} % busy before starting")
    redis_before = redis_keys(args.redis)
    server: Server | None = None
    asyncio.run(admin_query(args.pg, f'CREATE DATABASE "{name}"'))
    log(f"database {name} created")
    try:
        subprocess.run([sys.executable, "-m", "sheda.cli", "migrate"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        accounts = asyncio.run(insert_users(url, users))
        log(f"{len(accounts)} users inserted")
        port = free_port()
        server = Server("sheda", [sys.executable, "-m", "sheda.cli", "serve", "--workers",
                                  str(workers), "--host", "127.0.0.1", "--port", str(port)],
                        env, port, work, workers)
        server.start()
        server.wait_ready(worker_lines=True)
        log(f"server ready: workers {server.worker_pids()}")
        results = load.run(measure(server, accounts, url))
        pg_version = str(asyncio.run(admin_query(url, "SHOW server_version")))
        problems = log_findings(server.log_path.read_text(errors="replace"))
    except BaseException:
        if server is not None and server.log_path.exists():
            log(f"server log tail:\n{server.tail()}")
        raise
    finally:
        if server is not None:
            server.stop()
            log("server stopped")
            if args.keep_log and server.log_path.exists():
                shutil.copy(server.log_path, args.keep_log)
        asyncio.run(admin_query(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        log(f"database {name} dropped")
        log(f"{forget_redis(args.redis, redis_before)} Redis keys of this run deleted")
        shutil.rmtree(work, ignore_errors=True)
    return results, pg_version, problems


def main() -> None:
    args = parse_args()
    senders = math.ceil(args.burst / PER_SOCKET_RATE)
    open_files = raise_open_files()
    needed = args.users + args.fanout_sockets + senders + 200
    if open_files < needed:
        raise SystemExit(f"bench: {open_files} open files allowed, {needed} needed; "
                         "raise `ulimit -n`")
    results, pg_version, problems = serve_and_measure(
        args, label="chat", workers=2, users=args.users + 1 + senders,
        measure=lambda server, users, url: measure(server, users, url, args))

    options = [f"--users {args.users}", "--rate " + " ".join(map(str, args.rate)),
               f"--duration {args.duration}", f"--fanout-sockets {args.fanout_sockets}",
               f"--burst {args.burst}", f"--bursts {args.bursts}",
               f"--receivers {args.receivers}"]
    report = Report(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        command="bash bench/run_chat.sh " + " ".join(options),
        machine=machine(), versions=versions(pg_version, args.redis), results=results,
        server_log=problems,
    )
    print("\n" + summary(report))
    for count, line in problems:
        print(f"server log: {count} x {line}")
    if not args.no_doc:
        write_doc(DOC, report)
        log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
