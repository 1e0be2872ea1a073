"""The chat benchmark's three measurements, run against a started server by
``bench/run_chat.py``: memory per idle socket, cross-worker latency, fan-out."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import asyncpg
from websockets.asyncio.client import ClientConnection

from bench import chat_load as load
from bench.harness import ROOT, CpuWindow, Server, dsn, log, rss_kib

PER_SOCKET_RATE = 20  # the server's limit: messages a second per socket
SETTLE = 5.0  # seconds between opening the idle sockets and reading RSS


class Helpers:
    """PostgreSQL and Redis seen from outside the server: the processes whose CPU a window
    reports besides the workers, and the presence keys left in Redis."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        self.database_url, self.redis_url = database_url, redis_url

    async def groups(self) -> dict[str, list[int]]:
        import redis.asyncio as aioredis

        name = self.database_url.rpartition("/")[2]
        conn = await asyncpg.connect(dsn(self.database_url))
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> "
                "pg_backend_pid()", name)
        finally:
            await conn.close()
        client = aioredis.Redis.from_url(self.redis_url)
        try:
            info = await client.info("server")
        finally:
            await client.aclose()
        return {"postgres": [int(row["pid"]) for row in rows],
                "redis": [int(info["process_id"])]}

    async def online_users(self) -> int:
        """Users Redis presence still counts as online (``sheda:online:{id}`` sets)."""
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.redis_url)
        try:
            return len([key async for key in client.scan_iter("sheda:online:*")])
        finally:
            await client.aclose()


@dataclass
class Bench:
    server: Server
    workers: list[int]
    helpers: Helpers
    args: argparse.Namespace

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}"

    async def window(self) -> CpuWindow:
        return CpuWindow(self.workers, await self.helpers.groups())


async def idle_memory(bench: Bench,
                      tokens: list[str]) -> tuple[list[ClientConnection], dict[str, Any]]:
    server, workers, ws_base = bench.server, bench.workers, bench.ws_base
    before = {pid: rss_kib(pid) for pid in workers}
    started = time.monotonic()
    sockets = await load.open_many(ws_base, tokens)
    opened = time.monotonic() - started
    reopened = await load.balance(ws_base, tokens, sockets, server.port, workers)
    await asyncio.sleep(SETTLE)
    after = {pid: rss_kib(pid) for pid in workers}
    where = load.owners(server.port, workers)
    per_worker = Counter(where.get(load.local_port(ws)) for ws in sockets)
    grown = sum(after.values()) - sum(before.values())
    result = {
        "sockets": len(sockets),
        "open_seconds": round(opened, 1),
        "reopened": reopened,
        "settle": SETTLE,
        "per_worker": [per_worker.get(pid, 0) for pid in workers],
        "unmapped": per_worker.get(None, 0),
        "rss_before_mib": [round(before[pid] / 1024, 1) for pid in workers],
        "rss_after_mib": [round(after[pid] / 1024, 1) for pid in workers],
        "grown_mib": round(grown / 1024, 1),
        "kib_per_socket": round(grown / len(sockets), 1),
        "kib_per_socket_by_worker": [
            round((after[pid] - before[pid]) / per_worker[pid], 1) if per_worker.get(pid) else None
            for pid in workers
        ],
    }
    log(f"memory: {len(sockets)} idle sockets ({result['per_worker']} per worker) in "
        f"{opened:.1f} s ({reopened} reopened to balance the workers); RSS +"
        f"{result['grown_mib']} MiB = {result['kib_per_socket']} KiB "
        "per socket")
    # What the open sockets cost while nobody talks (server pings, presence heartbeats), to
    # set against the latency run's CPU.
    window = await bench.window()
    await asyncio.sleep(bench.args.duration)
    result["idle_cpu"] = window.done()
    log(f"idle for {bench.args.duration} s with the sockets open: CPU {result['idle_cpu']}")
    return sockets, result


def cross_pairs(server: Server, workers: list[int],
                sockets: list[ClientConnection]) -> list[tuple[int, int]]:
    """Socket indices (a, b) with a and b on different workers, each socket in one pair."""
    where = load.owners(server.port, workers)
    by_worker: dict[int, list[int]] = {pid: [] for pid in workers}
    for index, ws in enumerate(sockets):
        pid = where.get(load.local_port(ws))
        if pid is not None:
            by_worker[pid].append(index)
    first, second = (by_worker[pid] for pid in workers[:2])
    return list(zip(first, second, strict=False))


