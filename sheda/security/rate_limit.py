"""Fixed-window counters: Redis when configured (shared by every worker), memory otherwise.

``hit`` counts an event and says how long to wait when the limit is passed; ``peek`` only
looks (login checks the per-account failure count before trying the password, and counts a
failure only when the password was wrong).
"""

from __future__ import annotations

import time

from redis.asyncio import Redis

from sheda.common.context import Limiter
from sheda.config import RateLimit
from sheda.errors import RateLimited


class MemoryRateLimiter:
    """Per-process; fine for the embedded single worker."""

    _SWEEP_EVERY = 1024

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._calls = 0

    def _current(self, key: str, rule: RateLimit, now: float) -> tuple[float, int]:
        start, count = self._windows.get(key, (now, 0))
        if now - start >= rule.window:
            start, count = now, 0
        return start, count

    def _sweep(self, now: float) -> None:
        # Old windows would otherwise pile up for every IP ever seen.
        self._calls += 1
        if self._calls % self._SWEEP_EVERY:
            return
        horizon = now - 24 * 3600
        for key in [k for k, (start, _) in self._windows.items() if start < horizon]:
            del self._windows[key]

    async def hit(self, key: str, rule: RateLimit) -> int | None:
        now = time.monotonic()
        self._sweep(now)
        start, count = self._current(key, rule, now)
        count += 1
        self._windows[key] = (start, count)
        if count > rule.limit:
            return max(1, int(start + rule.window - now + 0.999))
        return None

    async def peek(self, key: str, rule: RateLimit) -> int | None:
        now = time.monotonic()
        start, count = self._current(key, rule, now)
        if count >= rule.limit:
            return max(1, int(start + rule.window - now + 0.999))
        return None

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)


class RedisRateLimiter:
    def __init__(self, redis: Redis, prefix: str = "sheda:rl:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, rule: RateLimit) -> int | None:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, rule.window, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        if int(count) > rule.limit:
            return max(1, int(ttl))
        return None

    async def peek(self, key: str, rule: RateLimit) -> int | None:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            raw, ttl = await pipe.execute()
        if raw is not None and int(raw) >= rule.limit:
            return max(1, int(ttl))
        return None

    async def reset(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)


async def enforce(limiter: Limiter, key: str, rule: RateLimit) -> None:
    retry_after = await limiter.hit(key, rule)
    if retry_after is not None:
        raise RateLimited(retry_after)
