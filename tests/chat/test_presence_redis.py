"""Presence on a real Redis: the sets a worker writes, its heartbeat, and the read, across
more users than one script call takes (``CHUNK``, made small here)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from sheda.chat import presence as presence_module
from sheda.chat.presence import KEY, TTL, Presence
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
def user_ids() -> list[int]:
    # Ids no other test uses: the test Redis is shared with concurrently running suites.
    first = 2_000_000_000 + secrets.randbelow(100_000_000)
    return list(range(first, first + 7))


@pytest.fixture
async def cleanup(redis: Redis, user_ids: list[int]) -> AsyncIterator[None]:
    yield
    await redis.delete(*(KEY.format(uid) for uid in user_ids))


async def test_online_follows_this_workers_sockets(
    redis: Redis, user_ids: list[int], cleanup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presence_module, "CHUNK", 3)  # 7 users: three script calls
    held: set[int] = set()
    presence = Presence(redis, lambda: sorted(held))
    for uid in user_ids[::2]:  # users 0, 2, 4, 6 connect
        held.add(uid)
        await presence.connected(uid)

    found = await presence.online(user_ids)
    assert found == {uid: index % 2 == 0 for index, uid in enumerate(user_ids)}

    await presence.disconnected(user_ids[2])
    held.discard(user_ids[2])
    assert (await presence.online([user_ids[2], user_ids[4]])) == {
        user_ids[2]: False,
        user_ids[4]: True,
    }


async def test_heartbeat_restores_presence_lost_by_redis(
    redis: Redis, user_ids: list[int], cleanup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presence_module, "CHUNK", 2)
    presence = Presence(redis, lambda: user_ids)
    for uid in user_ids:
        await presence.connected(uid)
    # As after a Redis restart without persistence: the sets are gone, and so is the script.
    await redis.delete(*(KEY.format(uid) for uid in user_ids))
    await redis.script_flush()
    assert set((await presence.online(user_ids)).values()) == {False}

    await presence.refresh()

    assert set((await presence.online(user_ids)).values()) == {True}
    for uid in user_ids:
        assert 0 < await redis.ttl(KEY.format(uid)) <= TTL
        assert await redis.smembers(KEY.format(uid)) == {presence._worker.encode()}


async def test_a_second_workers_socket_keeps_the_user_online(
    redis: Redis, user_ids: list[int], cleanup: None
) -> None:
    uid = user_ids[0]
    first, second = Presence(redis, lambda: [uid]), Presence(redis, lambda: [uid])
    await first.connected(uid)
    await second.connected(uid)
    await first.disconnected(uid)
    assert await second.online([uid]) == {uid: True}
    await second.disconnected(uid)
    assert await first.online([uid]) == {uid: False}
