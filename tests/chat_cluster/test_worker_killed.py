"""A worker killed under chat load (``kill -9``: no drain, no goodbye): Sheda's supervisor
(sheda/supervise.py) starts it again; the clients it held see their sockets drop, reconnect
and ``sync``; at the end every message that was acknowledged is at its receiver exactly
once after dropping duplicates by id, in seq order, and the record in PostgreSQL has no
gap: a message whose ack was lost was either stored whole (its retry with the same
client_id gets the stored row) or not at all.

Conversations run from both workers at a steady rate while it happens: each user has a
socket on each worker, and sends alternate between them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.chat_cluster.client import (
    Account,
    Sock,
    close_all,
    locate,
    open_socket,
    open_spread,
    register,
    wait_until,
)
from tests.chat_cluster.cluster import REDIS_URL, Database, ServerProcess, running_cluster

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]

PAIRS = 4
PERIOD = 0.05  # each sender: one message every 50 ms (80 messages/s in all)
BEFORE_KILL, AFTER_KILL = 2.0, 4.0  # seconds of traffic
ACK_TIMEOUT = 3.0


@dataclass
class User:
    account: Account
    socks: list[Sock]
    # what this user knows of: message id -> (conversation_id, seq), from the message
    # frames of all its sockets (its own messages come back on its other sockets) and the
    # acks of its own sends
    known: dict[int, tuple[int, int]] = field(default_factory=dict)
    retries: list[str] = field(default_factory=list)  # sends retried after a lost ack

    def open_socks(self) -> list[Sock]:
        return [s for s in self.socks if s.is_open]

    def collect(self) -> None:
        for sock in self.socks:
            for frame in sock.received("message"):
                self.known[int(frame["id"])] = (int(frame["conversation_id"]), int(frame["seq"]))

    def seen_without_gap(self) -> dict[str, int]:
        """Per conversation, the last seq up to which nothing is missing: what ``sync``
        must be given (a message published by the dead worker may be missing below the
        newest one seen)."""
        self.collect()
        seqs: dict[int, set[int]] = {}
        for conversation, seq in self.known.values():
            seqs.setdefault(conversation, set()).add(seq)
        last = {}
        for conversation, have in seqs.items():
            n = 0
            while n + 1 in have:
                n += 1
            last[str(conversation)] = n
        return last


async def _reopen(server: ServerProcess, user: User, name: str) -> Sock:
    """A new socket in place of one that dropped, then ``sync`` from what was seen."""
    sock = await open_socket(server, user.account.token, name)
    user.socks.append(sock)
    await sock.send({"type": "sync", "conversations": user.seen_without_gap()})
    await sock.wait_for(lambda f: f.get("type") == "synced", timeout=10)
    return sock


async def _sender(
    server: ServerProcess, me: User, to: User, stop_at: float, acked: dict[str, int]
) -> None:
    """Sends until ``stop_at``; a send whose ack does not come (its socket died) is sent again
    with the same client_id on a live socket, as a client would."""
    n = 0
    while time.monotonic() < stop_at:
        cid = f"{me.account.id}-{n}-{uuid.uuid4().hex[:6]}"
        frame = {"type": "message", "receiver_id": to.account.id, "message": f"m{n}",
                 "client_id": cid}
        for attempt in range(5):
            live = me.open_socks() or [await _reopen(server, me, f"{me.account.id}r{attempt}")]
            sock = live[(n + attempt) % len(live)]
            try:
                await sock.send(frame)
                ack = await sock.wait_for(
                    lambda f, cid=cid: f.get("client_id") == cid
                    and f.get("type") in ("ack", "error"),
                    timeout=ACK_TIMEOUT,
                )
            except (AssertionError, ConnectionClosed) as lost:  # no ack: retry on a live one
                me.retries.append(f"{cid}: {lost}"[:200])
                await sock.close()  # a dead connection: let the reader see it go
                continue
            assert ack["type"] == "ack", ack
            acked[cid] = int(ack["message_id"])
            me.known[int(ack["message_id"])] = (int(ack["conversation_id"]), int(ack["seq"]))
            break
        else:
            raise AssertionError(f"{cid}: no ack in 5 attempts: {me.retries[-5:]}")
        n += 1
        await asyncio.sleep(PERIOD)


async def _keep_receiving(server: ServerProcess, user: User, stop_at: float) -> None:
    """Replaces the user's sockets that drop until ``stop_at`` (+ the settling time)."""
    wanted = len(user.socks)
    k = 0
    while time.monotonic() < stop_at:
        if len(user.open_socks()) < wanted:
            k += 1
            await _reopen(server, user, f"{user.account.id}-again{k}")
        await asyncio.sleep(0.05)