async def latency(bench: Bench, sockets: list[ClientConnection], user_ids: list[int],
                  rate: int, phase: int = 0) -> dict[str, Any]:
    """``phase`` numbers the latency runs of one benchmark: message numbers (and so the
    ``client_id`` of every message) never repeat across them, or the server would take a
    later run's messages for retries of an earlier one's and deliver nothing."""
    duration = bench.args.duration
    base = phase * 100_000_000
    pairs = cross_pairs(bench.server, bench.workers, sockets)
    if not pairs:
        raise RuntimeError("every socket landed on one worker: no cross-worker pairs")
    stats = load.Latencies()
    readers = [asyncio.create_task(load.read_timed(ws, stats)) for ws in sockets]
    # One untimed message per pair first: it creates the conversation.
    for number, (a, b) in enumerate(pairs):
        await load.send_timed(sockets[a], stats, number=base + number, receiver_id=user_ids[b])
    await _until(lambda: len(stats.seen) >= len(pairs), 30)
    await asyncio.sleep(1.1)  # out of the per-socket rate window
    first = base + 1_000_000
    total = rate * duration
    # The load generator's own collector pauses (up to 20 ms for a young collection,
    # holding 2,000 sockets) would count as the server's latency: none while measuring.
    gc.disable()
    stats.measuring = True
    window = await bench.window()
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i in range(total):
        delay = started + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        a, b = pairs[i % len(pairs)]
        if i % 2:
            a, b = b, a  # as many senders on one worker as on the other
        await load.send_timed(sockets[a], stats, number=first + i, receiver_id=user_ids[b])
    sending = loop.time() - started
    timed = range(first, first + total)
    await _until(lambda: all(stats.seen[n] for n in timed) and not stats.pending_acks, 15)
    cpu = window.done()
    stats.measuring = False
    gc.enable()
    gc.collect()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    got = [stats.seen[n] for n in timed]
    result = {
        "rate": rate, "duration": duration, "sockets": len(sockets), "pairs": len(pairs),
        "sent": total, "achieved_rate": round(total / sending, 1),
        "received": sum(1 for n in got if n), "lost": sum(1 for n in got if not n),
        "duplicates": sum(n - 1 for n in got if n > 1),
        "errors": dict(stats.errors), "closed": dict(stats.closed),
        "acks": len(stats.acked), "cpu": cpu,
        **_spread("receive", stats.received), **_spread("ack", stats.acked),
    }
    log(f"latency at {rate} msg/s over {len(pairs)} cross-worker pairs: send→receive p50 "
        f"{result['receive_p50']} ms, p99 {result['receive_p99']} ms, max "
        f"{result['receive_max']} ms; lost {result['lost']}; errors {result['errors']}; "
        f"closed {result['closed']}; CPU {cpu}")
    return result


def _spread(name: str, values: list[int]) -> dict[str, float | None]:
    if not values:
        return {f"{name}_{k}": None for k in ("p50", "p90", "p99", "max")}
    ms = [v / 1e6 for v in values]
    return {f"{name}_p50": round(load.percentile(values, 0.5) / 1e6, 2),
            f"{name}_p90": round(load.percentile(values, 0.9) / 1e6, 2),
            f"{name}_p99": round(load.percentile(values, 0.99) / 1e6, 2),
            f"{name}_max": round(max(ms), 2)}


async def _until(done: Any, within: float) -> bool:
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


