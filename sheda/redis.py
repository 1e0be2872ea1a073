"""The optional Redis connection (rate limits now; chat fan-out and presence later)."""

from __future__ import annotations

import logging

from redis.asyncio import Redis

logger = logging.getLogger("sheda.redis")


def connect(url: str) -> Redis:
    # Short timeouts: a Redis outage must degrade features, not hang requests.
    return Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=2, socket_timeout=2,
        health_check_interval=30,
    )


async def ping(client: Redis | None) -> str:
    if client is None:
        return "disabled"
    try:
        await client.ping()
    except Exception:
        logger.warning("redis ping failed", exc_info=True)
        return "down"
    return "ok"
