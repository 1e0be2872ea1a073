"""Chat across the workers of one real server (``sheda serve --workers 2`` on PostgreSQL and
the shared test Redis): fan-out, closing sessions, presence.

Each test opens sockets until both workers hold some (the access log says which worker
accepted which socket), so every assertion below covers delivery from one worker to the
other through Redis, not just within one process.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.chat.helpers import ACK_KEYS
from tests.chat_cluster.client import (
    Account,
    Sock,
    by_worker,
    close_all,
    locate,
    login,
    online_of,
    open_socket,
    open_spread,
    percentiles,
    refused_status,
    register,
    wait_until,
)
from tests.chat_cluster.cluster import (
    REDIS_URL,
    Database,
    ServerProcess,
    running_cluster,
    tracebacks,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(90)]

MESSAGE_KEYS = {
    "type", "id", "conversation_id", "seq", "sender_info", "receiver_id", "message",
    "property_id", "client_id", "created_at",
}  # fmt: skip


@pytest.fixture(scope="module")
async def cluster_and_db(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[ServerProcess, Database]]:
    async with running_cluster(REDIS_URL, tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture(scope="module")
def cluster(cluster_and_db: tuple[ServerProcess, Database]) -> ServerProcess:
    return cluster_and_db[0]


@pytest.fixture(scope="module")
def db(cluster_and_db: tuple[ServerProcess, Database]) -> Database:
    return cluster_and_db[1]


@pytest.fixture
async def http(cluster: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=cluster.url, timeout=10) as client:
        yield client


def _message(receiver: Account, text: str, client_id: str) -> dict[str, Any]:
    return {"type": "message", "receiver_id": receiver.id, "message": text, "client_id": client_id}


def _ack_of(client_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("type") == "ack" and f.get("client_id") == client_id


# --- fan-out ------------------------------------------------------------------------------------


async def test_every_socket_on_both_workers_gets_each_message_exactly_once(
    cluster: ServerProcess, db: Database, http: httpx.AsyncClient
) -> None:
    a = await register(http, "fan-a")
    b = await register(http, "fan-b")
    b_socks = await open_spread(cluster, b.token, "B", 12)
    a_socks = await open_spread(cluster, a.token, "A", 6)
    try:
        # One sending socket on each worker, so each worker publishes to the other.
        senders = [group[0] for _, group in sorted(by_worker(a_socks).items())]
        sent_at: dict[str, float] = {}
        sent_by: dict[str, Sock | None] = {}  # None: sent over REST
        stored: dict[str, dict[str, Any]] = {}  # client_id -> ack (WS) or message (REST)
        ack_ms: list[float] = []
        for i in range(16):
            sender = senders[i % len(senders)]
            cid = f"ws-{i}-{uuid.uuid4().hex[:8]}"
            sent_at[cid] = await sender.send(_message(b, f"over ws {i}", cid))
            ack = await sender.wait_for(_ack_of(cid))
            ack_ms.append((time.perf_counter() - sent_at[cid]) * 1000)
            assert set(ack) == ACK_KEYS and ack["status"] == "sent", ack
            sent_by[cid], stored[cid] = sender, ack
            if i % 4 == 3:
                cid = f"rest-{i}-{uuid.uuid4().hex[:8]}"
                sent_at[cid] = time.perf_counter()
                response = await http.post(
                    "/api/v1/chat/messages",
                    json={"receiver_id": b.id, "message": f"over rest {i}", "client_id": cid},
                    headers=a.auth,
                )
                assert response.status_code == 201, response.text
                sent_by[cid], stored[cid] = None, response.json()

        seqs = sorted(body["seq"] for body in stored.values())
        assert seqs == list(range(1, len(stored) + 1)), seqs
        conversation_id = next(iter(stored.values()))["conversation_id"]
        message_id = {cid: body.get("message_id", body.get("id")) for cid, body in stored.items()}

        expected: dict[str, set[str]] = {}
        for sock in b_socks:
            expected[sock.name] = set(stored)
        for sock in a_socks:  # the sender's other sockets; never the one that sent it
            expected[sock.name] = {cid for cid in stored if sent_by[cid] is not sock}

        everyone = [*b_socks, *a_socks]

        def complete() -> bool:
            return all(
                expected[s.name] <= {f["client_id"] for f in s.received("message")}
                for s in everyone
            )

        try:
            await wait_until(complete, timeout=5)
        except AssertionError:
            missing = {
                f"{s.name}@{s.worker}": sorted(
                    expected[s.name] - {f["client_id"] for f in s.received("message")}
                )
                for s in everyone
            }
            raise AssertionError(f"frames missing: {missing}") from None
        await asyncio.sleep(0.5)  # late duplicates would arrive now

        for sock in everyone:
            counts = Counter(f["client_id"] for f in sock.received("message"))
            assert counts == Counter(expected[sock.name]), (sock.name, sock.worker, counts)
            for frame in sock.received("message"):
                assert set(frame) == MESSAGE_KEYS, frame
                cid = frame["client_id"]
                assert frame["id"] == message_id[cid]
                assert frame["seq"] == stored[cid]["seq"]
                assert frame["conversation_id"] == conversation_id
                assert frame["sender_info"]["id"] == a.id and frame["receiver_id"] == b.id
            acks = Counter(f["client_id"] for f in sock.received("ack"))
            own = {cid for cid, by in sent_by.items() if by is sock}
            assert acks == Counter(own), (sock.name, acks)  # acks only to the sending socket
            assert not sock.received("error"), sock.received("error")

        rows = await db.fetch(
            "SELECT seq, client_id FROM messages WHERE conversation_id = $1 ORDER BY seq",
            conversation_id,
        )
        assert [r["seq"] for r in rows] == seqs
        assert {r["client_id"] for r in rows} == set(stored)

        latency: dict[str, list[float]] = {"same worker": [], "other worker": [], "rest": []}
        for sock in everyone:
            for arrived, frame in sock.arrivals("message"):
                ms = (arrived - sent_at[frame["client_id"]]) * 1000
                by = sent_by[frame["client_id"]]
                if by is None:
                    latency["rest"].append(ms)
                else:
                    kind = "same worker" if by.worker == sock.worker else "other worker"
                    latency[kind].append(ms)
        placement = {
            user: dict(Counter(s.worker for s in socks))
            for user, socks in (("A", a_socks), ("B", b_socks))
        }
        print(f"\n[fan-out] sockets per worker: {placement}")
        print(f"[fan-out] ack (WS send -> ack): {percentiles(ack_ms)}")
        for kind, samples in latency.items():
            print(f"[fan-out] send -> message frame, {kind}: {percentiles(samples)}")
        every = [ms for samples in latency.values() for ms in samples]
        print(f"[fan-out] send -> message frame, all: {percentiles(every)}")
    finally:
        await close_all([*a_socks, *b_socks])


# --- closing sessions ---------------------------------------------------------------------------


async def _closed_within(socks: list[Sock], started: float, limit: float) -> list[float]:
    """Wait until every socket closed, at most ``limit`` seconds after ``started``; returns
    how long each took."""
    left = max(0.05, limit - (time.perf_counter() - started))
    await asyncio.gather(*(s.wait_closed(left + 0.5) for s in socks), return_exceptions=True)
    still_open = [f"{s.name}@{s.worker}" for s in socks if s.is_open]
    assert not still_open, f"still open after {limit + 0.5} s: {still_open}"
    took = [s.closed_at - started for s in socks if s.closed_at is not None]
    assert max(took) <= limit, f"closing took {max(took):.3f} s (limit {limit} s)"
    return took


async def test_logout_closes_that_sessions_sockets_on_both_workers_with_4001(
    cluster: ServerProcess, http: httpx.AsyncClient
) -> None:
    first = await register(http, "logout")
    second = await login(http, first.email)  # another session (another phone)
    ending = await open_spread(cluster, first.token, "S1-", 8)
    staying = await open_spread(cluster, second.token, "S2-", 4)
    try:
        started = time.perf_counter()
        response = await http.post("/api/v1/auth/logout", json={}, headers=first.auth)
        assert response.status_code == 204, response.text
        took = await _closed_within(ending, started, 1.0)
        codes = {f"{s.name}@{s.worker}": s.close_code for s in ending}
        assert set(codes.values()) == {4001}, codes
        print(
            f"\n[logout] {len(ending)} sockets on {len(by_worker(ending))} workers closed "
            f"with 4001 in at most {max(took) * 1000:.0f} ms"
        )

        for sock in staying:  # the other session is untouched, on both workers
            assert sock.is_open, (sock.name, sock.close_code)
            mark = len(sock.frames)
            await sock.send({"type": "ping"})
            await sock.wait_for(lambda f: f.get("type") == "pong", since=mark)
        assert await refused_status(cluster, first.token) == 401
    finally:
        await close_all([*ending, *staying])


async def test_deactivation_closes_every_socket_on_both_workers_with_4003(
    cluster: ServerProcess, db: Database, http: httpx.AsyncClient
) -> None:
    admin = await register(http, "admin")
    assert await db.execute("UPDATE users SET role = 'admin' WHERE id = $1", admin.id) == (
        "UPDATE 1"
    )
    admin = await login(http, admin.email)  # tokens issued from now on carry "admin"
    target = await register(http, "deactivated")
    other_session = await login(http, target.email)
    socks = [
        *await open_spread(cluster, target.token, "T1-", 6),
        *await open_spread(cluster, other_session.token, "T2-", 6),
    ]
    try:
        started = time.perf_counter()
        response = await http.patch(
            f"/api/v1/admin/users/{target.id}", json={"is_active": False}, headers=admin.auth
        )
        assert response.status_code == 200, response.text
        assert response.json()["is_active"] is False
        took = await _closed_within(socks, started, 1.0)
        codes = {f"{s.name}@{s.worker}": s.close_code for s in socks}
        assert set(codes.values()) == {4003}, codes
        print(
            f"\n[deactivate] {len(socks)} sockets of 2 sessions closed with 4003 in at most "
            f"{max(took) * 1000:.0f} ms"
        )
        assert await refused_status(cluster, other_session.token) == 403
    finally:
        await close_all(socks)


# --- presence -----------------------------------------------------------------------------------


async def _stays_online(http: httpx.AsyncClient, viewer: Account, other: int) -> None:
    """Online on every look for half a second (the server handles closes asynchronously)."""
    for _ in range(10):
        assert await online_of(http, viewer, other), "shown offline while a socket is open"
        await asyncio.sleep(0.05)


async def test_presence_follows_sockets_on_either_worker(
    cluster: ServerProcess, http: httpx.AsyncClient
) -> None:
    a = await register(http, "presence-a")
    b = await register(http, "presence-b")
    response = await http.post(
        "/api/v1/chat/messages", json={"receiver_id": b.id, "message": "hi"}, headers=a.auth
    )
    assert response.status_code == 201, response.text
    assert await online_of(http, a, b.id) is False

    socks = await open_spread(cluster, b.token, "P", 4)
    extra: list[Sock] = []
    try:
        await wait_until(lambda: online_of(http, a, b.id), timeout=2)
        groups = by_worker(socks)
        first, second = sorted(groups)

        # Held on the second worker only.
        await close_all(groups[first])
        await _stays_online(http, a, b.id)

        # Held on the first worker only: open until one lands there, then close the rest.
        while not any(s.worker == first for s in extra):
            assert len(extra) < 40, "no socket reached the first worker again"
            sock = await open_socket(cluster, b.token, f"P+{len(extra)}")
            await locate(cluster, [sock])
            extra.append(sock)
        await close_all([*groups[second], *(s for s in extra if s.worker != first)])
        await _stays_online(http, a, b.id)

        await close_all(extra)
        took = await wait_until(lambda: _offline(http, a, b.id), timeout=3)
        print(f"\n[presence] offline {took * 1000:.0f} ms after the last socket closed")
    finally:
        await close_all([*socks, *extra])


async def _offline(http: httpx.AsyncClient, viewer: Account, other: int) -> bool:
    return not await online_of(http, viewer, other)


# --- the log ------------------------------------------------------------------------------------


def test_server_log_has_no_traceback(cluster: ServerProcess) -> None:
    log = cluster.log()
    found = tracebacks(log)
    assert not found, "\n\n".join(found)
    errors = [line for line in log.splitlines() if " ERROR" in line or "never retrieved" in line]
    assert not errors, "\n".join(errors)


def test_server_log_masks_websocket_credentials(cluster: ServerProcess) -> None:
    """Sockets connect with ``?token=<JWT>``; the access log names the URL, never the token."""
    log = cluster.log()
    assert "/api/v1/chat/ws?token=***" in log
    leaked = re.findall(r"[?&](?:token|ticket)=(?!\*\*\*)[^\s&]{8}", log)
    assert not leaked, leaked
