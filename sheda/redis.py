"""The optional Redis connection: rate limits, presence, tickets and the chat fan-out."""

from __future__ import annotations

import logging

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger("sheda.redis")

# Per worker. Commands are short, so a few dozen connections carry thousands of sockets; a
# burst (many sockets closing at once) waits up to POOL_WAIT for a free connection instead
# of opening more than the server allows.
POOL_SIZE = 64
POOL_WAIT = 2.0


def connect(url: str) -> Redis:
    # Short timeouts and two quick retries: a pooled connection that died with a Redis
    # restart fails once and is replaced by the retry, while a Redis that stays down costs
    # a request well under a second (features degrade; requests do not hang).
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=2,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
        retry_on_error=[ConnectionError, TimeoutError],
    )
    return Redis.from_pool(pool)  # the client owns the pool and closes it with itself


async def ping(client: Redis | None) -> str:
    if client is None:
        return "disabled"
    try:
        await client.ping()
    except Exception:
        logger.warning("redis ping failed", exc_info=True)
        return "down"
    return "ok"
