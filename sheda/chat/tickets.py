"""Single-use websocket tickets for browsers, which cannot set headers on a websocket.

A ticket names the session that asked for it, so it dies with that session (logout) even
within its 30 seconds. Redis when configured (any worker may redeem), memory otherwise."""

from __future__ import annotations

import secrets
import time

from redis.asyncio import Redis

TTL = 30
_KEY = "sheda:ticket:{}"


class TicketStore:
    def __init__(self, redis: Redis | None) -> None:
        self._redis = redis
        self._memory: dict[str, tuple[float, int, str]] = {}

    async def issue(self, *, user_id: int, session_id: str) -> str:
        ticket = secrets.token_urlsafe(32)
        if self._redis is not None:
            await self._redis.set(_KEY.format(ticket), f"{user_id}:{session_id}", ex=TTL)
        else:
            now = time.monotonic()
            self._memory = {t: v for t, v in self._memory.items() if v[0] > now}
            self._memory[ticket] = (now + TTL, user_id, session_id)
        return ticket

    async def redeem(self, ticket: str) -> tuple[int, str] | None:
        """(user_id, session_id) once; None when unknown, used or expired."""
        if self._redis is not None:
            value = await self._redis.getdel(_KEY.format(ticket))
            if not value:
                return None
            user, _, session = str(value).partition(":")
            return int(user), session
        entry = self._memory.pop(ticket, None)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1], entry[2]
