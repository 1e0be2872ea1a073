"""Several servers behind a real load balancer: HAProxy in front of 3 `sheda serve --workers 2`
on one PostgreSQL database and one Redis, round robin, no sticky sessions (issue 15).

Clients talk to the balancer only (REST and websockets); each server's /metrics is scraped
directly, as Prometheus would. Clients spread over the servers chat, read, sync and get
notifications as on one server; the background loop runs once per server and still handles
each row once; a server stopped gracefully hands its clients to the others with nothing
lost. The tests run in this order: the last one stops a server."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.chat_cluster.balancer import HAPROXY, Balancer
from tests.chat_cluster.client import Account, Sock, close_all, register, wait_until
from tests.chat_cluster.cluster import REDIS_URL, Database, ServerProcess, tracebacks
from tests.jobs.cluster import SANIC_SHUTDOWN_CRASH, active_deal, end_contract_now, runs
from tests.operations.metrics_text import scrape, value

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(300),
    pytest.mark.skipif(HAPROXY is None, reason="no haproxy (apt-get install haproxy)"),
]

SERVERS = 3
if HAPROXY is None and os.environ.get("SHEDA_REQUIRE_HAPROXY") == "1":
    raise RuntimeError("SHEDA_REQUIRE_HAPROXY=1 but haproxy is not installed")


@dataclass
class Fleet:
    servers: list[ServerProcess]
    balancer: Balancer
    db: Database
    http: httpx.AsyncClient  # through the balancer


@pytest.fixture(scope="module")
async def fleet(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Fleet]:
    work = tmp_path_factory.mktemp("balanced")
    db = await Database.create("sheda_balanced")
    servers: list[ServerProcess] = []
    balancer: Balancer | None = None
    try:
        await db.migrate(work)
        for n in range(SERVERS):
            data_dir = work / f"server{n + 1}"
            data_dir.mkdir()
            servers.append(ServerProcess(
                database_url=db.url, redis_url=REDIS_URL, data_dir=data_dir, workers=2,
                env={
                    "SHEDA_JOBS_INTERVAL": "1",
                    "SHEDA_PROXIES_COUNT": "1",  # the balancer's X-Forwarded-For
                    "SHEDA_DRAIN_DELAY": "2",  # /health 503 first: the balancer stops sending
                    "SHEDA_GRACEFUL_TIMEOUT": "12",
                    # Every client here is 127.0.0.1 (and the shared test Redis keeps counts
                    # between runs); the per-IP limits are tested elsewhere.
                    "SHEDA_RATE_INQUIRY_IP": "10000/1",
                },
            ))  # fmt: skip
        await asyncio.gather(*(server.start(timeout=90) for server in servers))
        balancer = Balancer(work, [server.port for server in servers])
        await balancer.start()
        async with httpx.AsyncClient(base_url=balancer.url, timeout=10) as http:
            yield Fleet(servers, balancer, db, http)
    finally:
        if balancer is not None:
            await balancer.stop()
        await asyncio.gather(*(server.stop() for server in servers))
        await db.drop()


async def through(fleet: Fleet, token: str, name: str, attempts: int = 50) -> Sock:
    """A socket opened through the balancer; a refusal while a server drains (503) or a
    connection that fails is retried, as a client's reconnect loop would."""
    for attempt in range(attempts):
        try:
            ws = await connect(f"{fleet.balancer.ws_url}?token={token}", open_timeout=10)
        except (InvalidStatus, OSError, TimeoutError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.2)
            continue
        sock = Sock(name=name, ws=ws)
        sock.start()
        return sock
    raise AssertionError("unreachable")


async def sockets_per_server(fleet: Fleet) -> list[float]:
    counts = []
    for server in fleet.servers:
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as direct:
            try:
                counts.append(value(await scrape(direct), "sheda_websockets_open"))
            except httpx.HTTPError:
                counts.append(-1)  # not running
    return counts