class Receivers:
    """The fan-out user's sockets, spread over child processes (bench.chat_load fanout)."""

    def __init__(self, ws_base: str, token: str, sockets: int, processes: int) -> None:
        self.ws_base, self.token = ws_base, token
        share = math.ceil(sockets / processes)
        self.shares = [min(share, sockets - n * share) for n in range(processes)]
        self.procs: list[asyncio.subprocess.Process] = []
        self.ports: list[int] = []

    async def start(self) -> None:
        for share in self.shares:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.chat_load", "fanout", "--ws", self.ws_base,
                "--sockets", str(share), cwd=ROOT, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, limit=2**24,
            )
            self.procs.append(proc)
            await self._say(proc, self.token)
        for proc in self.procs:
            self.ports += (await self._read(proc, "ready", 120))["ports"]

    async def _say(self, proc: asyncio.subprocess.Process, line: str) -> None:
        assert proc.stdin is not None
        proc.stdin.write(line.encode() + b"\n")
        await proc.stdin.drain()

    async def _read(self, proc: asyncio.subprocess.Process, key: str,
                    within: float) -> dict[str, Any]:
        assert proc.stdout is not None
        while True:
            line = await asyncio.wait_for(proc.stdout.readline(), within)
            if not line:
                raise RuntimeError(f"a fan-out receiver exited (waiting for {key!r})")
            payload: dict[str, Any] = json.loads(line)
            if key in payload:
                return payload

    async def arm(self, marker: str, expect: int) -> None:
        for proc in self.procs:
            await self._say(proc, f"arm {marker} {expect}")
        for proc in self.procs:
            await self._read(proc, "armed", 30)

    async def results(self) -> list[dict[str, Any]]:
        return [(await self._read(proc, "result", 120))["result"] for proc in self.procs]

    async def stop(self) -> float:
        cpu = 0.0
        for proc in self.procs:
            if proc.returncode is None:
                await self._say(proc, "quit")
                cpu += float((await self._read(proc, "bye", 60))["cpu_seconds"])
                await proc.wait()
        return cpu

    def kill(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()


async def fanout(bench: Bench, fan_id: int, fan_token: str,
                 sender_tokens: list[str]) -> dict[str, Any]:
    server, workers, ws_base, args = bench.server, bench.workers, bench.ws_base, bench.args
    receivers = Receivers(ws_base, fan_token, args.fanout_sockets, args.receivers)
    senders: list[ClientConnection] = []
    try:
        await receivers.start()
        where = load.owners(server.port, workers)
        spread = Counter(where.get(port) for port in receivers.ports)
        senders = await load.open_many(ws_base, sender_tokens)
        acks: Counter[str] = Counter()

        async def drain(ws: ClientConnection) -> None:
            async for raw in ws:
                acks[str(json.loads(raw).get("type"))] += 1

        drains = [asyncio.create_task(drain(ws)) for ws in senders]
        for ws in senders:  # creates the conversations; the receivers are not armed yet
            await ws.send(json.dumps({"receiver_id": fan_id, "message": "warm-up"}))
        await asyncio.sleep(1.5)
        rounds = []
        for number in range(1, args.bursts + 1):
            marker = f"burst{number}_"
            await receivers.arm(marker, args.burst)
            window = await bench.window()
            started = time.time_ns()
            await asyncio.gather(*(
                _send_burst(ws, fan_id, marker, range(k, args.burst, len(senders)))
                for k, ws in enumerate(senders)
            ))
            sent = time.time_ns()
            parts = await receivers.results()
            cpu = window.done(sum(p["cpu_seconds"] for p in parts))
            frames = sum(p["frames"] for p in parts)
            last = max(p["last_ns"] for p in parts)
            first = min(p["first_ns"] for p in parts if p["first_ns"]) if frames else 0
            elapsed = (last - started) / 1e9 if frames else float("nan")
            closed: Counter[str] = Counter()
            for p in parts:
                closed.update({str(k): v for k, v in p["closed"].items()})
            rounds.append({
                "frames": frames, "expected": args.burst * args.fanout_sockets,
                "elapsed": round(elapsed, 3),
                "deliveries_per_s": round(frames / elapsed) if frames else 0,
                "send_seconds": round((sent - started) / 1e9, 3),
                "first_ms": round((first - started) / 1e6, 1) if frames else None,
                "min_per_socket": min(p["min_per_socket"] for p in parts),
                "closed": dict(closed), "cpu": cpu,
                "worker_us_per_delivery": round(cpu["worker_cpu_seconds"] / frames * 1e6, 1)
                if frames else None,
            })
            log(f"fan-out round {number}: {frames:,} of {args.burst * args.fanout_sockets:,} "
                f"frames in {elapsed:.2f} s = {rounds[-1]['deliveries_per_s']:,}/s; CPU {cpu}")
            await asyncio.sleep(1.5)  # out of the per-socket rate window
        for task in drains:
            task.cancel()
        receiver_cpu = await receivers.stop()
    finally:
        receivers.kill()
        await load.close_all(senders)
    return {"sockets": args.fanout_sockets, "burst": args.burst, "senders": len(senders),
            "receivers": args.receivers, "per_worker": [spread.get(pid, 0) for pid in workers],
            "rounds": rounds, "acks": dict(acks), "receiver_cpu_seconds": receiver_cpu}


async def _send_burst(ws: ClientConnection, receiver: int, marker: str,
                      numbers: range) -> None:
    for n in numbers:
        await ws.send(json.dumps({"receiver_id": receiver, "message": f"{marker} {n}"}))
