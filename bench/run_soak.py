"""Soak: ten minutes of mixed REST and chat traffic at a fixed rate on ``sheda serve
--workers 2`` (production mode, PostgreSQL, Redis), to see what only time shows: memory
that grows, errors that start after a while, a tail latency that drifts.

A fresh database (bench/run_chat.py's ``serve_and_measure``: migrated, users inserted,
dropped at the end) and one load process: ``--pairs`` pairs of users chat over websockets at
``--chat-rate`` messages/s in all (send → ack timed; every receiver must get every
message), while ``--rest-rate`` requests/s go to a mix of REST routes (profile, conversation
list, unread count, listing search, a REST chat send). Every minute: requests and errors,
REST and chat p99, each worker's RSS. Writes its section of docs/benchmarks.md.

    python -m bench.run_soak [--minutes 10] [--chat-rate 50] [--rest-rate 50] [--pairs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.harness import ROOT, Server, log, machine, replace_section, rss_kib
from bench.run_chat import serve_and_measure, sign_in

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- soak:start -->", "<!-- soak:end -->"


@dataclass
class Minute:
    rest: list[float] = field(default_factory=list)  # ms
    rest_errors: int = 0
    chat: list[float] = field(default_factory=list)  # send -> ack, ms
    chat_errors: int = 0
    rss_kib: list[int] = field(default_factory=list)


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


class Chat:
    """One socket per user; acks and messages routed to waiting futures and counters."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.acks: dict[str, asyncio.Future[None]] = {}
        self.received: set[str] = set()

    async def read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "ack" and frame.get("client_id") in self.acks:
                self.acks.pop(frame["client_id"]).set_result(None)
            elif kind == "message":
                self.received.add(str(frame.get("client_id")))


