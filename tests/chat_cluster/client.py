"""The client side of the cluster tests: accounts over HTTP, and websockets that record
every frame they receive with the time it arrived (for exact counts and latencies)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.chat_cluster.cluster import ServerProcess
from tests.frames import checked

PASSWORD = "correct horse battery"

Frame = dict[str, Any]


# --- HTTP --------------------------------------------------------------------------------------


@dataclass
class Account:
    id: int
    email: str
    token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(http: httpx.AsyncClient, label: str) -> Account:
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    response = await http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["user"]["id"], email, body["access_token"], body["refresh_token"])


async def login(http: httpx.AsyncClient, email: str) -> Account:
    """A new session of an existing account."""
    response = await http.post("/api/v1/auth/login", json={"username": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    return Account(body["user"]["id"], email, body["access_token"], body["refresh_token"])


async def online_of(http: httpx.AsyncClient, viewer: Account, other_id: int) -> bool:
    response = await http.get("/api/v1/chat/conversations", headers=viewer.auth)
    assert response.status_code == 200, response.text
    for item in response.json()["items"]:
        if item["other_user"]["id"] == other_id:
            return bool(item["other_user"]["online"])
    raise AssertionError(f"no conversation with user {other_id}: {response.text}")


async def wait_until(
    check: Callable[[], Any],
    *,
    timeout: float,
    interval: float = 0.05,
    describe: Callable[[], Any] | None = None,
) -> float:
    """Await ``check()`` (sync or async) until it is truthy; returns the seconds it took.
    On timeout the error says ``describe()``."""
    start = time.monotonic()
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            detail = f": {describe()}" if describe is not None else ""
            raise AssertionError(f"condition not met within {timeout} s{detail}")
        await asyncio.sleep(interval)


# --- websockets ---------------------------------------------------------------------------------


@dataclass
class Sock:
    """One client websocket; a reader task keeps every frame with its arrival time."""

    name: str
    ws: ClientConnection
    worker: str | None = None
    frames: list[tuple[float, Frame]] = field(default_factory=list)
    close_code: int | None = None
    closed_at: float | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    @property
    def local_port(self) -> int:
        return int(self.ws.local_address[1])

    def start(self) -> None:
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.frames.append((time.perf_counter(), checked(raw)))
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed_at = time.perf_counter()
            self.close_code = self.ws.close_code
            self._closed.set()
            self._changed.set()

    async def send(self, frame: Frame) -> float:
        sent_at = time.perf_counter()
        await self.ws.send(json.dumps(frame))
        return sent_at

    def received(self, kind: str, since: int = 0) -> list[Frame]:
        return [f for _, f in self.frames[since:] if f.get("type") == kind]

    def arrivals(self, kind: str) -> list[tuple[float, Frame]]:
        return [(t, f) for t, f in self.frames if f.get("type") == kind]

    async def wait_for(
        self, match: Callable[[Frame], bool], *, timeout: float = 5.0, since: int = 0
    ) -> Frame:
        deadline = time.monotonic() + timeout
        while True:
            self._changed.clear()
            for _, frame in self.frames[since:]:
                if match(frame):
                    return frame
            left = deadline - time.monotonic()
            if left <= 0 or self._closed.is_set():
                raise AssertionError(
                    f"{self.name}: no matching frame within {timeout} s (closed with "
                    f"{self.close_code}); got {[f for _, f in self.frames[since:]][-10:]}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def wait_closed(self, timeout: float) -> int | None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), timeout)
        if not self._closed.is_set():
            raise AssertionError(f"{self.name} ({self.worker}) still open after {timeout} s")
        return self.close_code

    @property
    def is_open(self) -> bool:
        return not self._closed.is_set()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)


async def open_socket(server: ServerProcess, token: str, name: str) -> Sock:
    ws = await connect(f"{server.ws_url}?token={token}", open_timeout=10, max_size=2**20)
    sock = Sock(name=name, ws=ws)
    sock.start()
    return sock


async def refused_status(server: ServerProcess, token: str) -> int:
    """The HTTP status of a websocket handshake that must be refused."""
    try:
        ws = await connect(f"{server.ws_url}?token={token}", open_timeout=10)
    except InvalidStatus as err:
        return int(err.response.status_code)
    await ws.close()
    raise AssertionError("the websocket was accepted")


async def locate(server: ServerProcess, socks: Iterable[Sock], timeout: float = 5.0) -> None:
    """Fill in each socket's worker from the access log."""
    pending = [s for s in socks if s.worker is None]
    deadline = time.monotonic() + timeout
    while pending:
        for sock in pending:
            sock.worker = server.worker_of_port(sock.local_port)
        pending = [s for s in pending if s.worker is None]
        if pending and time.monotonic() > deadline:
            raise AssertionError(f"no access-log line for {[s.name for s in pending]}")
        if pending:
            await asyncio.sleep(0.05)


async def open_spread(
    server: ServerProcess, token: str, name: str, count: int, *, at_least: int = 1
) -> list[Sock]:
    """``count`` sockets (more if needed, up to 64) with ``at_least`` on every worker: the
    kernel spreads connections over the workers unevenly."""
    socks = list(
        await asyncio.gather(*(open_socket(server, token, f"{name}{i}") for i in range(count)))
    )
    while True:
        await locate(server, socks)
        per_worker = Counter(s.worker for s in socks)
        if len(per_worker) >= server.workers and min(per_worker.values()) >= at_least:
            return socks
        if len(socks) >= 64:
            await close_all(socks)
            raise AssertionError(f"64 sockets did not reach every worker: {per_worker}")
        socks.append(await open_socket(server, token, f"{name}{len(socks)}"))


async def close_all(socks: Iterable[Sock]) -> None:
    await asyncio.gather(*(s.close() for s in socks))


def by_worker(socks: Iterable[Sock]) -> dict[str, list[Sock]]:
    out: dict[str, list[Sock]] = {}
    for sock in socks:
        out.setdefault(str(sock.worker), []).append(sock)
    return out


def percentiles(samples_ms: list[float]) -> str:
    if not samples_ms:
        return "no samples"
    ordered = sorted(samples_ms)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return (
        f"n={len(ordered)} p50={at(0.5):.1f}ms p90={at(0.9):.1f}ms p99={at(0.99):.1f}ms "
        f"max={ordered[-1]:.1f}ms mean={statistics.fmean(ordered):.1f}ms"
    )
