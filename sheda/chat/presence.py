"""Who is online: a user holding at least one socket on any worker.

Embedded mode counts sockets in memory. With Redis, each user has a set
(``sheda:online:{id}``) of the workers holding a socket of theirs: a worker adds itself on
the user's first local socket and removes itself on the last. Membership is idempotent,
so a Redis restart heals at the next heartbeat (every worker re-adds itself for the users
it holds and refreshes the TTL), and a worker that died drops out when the TTL runs out.

The heartbeat and the read are small Lua scripts, one command per ``CHUNK`` users: a
redis-py pipeline costs the worker about 45 µs of CPU per user (encoding two commands,
parsing two replies), so a heartbeat for 1,000 users stopped the event loop for 45 ms,
every 20 s, and for 10,000 users for almost half a second; the script costs about 1 µs
per user. (A script's keys span hash slots, so this needs one Redis server, with or without
replicas, not a Redis Cluster; the hub's pattern subscription assumes the same.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable

from redis.asyncio import Redis

logger = logging.getLogger("sheda.chat.presence")

KEY = "sheda:online:{}"
TTL = 60
HEARTBEAT = 20
CHUNK = 1000  # users per script call: about 1 ms of the worker's CPU, and of Redis's

# KEYS: the users' presence sets; ARGV: this worker's id, the TTL.
REFRESH = """
for _, key in ipairs(KEYS) do
  redis.call('SADD', key, ARGV[1])
  redis.call('EXPIRE', key, ARGV[2])
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


class Presence:
    def __init__(self, redis: Redis | None, local_users: Callable[[], Iterable[int]]) -> None:
        self._redis = redis
        self._local = Counter[int]()
        self._local_users = local_users
        self._heartbeat: asyncio.Task[None] | None = None
        self._worker = uuid.uuid4().hex
        # Sent by SHA, loaded into Redis again by redis-py if Redis has forgotten them.
        self._refresh = redis.register_script(REFRESH) if redis is not None else None
        self._online = redis.register_script(ONLINE) if redis is not None else None

    async def connected(self, user_id: int) -> None:
        self._local[user_id] += 1
        if self._redis is not None and self._local[user_id] == 1:
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.sadd(KEY.format(user_id), self._worker)
                    pipe.expire(KEY.format(user_id), TTL)
                    await pipe.execute()
            except Exception as exc:
                logger.warning("presence update failed: %s", exc)

    async def disconnected(self, user_id: int) -> None:
        self._local[user_id] -= 1
        if self._local[user_id] > 0:
            return
        del self._local[user_id]
        if self._redis is not None:
            try:
                await self._redis.srem(KEY.format(user_id), self._worker)
            except Exception as exc:
                logger.warning("presence update failed: %s", exc)

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
        if self._redis is not None and self._heartbeat is None:
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self.refresh()
            except Exception as exc:
                logger.warning("presence heartbeat failed: %s", exc)

    async def refresh(self) -> None:
        """Mark every user with a socket on this worker online again, with a fresh TTL."""
        assert self._refresh is not None
        users = list(self._local_users())
        for start in range(0, len(users), CHUNK):
            chunk = users[start : start + CHUNK]
            await self._refresh(keys=[KEY.format(uid) for uid in chunk], args=[self._worker, TTL])