async def soak(server: Server, users: list[tuple[int, str]], args: argparse.Namespace
               ) -> dict[str, Any]:
    tokens = await sign_in(server.url, [email for _, email in users])
    ids = [user_id for user_id, _ in users]
    ws_base = server.url.replace("http://", "ws://") + "/api/v1/chat/ws"
    chats = [Chat(await connect(f"{ws_base}?token={t}", max_size=2**20)) for t in tokens]
    readers = [asyncio.create_task(c.read()) for c in chats]
    pairs = [(2 * i, 2 * i + 1) for i in range(len(chats) // 2)]
    expected: dict[int, set[str]] = {i: set() for i in range(len(chats))}
    minutes: list[Minute] = []
    rng = random.Random(11)
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as http:

        async def rest(minute: Minute, n: int) -> None:
            who = rng.randrange(len(tokens))
            auth = {"Authorization": f"Bearer {tokens[who]}"}
            choice = n % 5
            started = time.perf_counter()
            if choice == 0:
                response = await http.get("/api/v1/users/me", headers=auth)
            elif choice == 1:
                response = await http.get("/api/v1/chat/conversations", headers=auth)
            elif choice == 2:
                response = await http.get("/api/v1/chat/unread-count", headers=auth)
            elif choice == 3:
                response = await http.get("/api/v1/properties", params={"q": "flat"})
            else:
                other = ids[who ^ 1]
                response = await http.post("/api/v1/chat/messages", headers=auth, json={
                    "receiver_id": other, "message": f"rest {n}",
                    "client_id": uuid.uuid4().hex})
            minute.rest.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                minute.rest_errors += 1

        async def send(minute: Minute, n: int) -> None:
            a, b = pairs[n % len(pairs)]
            if n % 2:
                a, b = b, a
            cid = uuid.uuid4().hex
            done = asyncio.get_running_loop().create_future()
            chats[a].acks[cid] = done
            started = time.perf_counter()
            await chats[a].ws.send(json.dumps({"type": "message", "receiver_id": ids[b],
                                               "message": f"m{n}", "client_id": cid}))
            try:
                await asyncio.wait_for(done, 10)
            except TimeoutError:
                minute.chat_errors += 1
                return
            minute.chat.append((time.perf_counter() - started) * 1000)
            expected[b].add(cid)

        tasks: set[asyncio.Task[None]] = set()
        rss_before = [rss_kib(pid) for pid in server.worker_pids()[:2]]
        start = time.monotonic()
        for m in range(args.minutes):
            minute = Minute()
            minutes.append(minute)
            n_rest = n_chat = 0
            minute_start = start + 60 * m
            while (now := time.monotonic()) < minute_start + 60:
                elapsed = now - start
                while n_chat < (elapsed - 60 * m) * args.chat_rate:
                    task = asyncio.create_task(send(minute, m * 1_000_000 + n_chat))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    n_chat += 1
                while n_rest < (elapsed - 60 * m) * args.rest_rate:
                    task = asyncio.create_task(rest(minute, m * 1_000_000 + n_rest))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    n_rest += 1
                await asyncio.sleep(0.005)
            minute.rss_kib = [rss_kib(pid) for pid in server.worker_pids()[:2]]
            log(f"minute {m + 1}: rest {len(minute.rest)} (errors {minute.rest_errors}, "
                f"p99 {p99(minute.rest):.1f} ms), chat {len(minute.chat)} (errors "
                f"{minute.chat_errors}, p99 {p99(minute.chat):.1f} ms), rss {minute.rss_kib}")
        await asyncio.gather(*tasks)
        await asyncio.sleep(2)  # the last deliveries
    lost = sum(len(want - chats[i].received) for i, want in expected.items())
    for chat in chats:
        await chat.ws.close()
    for reader in readers:
        reader.cancel()
    return {"minutes": minutes, "lost": lost, "rss_before": rss_before}


def section(results: dict[str, Any], args: argparse.Namespace, problems: list[Any],
            pg_version: str) -> str:
    m = machine()
    minutes: list[Minute] = results["minutes"]
    before, first, last = results["rss_before"], minutes[0].rss_kib, minutes[-1].rss_kib

    def growth(a: list[int], b: list[int]) -> str:
        return ", ".join(f"{(y - x) / 1024:+.1f} MiB" for x, y in zip(a, b, strict=False))

    lines = [
        START, "## Soak: mixed REST and chat traffic on 2 workers", "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.run_soak "
        f"--minutes {args.minutes} --chat-rate {args.chat_rate} --rest-rate {args.rest_rate} "
        f"--pairs {args.pairs}`, on {m['cpu']}, {m['cpus']} CPUs, {m['memory']} RAM, "
        f"PostgreSQL {pg_version} and Redis on the same machine (the load generator too).", "",
        f"Worker RSS from before the traffic to its end: {growth(before, last)}; from the end "
        f"of the first minute (warm) to the end: **{growth(first, last)}**; chat messages lost: "
        f"**{results['lost']}**; REST errors: **{sum(x.rest_errors for x in minutes)}**; "
        f"chat sends without an ack in 10 s: **{sum(x.chat_errors for x in minutes)}**.", "",
        "| minute | REST requests | REST errors | REST p99 | chat messages | chat p99 (ack) "
        "| worker RSS |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for i, x in enumerate(minutes, 1):
        rss = " / ".join(f"{k / 1024:.1f} MiB" for k in x.rss_kib)
        lines.append(f"| {i} | {len(x.rest):,} | {x.rest_errors} | {p99(x.rest):.1f} ms "
                     f"| {len(x.chat):,} | {p99(x.chat):.1f} ms | {rss} |")
    lines += ["", "Server log: " + ("; ".join(f"{c} x {line}" for c, line in problems[:10])
                                   if problems else "no warnings or errors."), END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--chat-rate", type=int, default=50)
    parser.add_argument("--rest-rate", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--max-busy", type=int, default=30)
    parser.add_argument("--quiet-wait", type=float, default=60)
    parser.add_argument("--keep-log", default=None)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    results, pg_version, problems = serve_and_measure(
        args, label="soak", workers=2, users=args.pairs * 2,
        measure=lambda server, users, url: soak(server, users, args))
    text = section(results, args, problems, pg_version.split()[0])
    print(text)
    if not args.no_doc:
        replace_section(text, START, END, DOC)
        log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
