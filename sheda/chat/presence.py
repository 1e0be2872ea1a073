"""Who is online: a user holding at least one socket on any worker.

Embedded mode counts sockets in memory. With Redis, each user has a set
(``sheda:online:{id}``) of the workers holding a socket of theirs: a worker adds itself on
the user's first local socket and removes itself on the last. Membership is idempotent,
so a Redis restart heals at the next heartbeat (every worker re-adds itself for the users
it holds and refreshes the TTL), and a worker that died drops out when the TTL runs out.
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


class Presence:
    def __init__(self, redis: Redis | None, local_users: Callable[[], Iterable[int]]) -> None:
        self._redis = redis
        self._local = Counter[int]()
        self._local_users = local_users
        self._heartbeat: asyncio.Task[None] | None = None
        self._worker = uuid.uuid4().hex

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
        if self._redis is None:
            return {uid: self._local.get(uid, 0) > 0 for uid in user_ids}
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for uid in user_ids:
                    pipe.exists(KEY.format(uid))
                found = await pipe.execute()
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
        assert self._redis is not None
        while True:
            await asyncio.sleep(HEARTBEAT)
            users = list(self._local_users())
            if not users:
                continue
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for uid in users:
                        pipe.sadd(KEY.format(uid), self._worker)
                        pipe.expire(KEY.format(uid), TTL)
                    await pipe.execute()
            except Exception as exc:
                logger.warning("presence heartbeat failed: %s", exc)
