"""Who is online: a user holding at least one socket on any worker.

Embedded mode counts sockets in memory. With Redis, each user has a set
(``sheda:online:{id}``) of the workers holding a socket of theirs: a worker adds itself on
the user's first local socket and removes itself on the last. Membership is idempotent,
so a Redis restart heals at the next heartbeat (every worker re-adds itself for the users
it holds and refreshes the TTL), and a worker that died drops out when the TTL runs out.

Writes are batched (see ``Presence``) and, like the read, are small Lua scripts, one
command per ``CHUNK`` users: a redis-py pipeline costs the worker about 45 µs of CPU per
user (encoding two commands, parsing two replies), so a heartbeat for 1,000 users stopped
the event loop for 45 ms, every 20 s, and for 10,000 users for almost half a second; the
script costs about 1 µs per user. (A script's keys span hash slots, so this needs one
Redis server, with or without replicas, not a Redis Cluster; the hub's pattern
subscription assumes the same.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter

from redis.asyncio import Redis

logger = logging.getLogger("sheda.chat.presence")

KEY = "sheda:online:{}"
TTL = 60
HEARTBEAT = 20
CHUNK = 1000  # users per script call: about 1 ms of the worker's CPU, and of Redis's

# KEYS: the users' presence sets; ARGV: this worker's id, the TTL, then one flag per key:
# "1" the worker holds a socket of that user (add it, refresh the TTL), "0" it no longer does.
WRITE = """
for i, key in ipairs(KEYS) do
  if ARGV[i + 2] == '1' then
    redis.call('SADD', key, ARGV[1])
    redis.call('EXPIRE', key, ARGV[2])
  else
    redis.call('SREM', key, ARGV[1])
  end
end
return #KEYS
"""
# KEYS: the users' presence sets; returns 1 or 0 for each, in order.
ONLINE = """
local found = {}
for i, key in ipairs(KEYS) do
  found[i] = redis.call('EXISTS', key)
end
return found
"""
RETRY_AFTER = 1.0  # seconds before a failed write is tried again
STOP_FLUSH = 1.0  # seconds a stopping worker gives its last writes


class Presence:
    """Connects and disconnects only mark the user; one writer task reconciles Redis with
    this worker's sockets, a batch of users per script call. A socket's handshake never
    waits for Redis, and 10,000 sockets closing at once are a handful of calls rather than
    10,000 commands competing for the connection pool (which ran dry: "No connection
    available")."""

    def __init__(self, redis: Redis | None) -> None:
        self._local = Counter[int]()  # user → sockets on this worker
        self._worker = uuid.uuid4().hex
        self._dirty: set[int] = set()  # users whose Redis entry may not match _local
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set while nothing is dirty or being written
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        # Sent by SHA, loaded into Redis again by redis-py if Redis has forgotten them.
        self._write = redis.register_script(WRITE) if redis is not None else None
        self._online = redis.register_script(ONLINE) if redis is not None else None

    def connected(self, user_id: int) -> None:
        self._local[user_id] += 1
        if self._local[user_id] == 1:
            self._mark(user_id)

    def disconnected(self, user_id: int) -> None:
        self._local[user_id] -= 1
        if self._local[user_id] > 0:
            return
        del self._local[user_id]
        self._mark(user_id)

    def _mark(self, user_id: int) -> None:
        if self._write is None:
            return
        self._dirty.add(user_id)
        self._idle.clear()
        self._wake.set()

    async def settled(self) -> None:
        """Wait until every connect and disconnect so far is written to Redis."""
        await self._idle.wait()

    async def online(self, user_ids: list[int]) -> dict[int, bool]:
        if not user_ids:
            return {}
        if self._online is None:
            return {uid: self._local.get(uid, 0) > 0 for uid in user_ids}
        try:
            found: list[int] = []
            for start in range(0, len(user_ids), CHUNK):
                chunk = user_ids[start : start + CHUNK]
                found += await self._online(keys=[KEY.format(uid) for uid in chunk])
        except Exception as exc:  # presence is a hint; never fail a request over it
            logger.warning("presence read failed: %s", exc)
            return {uid: self._local.get(uid, 0) > 0 for uid in user_ids}
        return {uid: bool(hit) for uid, hit in zip(user_ids, found, strict=True)}

    def start(self) -> None:
        if self._write is not None and self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_forever())

    async def stop(self) -> None:
        if self._writer is None:
            return
        # The sockets closed while the worker stopped: their users go offline now, not
        # when the TTL runs out.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), STOP_FLUSH)
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        self._writer = None

    async def _write_forever(self) -> None:
        # One task writes everything, heartbeats included, so writes reach Redis in the
        # order they were decided (a heartbeat can never re-add a user who just left).
        loop = asyncio.get_running_loop()
        next_beat = loop.time() + HEARTBEAT
        failing = False
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_beat - loop.time()))
            self._wake.clear()
            if loop.time() >= next_beat:
                next_beat = loop.time() + HEARTBEAT
                self._dirty.update(self._local)  # every user held here: TTL refreshed
            batch, self._dirty = self._dirty, set()
            try:
                await self._reconcile(sorted(batch))
            except Exception as exc:
                if not failing:  # once per outage, not once a second
                    logger.warning("presence updates failing (%s); retrying", exc)
                failing = True
                self._dirty |= batch  # tried again, with whatever changed meanwhile
                await asyncio.sleep(RETRY_AFTER)
                self._wake.set()
                continue
            if failing:
                logger.info("presence updates written again")
            failing = False
            if not self._dirty:
                self._idle.set()

    async def _reconcile(self, users: list[int]) -> None:
        """Write the current state of ``users`` (not the events that marked them: a user
        who came and went within one batch is simply offline)."""
        assert self._write is not None
        for start in range(0, len(users), CHUNK):
            chunk = users[start : start + CHUNK]
            flags = ["1" if self._local.get(uid, 0) > 0 else "0" for uid in chunk]
            await self._write(
                keys=[KEY.format(uid) for uid in chunk], args=[self._worker, TTL, *flags]
            )

    async def refresh(self) -> None:
        """What the heartbeat does, now: every user held here is written again (added to
        their set, TTL refreshed), e.g. after Redis lost its data."""
        self._dirty.update(self._local)
        if self._dirty:
            self._idle.clear()
            self._wake.set()
        await self.settled()