async def test_clients_spread_over_the_servers_chat_read_and_sync(fleet: Fleet) -> None:
    people = [await register(fleet.http, f"spread{i}") for i in range(6)]
    socks = [await through(fleet, p.token, f"spread{i}") for i, p in enumerate(people)]
    try:
        await wait_until(lambda: _total(fleet, 6), timeout=10)
        per_server = await sockets_per_server(fleet)
        assert all(count >= 1 for count in per_server), per_server  # round robin: all three

        for sender in range(0, 6, 2):  # 0 → 1, 2 → 3, 4 → 5: pairs on different servers
            key = uuid.uuid4().hex
            frame = {"type": "message", "receiver_id": people[sender + 1].id,
                     "message": f"hi {sender}", "client_id": key}
            await socks[sender].send(frame)
            ack = await socks[sender].wait_for(
                lambda f, k=key: f.get("type") == "ack" and f.get("client_id") == k)
            got = await socks[sender + 1].wait_for(
                lambda f, k=key: f.get("type") == "message" and f.get("client_id") == k)
            assert got["id"] == ack["message_id"] and got["seq"] == ack["seq"] == 1
            await socks[sender + 1].send(
                {"type": "read", "conversation_id": got["conversation_id"], "up_to_seq": 1})
            read = await socks[sender].wait_for(lambda f: f.get("type") == "read")
            assert read["reader_id"] == people[sender + 1].id and read["up_to_seq"] == 1

        # Offline, then back through the balancer (likely on another server): sync.
        await socks[1].close()
        sent = await fleet.http.post(
            "/api/v1/chat/messages", headers=people[0].auth,
            json={"receiver_id": people[1].id, "message": "while you were away"})
        assert sent.status_code == 201, sent.text
        socks[1] = await through(fleet, people[1].token, "spread1-again")
        conversation = str(sent.json()["conversation_id"])
        await socks[1].send({"type": "sync", "conversations": {conversation: 1}})
        missed = await socks[1].wait_for(lambda f: f.get("type") == "message")
        synced = await socks[1].wait_for(lambda f: f.get("type") == "synced")
        assert missed["id"] == sent.json()["id"] and synced["conversations"][conversation] == 2
    finally:
        await close_all(socks)


async def _total(fleet: Fleet, expected: int) -> bool:
    return sum(await sockets_per_server(fleet)) == expected


async def test_notifications_reach_every_socket_on_any_server(fleet: Fleet) -> None:
    agent = await _agent(fleet.http)
    socks = [await through(fleet, agent.token, f"agent{i}") for i in range(SERVERS)]
    try:
        listing = await fleet.http.post("/api/v1/properties", headers=agent.auth, json={
            "title": "Flat on the lagoon", "description": "Bright", "price": 800000,
            "property_type": "apartment", "listing_type": "rent", "address": "1 Marina",
            "city": "Lagos Island", "state": "Lagos"})
        assert listing.status_code == 201, listing.text
        asked = await fleet.http.post("/api/v1/inquiries", json={
            "property_id": listing.json()["id"], "full_name": "Dayo", "email": "dayo@example.com",
            "message": "Still free?", "inquiry_type": "general"})
        assert asked.status_code == 201, asked.text
        for sock in socks:  # one socket per server, each gets it once
            frame = await sock.wait_for(
                lambda f: f.get("type") == "notification" and f.get("event") == "inquiry.created")
            assert frame["data"]["inquiry_id"] == asked.json()["id"]
            assert len(sock.received("notification")) == 1
    finally:
        await close_all(socks)


async def _agent(http: httpx.AsyncClient) -> Account:
    email = f"agent-{uuid.uuid4().hex[:8]}@example.com"
    response = await http.post("/api/v1/auth/register", json={
        "email": email, "password": "correct horse battery", "user_type": "agent"})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["user"]["id"], email, body["access_token"], body["refresh_token"])


async def test_one_loop_per_server_and_each_row_handled_once(fleet: Fleet) -> None:
    deals = [await active_deal(fleet.http, suffix=f"-{n}") for n in range(3)]
    for _, _, contract in deals:
        await end_contract_now(fleet.db, contract["id"])

    async def all_expired() -> bool:
        rows = await fleet.db.fetch(
            "SELECT count(*) AS n FROM contracts WHERE status = 'expired' AND id = ANY($1)",
            [contract["id"] for _, _, contract in deals])
        return bool(rows[0]["n"] == len(deals))

    await wait_until(all_expired, timeout=30)
    await asyncio.sleep(3)  # every loop has ticked again since: a second pass would show
    for carol, ada, contract in deals:
        for person in (carol, ada):
            items = (await fleet.http.get("/api/v1/notifications", headers=person.headers)).json()
            told = [n for n in items["items"] if n["event"] == "contract.expired"]
            assert [n["data"]["contract_id"] for n in told] == [contract["id"]], items
    loops = {pid for job, pid, _, _, _ in await runs(fleet.db) if job == "expire_contracts"}
    assert len(loops) == SERVERS, loops  # one loop per server, not per worker, not one in all