async def test_a_worker_killed_mid_chat_comes_back_and_nothing_is_lost(tmp_path: Path) -> None:
    async with running_cluster(REDIS_URL, tmp_path) as (server, db):
        async with httpx.AsyncClient(base_url=server.url, timeout=15) as http:
            accounts = [await register(http, f"k{i}") for i in range(PAIRS * 2)]
        users = [
            User(a, await open_spread(server, a.token, f"u{a.id}-", 2, at_least=1))
            for a in accounts
        ]
        pairs = [(users[2 * i], users[2 * i + 1]) for i in range(PAIRS)]
        before = server.ready_workers()
        victim_name = "Srv 1"
        victim = int(before[victim_name])

        acked: dict[str, int] = {}
        start = time.monotonic()
        stop_at = start + BEFORE_KILL + AFTER_KILL
        traffic = [
            asyncio.create_task(_sender(server, a, b, stop_at, acked)) for a, b in pairs
        ] + [
            asyncio.create_task(_sender(server, b, a, stop_at, acked)) for a, b in pairs
        ] + [asyncio.create_task(_keep_receiving(server, u, stop_at + 3)) for u in users]
        await asyncio.sleep(BEFORE_KILL)
        os.kill(victim, signal.SIGKILL)
        # Sanic's manager alone would leave the worker dead: ours starts it again.
        restarted_in = await wait_until(
            lambda: server.ready_workers().get(victim_name) not in (None, str(victim)),
            timeout=20,
            describe=lambda: server.ready_workers(),
        )
        await asyncio.gather(*traffic)
        assert "died (exit code -9); starting it again" in server.log()

        # Everyone re-syncs once more on a live socket, then we compare with the record.
        for user in users:
            await _reopen(server, user, f"{user.account.id}-final")
            user.collect()
        await _check_record(db, users, acked)

        # both workers serve again: new sockets reach each of them
        fresh = await open_spread(server, accounts[0].token, "fresh", 2, at_least=1)
        await locate(server, fresh)
        await close_all(fresh)
        for user in users:
            await close_all(user.socks)
        retried = sum(len(u.retries) for u in users)  # sends caught in flight by the kill
        print(f"\n[killed] {len(acked)} acked messages, {retried} sends retried; the worker "
              f"was back after {restarted_in:.1f} s")


async def _check_record(db: Database, users: list[User], acked: dict[str, int]) -> None:
    conn = await asyncpg.connect(db.url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch(
            "SELECT m.id, m.conversation_id, m.seq, m.client_id, m.receiver_id, c.last_seq "
            "FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        )
    finally:
        await conn.close()
    by_conversation: dict[int, list[Any]] = {}
    for row in rows:
        by_conversation.setdefault(row["conversation_id"], []).append(row)
    for conversation, messages in by_conversation.items():
        seqs = sorted(r["seq"] for r in messages)
        # no gap, no duplicate seq, last_seq agrees: nothing half-stored
        assert seqs == list(range(1, len(seqs) + 1)), (conversation, seqs)
        assert messages[0]["last_seq"] == len(seqs), conversation
    stored = {r["client_id"]: r for r in rows}
    assert len(stored) == len(rows), "one row per client_id"
    for cid, message_id in acked.items():
        assert cid in stored and stored[cid]["id"] == message_id, cid
    for user in users:
        mine = {r["conversation_id"] for r in rows if r["receiver_id"] == user.account.id}
        for conversation in mine:
            got = sorted(seq for c, seq in user.known.values() if c == conversation)
            # every stored message of the conversation, once each (ids are unique), so in
            # seq order once sorted by it
            wanted = list(range(1, len(by_conversation[conversation]) + 1))
            assert got == wanted, (user.account.id, conversation, sorted(set(wanted) - set(got)))
