"""Redis goes away under a 2-worker server and comes back (DESIGN.md, "The real-time hub"):
PostgreSQL is the record and Redis only the transport, so every send is still stored and
acknowledged, REST keeps answering, the hub reconnects by itself, and a client that missed
frames gets them from ``sync`` in seq order.

The Redis here is a private redis-server on a free port that the tests stop and restart;
the machine's shared Redis is never touched.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.chat_cluster.client import (
    Account,
    Sock,
    by_worker,
    close_all,
    open_spread,
    register,
    wait_until,
)
from tests.chat_cluster.cluster import (
    Database,
    RedisServer,
    ServerProcess,
    running_cluster,
    tracebacks,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

RECONNECT_BOUND = 5.0 + 2.0  # the hub's backoff is capped at 5 s; 2 s for the rest
# Logged on purpose while Redis is down (the health check logs its exception).
EXPECTED_WARNINGS = ("redis ping failed",)


@pytest.fixture(scope="module")
async def outage(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[ServerProcess, Database, RedisServer]]:
    work = tmp_path_factory.mktemp("outage")
    redis = RedisServer(work)
    await redis.start()
    try:
        async with running_cluster(redis.url, work) as (server, db):
            yield server, db, redis
    finally:
        await redis.stop()


@pytest.fixture
async def http(
    outage: tuple[ServerProcess, Database, RedisServer],
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=outage[0].url, timeout=15) as client:
        yield client


def _cid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


async def send_ws(sock: Sock, to: Account, label: str) -> dict[str, Any]:
    """Send over ``sock`` and return its ack (after the commit)."""
    cid = _cid(label)
    await sock.send({"type": "message", "receiver_id": to.id, "message": label, "client_id": cid})
    ack = await sock.wait_for(
        lambda f: f.get("type") in ("ack", "error") and f.get("client_id") == cid
    )
    assert ack["type"] == "ack" and ack["status"] == "sent", ack
    return ack


async def send_rest(
    http: httpx.AsyncClient, sender: Account, to: Account, label: str
) -> dict[str, Any]:
    response = await http.post(
        "/api/v1/chat/messages",
        json={"receiver_id": to.id, "message": label, "client_id": _cid(label)},
        headers=sender.auth,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _count(sock: Sock, cids: set[str], since: int = 0) -> Counter[str]:
    return Counter(
        f["client_id"] for f in sock.received("message", since) if f["client_id"] in cids
    )


def _missing(socks: list[Sock], cids: set[str], marks: dict[str, int] | None = None) -> Any:
    """{socket@worker: the client_ids of ``cids`` it has not received}, for the sockets that
    miss some."""
    out = {}
    for sock in socks:
        got = set(_count(sock, cids, (marks or {}).get(sock.name, 0)))
        if cids - got:
            out[f"{sock.name}@{sock.worker}"] = sorted(cids - got)
    return out


async def _all_received(
    socks: list[Sock], cids: set[str], *, timeout: float, marks: dict[str, int] | None = None
) -> None:
    await wait_until(
        lambda: not _missing(socks, cids, marks),
        timeout=timeout,
        describe=lambda: _missing(socks, cids, marks),
    )


async def _health(http: httpx.AsyncClient, status: int, redis: str) -> bool:
    response = await http.get("/health")
    return response.status_code == status and response.json()["redis"] == redis


async def _wait_live(sender: Sock, to: Account, receivers: list[Sock]) -> tuple[float, int]:
    """Probe from ``sender`` until a probe reaches every receiver (both workers' hubs are
    subscribed again). Returns (seconds, probes sent)."""
    started = time.perf_counter()
    probes = 0
    while True:
        assert time.perf_counter() - started < RECONNECT_BOUND, (
            f"live delivery across workers not back {RECONNECT_BOUND} s after Redis returned"
        )
        probe = (await send_ws(sender, to, f"probe-{probes}"))["client_id"]
        probes += 1
        deadline = time.perf_counter() + 0.4
        while time.perf_counter() < deadline:
            if all(_count(s, {probe}) for s in receivers):
                return time.perf_counter() - started, probes
            await asyncio.sleep(0.02)


# --- the outage -----------------------------------------------------------------------------------


async def test_outage_keeps_storing_and_acking_and_sync_replays_the_gap(
    outage: tuple[ServerProcess, Database, RedisServer], http: httpx.AsyncClient
) -> None:
    server, db, redis = outage
    a = await register(http, "outage-a")
    b = await register(http, "outage-b")
    a_socks = await open_spread(server, a.token, "A", 4)
    b_socks = await open_spread(server, b.token, "B", 8)
    try:
        sender = a_socks[0]
        receivers = [*b_socks, *(s for s in a_socks if s is not sender)]
        stored: dict[str, int] = {}  # client_id -> seq

        # 1. Before: live on both workers.
        for i in range(3):
            ack = await send_ws(sender, b, f"before-{i}")
            stored[ack["client_id"]] = ack["seq"]
        conversation_id = ack["conversation_id"]
        await _all_received(receivers, set(stored), timeout=5)
        seen_before = max(stored.values())
        assert seen_before == 3
        marks = {s.name: len(s.frames) for s in receivers}

        # 2. Redis goes away. Sends are stored and acknowledged (WS) or 201 (REST).
        await redis.stop()
        down_at = time.perf_counter()
        await wait_until(lambda: _health(http, 503, "down"), timeout=10)
        health = (await http.get("/health")).json()
        assert health == {"status": "degraded", "database": "ok", "redis": "down"}, health

        during_ws: set[str] = set()
        during: set[str] = set()
        for i in range(6):
            ack = await send_ws(sender, b, f"during-{i}")
            stored[ack["client_id"]] = ack["seq"]
            during_ws.add(ack["client_id"])
            if i % 2:
                body = await send_rest(http, a, b, f"during-rest-{i}")
                stored[body["client_id"]] = body["seq"]
                during.add(body["client_id"])
        during |= during_ws
        send_ms = (time.perf_counter() - down_at) * 1000
        total = max(stored.values())

        # REST reads keep answering.
        listing = await http.get("/api/v1/chat/conversations", headers=a.auth)
        assert listing.status_code == 200, listing.text
        assert listing.json()["items"][0]["last_seq"] == total
        history = await http.get(
            f"/api/v1/chat/chat-history/{a.id}", params={"after_seq": 0}, headers=b.auth
        )
        assert history.status_code == 200, history.text
        assert [m["seq"] for m in history.json()] == list(range(1, total + 1))

        # PostgreSQL has every message once, seqs 1..N without a gap.
        rows = await db.fetch(
            "SELECT seq, client_id FROM messages WHERE conversation_id = $1 ORDER BY seq",
            conversation_id,
        )
        assert [r["seq"] for r in rows] == list(range(1, total + 1))
        assert {r["client_id"]: r["seq"] for r in rows} == stored

        # Same-worker delivery goes on; nobody gets a frame twice.
        local = [s for s in receivers if s.worker == sender.worker]
        await _all_received(local, during_ws, timeout=3, marks=marks)
        for sock in receivers:
            counts = _count(sock, during, marks[sock.name])
            assert all(n == 1 for n in counts.values()), (sock.name, counts)
        reached = sorted(len(_count(s, during, marks[s.name])) for s in receivers)

        # 3. Redis comes back on the same port; the hub reconnects by itself.
        await redis.start()
        took, probes = await _wait_live(sender, b, receivers)
        await wait_until(lambda: _health(http, 200, "ok"), timeout=5)
        after: set[str] = set()
        for i in range(3):
            ack = await send_ws(sender, b, f"after-{i}")
            after.add(ack["client_id"])
        total = ack["seq"]
        await _all_received(receivers, after, timeout=5)
        await asyncio.sleep(0.3)  # late duplicates would arrive now
        for sock in receivers:
            assert _count(sock, after) == Counter(after), (sock.name, _count(sock, after))

        # 4. B re-syncs from the last seq it saw before the outage: every missed message in
        # seq order, no gap, no duplicate, then `synced`. One socket on each worker.
        for group in by_worker(b_socks).values():
            sock = group[0]
            mark = len(sock.frames)
            await sock.send({"type": "sync", "conversations": {str(conversation_id): seen_before}})
            synced = await sock.wait_for(lambda f: f.get("type") == "synced", since=mark)
            replay = [f for _, f in sock.frames[mark:]]
            replay = replay[: replay.index(synced)]
            assert all(f["type"] == "message" for f in replay), replay
            seqs = [f["seq"] for f in replay]
            assert seqs == list(range(seen_before + 1, total + 1)), (sock.name, seqs)
            assert during | after <= {f["client_id"] for f in replay}
            assert synced["conversations"] == {str(conversation_id): total}, synced

        print(
            f"\n[outage] sockets per worker: A {dict(Counter(s.worker for s in a_socks))}, "
            f"B {dict(Counter(s.worker for s in b_socks))}; sender on {sender.worker}"
            f"\n[outage] {len(during)} sends while Redis was down, all stored and acked, in "
            f"{send_ms:.0f} ms; live frames per receiving socket meanwhile: {reached}"
            f"\n[outage] live across workers again {took * 1000:.0f} ms after Redis returned "
            f"({probes} probe(s)); sync replayed seq {seen_before + 1}..{total}"
        )
    finally:
        await close_all([*a_socks, *b_socks])


class LostAfterRestart(AssertionError):
    """A message sent once Redis was back reached only the sockets of its own worker."""


async def test_every_worker_publishes_live_again_after_a_redis_restart(
    outage: tuple[ServerProcess, Database, RedisServer], http: httpx.AsyncClient
) -> None:
    server, _, redis = outage
    a = await register(http, "restart-a")
    b = await register(http, "restart-b")
    a_socks = await open_spread(server, a.token, "A", 6, at_least=2)
    b_socks = await open_spread(server, b.token, "B", 6, at_least=2)
    everyone = [*a_socks, *b_socks]

    async def burst(label: str) -> dict[str, Sock]:
        """Every socket sends one message at once (several Redis commands in flight on
        each worker); returns {client_id: sending socket}."""
        acks = await asyncio.gather(
            *(send_ws(s, b if s in a_socks else a, f"{label}-{s.name}") for s in everyone)
        )
        return {ack["client_id"]: sock for ack, sock in zip(acks, everyone, strict=True)}

    def expected(sent: dict[str, Sock]) -> dict[str, set[str]]:
        """{socket: what it must get}: everything sent to its user, and its user's own
        messages from its other sockets."""
        return {sock.name: {cid for cid, by in sent.items() if by is not sock} for sock in everyone}

    def missing(sent: dict[str, Sock]) -> dict[str, list[str]]:
        want = expected(sent)
        out = {}
        for sock in everyone:
            lost = want[sock.name] - set(_count(sock, set(sent)))
            if lost:
                out[f"{sock.name}@{sock.worker}"] = sorted(f"{c}@{sent[c].worker}" for c in lost)
        return out

    try:
        warm = await burst("warm")
        await wait_until(lambda: not missing(warm), timeout=5, describe=lambda: missing(warm))

        # A short Redis restart with no traffic meanwhile.
        await redis.stop()
        await redis.start()
        sender = a_socks[0]
        took, _ = await _wait_live(sender, b, [s for s in everyone if s is not sender])

        sent = await burst("after")
        try:
            await wait_until(lambda: not missing(sent), timeout=3)
        except AssertionError:
            raise LostAfterRestart(
                f"{took * 1000:.0f} ms after live delivery was back, messages sent through "
                f"the workers reached only their own worker's sockets: {missing(sent)}"
            ) from None
    finally:
        await close_all(everyone)


def test_server_log_has_no_unexpected_traceback(
    outage: tuple[ServerProcess, Database, RedisServer],
) -> None:
    log = outage[0].log()
    found = tracebacks(log, EXPECTED_WARNINGS)
    assert not found, "unexpected tracebacks in the server log:\n\n" + "\n\n".join(found)
    assert "never retrieved" not in log