async def test_a_server_stopped_gracefully_hands_its_clients_to_the_others(fleet: Fleet) -> None:
    people = [await register(fleet.http, f"ring{i}") for i in range(9)]
    socks: dict[int, Sock] = {
        i: await through(fleet, p.token, f"ring{i}") for i, p in enumerate(people)
    }
    sent: dict[int, set[int]] = defaultdict(set)  # receiver → message ids stored for it
    earlier: dict[int, list[dict[str, Any]]] = defaultdict(list)  # frames of closed sockets
    try:
        await wait_until(lambda: _total(fleet, 9), timeout=10)
        before = await sockets_per_server(fleet)
        assert all(count >= 1 for count in before), before

        async def ring_round(label: str) -> None:
            """Each user writes to the next one over REST through the balancer."""
            for i, person in enumerate(people):
                receiver = (i + 1) % len(people)
                for _ in range(20):  # a request landing on the draining server may
                    response = await fleet.http.post(  # be refused (503): a client retries
                        "/api/v1/chat/messages", headers=person.auth,
                        json={"receiver_id": people[receiver].id, "message": f"{label} {i}",
                              "client_id": f"{label}-{i}"})
                    if response.status_code in (200, 201):
                        break
                    assert response.status_code == 503, response.text
                    await asyncio.sleep(0.2)
                sent[receiver].add(response.json()["id"])

        await ring_round("before")
        victim = fleet.servers[1]
        stopping = asyncio.get_running_loop().create_task(victim.stop())
        await ring_round("during")  # while it drains and closes its sockets

        # Its sockets were closed with 1001; their clients come back through the balancer
        # and sync from what they had seen.
        closed = await _reconnect_closed(fleet, people, socks, earlier)
        assert closed, "no socket was on the stopped server"
        log = victim.log()  # before stop() forgets the process
        await stopping
        await ring_round("after")

        # Every message stored for a user reached them, on the old socket or the new one
        # (live, or replayed by the sync), and none twice on one socket.
        for i in socks:
            await wait_until(lambda i=i: sent[i] <= _ids(socks[i], earlier[i]), timeout=15,
                             describe=lambda i=i: (sent[i], _ids(socks[i], earlier[i])))
            live = [f["id"] for _, f in socks[i].frames if f.get("type") == "message"]
            assert len(live) == len(set(live)), live
        after = await sockets_per_server(fleet)
        assert after[1] == -1 and after[0] + after[2] == len(people), after
        allowed = (SANIC_SHUTDOWN_CRASH,)  # Sanic's own SIGTERM race (DESIGN.md, pitfalls)
        assert tracebacks(log, allowed) == []
        assert [tracebacks(s.log()) for s in (fleet.servers[0], fleet.servers[2])] == [[], []]
    finally:
        await close_all(socks.values())


def _ids(sock: Sock, earlier: list[dict[str, Any]]) -> set[int]:
    frames = [f for _, f in sock.frames] + earlier
    return {int(f["id"]) for f in frames if f.get("type") == "message"}


async def _reconnect_closed(
    fleet: Fleet,
    people: list[Account],
    socks: dict[int, Sock],
    earlier: dict[int, list[dict[str, Any]]],
) -> list[int]:
    """Wait for the victim's sockets to close (1001), then reopen each through the balancer
    and send `sync` with the last seq it saw per conversation."""
    await asyncio.sleep(0.5)
    closed: list[int] = []
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        shut = [i for i, s in socks.items() if not s.is_open and i not in closed]
        for i in shut:
            old = socks[i]
            assert old.close_code == 1001, (old.name, old.close_code)
            last: dict[str, int] = {}
            for _, frame in old.frames:
                if frame.get("type") in ("message", "ack"):
                    key = str(frame["conversation_id"])
                    last[key] = max(last.get(key, 0), int(frame["seq"]))
            new = await through(fleet, people[i].token, f"{old.name}-again")
            earlier[i] += [f for _, f in old.frames]
            await new.send({"type": "sync", "conversations": last})
            await new.wait_for(lambda f: f.get("type") == "synced", timeout=10)
            socks[i] = new
            closed.append(i)
        if closed and all(s.is_open for s in socks.values()):
            # Every socket open again; give the victim a moment to close any it still has.
            await asyncio.sleep(1.0)
            if all(s.is_open for s in socks.values()):
                return closed
        await asyncio.sleep(0.1)
    return closed

