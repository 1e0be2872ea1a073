"""The chat benchmark's load client: plain websockets on asyncio (uvloop when installed),
as a browser or phone would connect (``?token=``, no compression, answering the server's
pings). Used by ``bench/run_chat.py``; the fan-out receivers also run as their own
processes (``python -m bench.chat_load fanout …``) so that reading many frames can use
a second core.

Timestamps are ``time.time_ns()``: every process on the machine reads the same clock.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from sheda import collector

WS_PATH = "/api/v1/chat/ws"
MARK = "bench"  # the first word of every timed message: "bench <number> <sent ns>"


async def open_socket(base: str, token: str) -> ClientConnection:
    return await connect(
        f"{base}{WS_PATH}?token={token}",
        compression=None,  # the server does not negotiate permessage-deflate anyway
        ping_interval=None,  # the server pings every 25 s; the client answers
        open_timeout=60,
        close_timeout=5,
        proxy=None,
    )


async def open_many(base: str, tokens: list[str], concurrency: int = 50) -> list[ClientConnection]:
    gate = asyncio.Semaphore(concurrency)

    async def one(token: str) -> ClientConnection:
        async with gate:
            return await open_socket(base, token)

    return list(await asyncio.gather(*(one(token) for token in tokens)))


async def close_all(sockets: list[ClientConnection]) -> None:
    async def one(ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            await ws.close()

    gate = asyncio.Semaphore(200)

    async def gated(ws: ClientConnection) -> None:
        async with gate:
            await one(ws)

    await asyncio.gather(*(gated(ws) for ws in sockets))


def local_port(ws: ClientConnection) -> int:
    return int(ws.local_address[1])


def owners(server_port: int, worker_pids: list[int]) -> dict[int, int]:
    """client port → the worker process holding the server side of that connection, from
    /proc (each worker's socket inodes, and /proc/net/tcp for the ports)."""
    inode_pid: dict[str, int] = {}
    for pid in worker_pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = fd.readlink().as_posix()
                if target.startswith("socket:["):
                    inode_pid[target[8:-1]] = pid
    found: dict[int, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote, state, inode = parts[1], parts[2], parts[3], parts[9]
        if state != "01" or int(local.split(":")[1], 16) != server_port:
            continue  # established connections on the server's port only
        if inode in inode_pid:
            found[int(remote.split(":")[1], 16)] = inode_pid[inode]
    return found


async def balance(base: str, tokens: list[str], sockets: list[ClientConnection],
                  server_port: int, worker_pids: list[int], rounds: int = 50) -> int:
    """Reopen sockets of the fuller worker (each for the same user) until the workers hold
    as many as each other, give or take one: which worker accepts a connection is the
    kernel's choice, and the latency phase wants every socket in a cross-worker pair.
    Returns how many sockets were reopened."""
    reopened = 0
    for _ in range(rounds):
        await asyncio.sleep(0.2)  # the accepting worker has registered the socket in /proc
        where = owners(server_port, worker_pids)
        by_worker: dict[int, list[int]] = {pid: [] for pid in worker_pids}
        for index, ws in enumerate(sockets):
            pid = where.get(local_port(ws))
            if pid is not None:
                by_worker[pid].append(index)
        fuller = max(by_worker, key=lambda pid: len(by_worker[pid]))
        excess = (len(by_worker[fuller]) - min(len(v) for v in by_worker.values())) // 2
        if excess == 0:
            return reopened
        moving = by_worker[fuller][:excess]
        await close_all([sockets[i] for i in moving])
        fresh = await open_many(base, [tokens[i] for i in moving])
        for index, ws in zip(moving, fresh, strict=True):
            sockets[index] = ws
        reopened += len(moving)
    raise RuntimeError(f"the workers' sockets did not balance in {rounds} rounds")


@dataclass
class Latencies:
    """What the latency phase's sockets saw: send→receive and send→ack, in ns."""

    received: list[int] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)
    seen: Counter[int] = field(default_factory=Counter)  # message number → deliveries
    errors: Counter[str] = field(default_factory=Counter)
    closed: Counter[int] = field(default_factory=Counter)  # close code → sockets
    pending_acks: dict[str, int] = field(default_factory=dict)  # client_id → sent ns
    measuring: bool = False


async def read_timed(ws: ClientConnection, stats: Latencies) -> None:
    """A latency-phase socket: records every timed message and ack it receives."""
    with contextlib.suppress(Exception):  # the socket closed; its close code tells why
        async for raw in ws:
            now = time.time_ns()
            frame: dict[str, Any] = json.loads(raw)
            kind = frame.get("type")
            if kind == "message":
                words = str(frame.get("message", "")).split()
                if len(words) == 3 and words[0] == MARK:
                    stats.seen[int(words[1])] += 1
                    if stats.measuring:
                        stats.received.append(now - int(words[2]))
            elif kind == "ack":
                sent = stats.pending_acks.pop(str(frame.get("client_id")), None)
                if sent is not None and stats.measuring:
                    stats.acked.append(now - sent)
            elif kind == "error":
                stats.errors[str(frame.get("code"))] += 1
    if ws.close_code not in (None, 1000):
        stats.closed[int(ws.close_code or 0)] += 1


async def send_timed(ws: ClientConnection, stats: Latencies, *, number: int,
                     receiver_id: int) -> None:
    sent = time.time_ns()
    client_id = f"m{number}"
    stats.pending_acks[client_id] = sent
    await ws.send(json.dumps({
        "type": "message", "receiver_id": receiver_id, "message": f"{MARK} {number} {sent}",
        "client_id": client_id,
    }))


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


# --- fan-out receivers, one process each ---------------------------------------------------


class FanoutReceiver:
    """``sockets`` sockets of one user; per round, counts the frames of that round's burst
    on every socket and reports when each socket has them all (or nothing came for a
    while)."""

    def __init__(self, sockets: list[ClientConnection]) -> None:
        self.sockets = sockets
        self.marker = "\x00"  # no frame matches until a round is armed
        self.counts = [0] * len(sockets)
        self.first = 0
        self.last = 0
        self.cpu = 0.0
        self.closed: Counter[int] = Counter()
        self.readers = [asyncio.create_task(self._read(n, ws)) for n, ws in enumerate(sockets)]

    async def _read(self, n: int, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):  # the socket closed; its close code tells why
            async for raw in ws:
                if isinstance(raw, str) and self.marker in raw:
                    now = time.time_ns()
                    self.counts[n] += 1
                    self.first = self.first or now
                    self.last = now
        if ws.close_code not in (None, 1000):
            self.closed[int(ws.close_code or 0)] += 1

    def arm(self, marker: str) -> None:
        self.marker, self.counts, self.first, self.last = marker, [0] * len(self.sockets), 0, 0
        self.cpu = time.process_time()

    async def wait(self, expect: int, idle: float) -> dict[str, Any]:
        started = time.monotonic()
        seen, quiet_since = -1, time.monotonic()
        while min(self.counts) < expect:
            total = sum(self.counts)
            if total != seen:
                seen, quiet_since = total, time.monotonic()
            elif time.monotonic() - quiet_since > idle:
                break
            await asyncio.sleep(0.01)
        return {"frames": sum(self.counts), "first_ns": self.first, "last_ns": self.last,
                "min_per_socket": min(self.counts), "max_per_socket": max(self.counts),
                "closed": dict(self.closed), "waited": round(time.monotonic() - started, 2),
                "cpu_seconds": round(time.process_time() - self.cpu, 3)}


def _emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def fanout_process(base: str, token: str, count: int, idle: float) -> None:
    """Line protocol on stdin/stdout: prints {"ready", "ports"} once connected; then
    ``arm <marker> <expect>`` → {"armed"} … {"result"}; ``quit`` closes and exits."""
    sockets = await open_many(base, [token] * count)
    collector.tune_for_serving()  # as the workers do: its own pauses are not the server's
    receiver = FanoutReceiver(sockets)
    _emit({"ready": True, "ports": [local_port(ws) for ws in sockets]})
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().split():
        if line[0] == "arm":
            receiver.arm(line[1])
            _emit({"armed": True})
            _emit({"result": await receiver.wait(int(line[2]), idle)})
        elif line[0] == "quit":
            break
    await close_all(sockets)
    cpu = time.process_time()
    _emit({"bye": True, "cpu_seconds": round(cpu, 2)})


def run(coro: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> None:
    parser = argparse.ArgumentParser(description="chat benchmark fan-out receiver")
    sub = parser.add_subparsers(dest="command", required=True)
    fanout = sub.add_parser("fanout")
    fanout.add_argument("--ws", required=True, help="ws://127.0.0.1:PORT")
    fanout.add_argument("--sockets", type=int, required=True)
    fanout.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args()
    token = sys.stdin.readline().strip()  # not on the command line, where ps shows it
    run(fanout_process(args.ws, token, args.sockets, args.idle))


if __name__ == "__main__":
    main()
