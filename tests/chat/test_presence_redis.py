"""Presence on a real Redis: the sets a worker writes (batched by its writer task), its
heartbeat, and the read, across more users than one script call takes (``CHUNK``, made
small here)."""

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


@pytest.fixture
async def started() -> AsyncIterator[list[Presence]]:
    """Presences the test creates and starts; stopped at the end."""
    made: list[Presence] = []
    yield made
    for presence in made:
        await presence.stop()


def start(made: list[Presence], redis: Redis) -> Presence:
    presence = Presence(redis)
    presence.start()
    made.append(presence)
    return presence


async def test_online_follows_this_workers_sockets(
    redis: Redis,
    user_ids: list[int],
    cleanup: None,
    started: list[Presence],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(presence_module, "CHUNK", 3)  # 7 users: three script calls
    presence = start(started, redis)
    for uid in user_ids[::2]:  # users 0, 2, 4, 6 connect
        presence.connected(uid)
    await presence.settled()

    found = await presence.online(user_ids)
    assert found == {uid: index % 2 == 0 for index, uid in enumerate(user_ids)}

    presence.disconnected(user_ids[2])
    await presence.settled()
    assert (await presence.online([user_ids[2], user_ids[4]])) == {
        user_ids[2]: False,
        user_ids[4]: True,
    }


async def test_a_user_who_came_and_went_within_one_batch_is_offline(
    redis: Redis, user_ids: list[int], cleanup: None, started: list[Presence]
) -> None:
    presence = start(started, redis)
    stays, leaves = user_ids[0], user_ids[1]
    presence.connected(stays)
    presence.connected(leaves)
    presence.connected(stays)  # a second socket of the same user
    presence.disconnected(leaves)
    presence.disconnected(stays)  # one of its two sockets
    await presence.settled()
    assert await presence.online([stays, leaves]) == {stays: True, leaves: False}
    assert await redis.exists(KEY.format(leaves)) == 0


async def test_many_users_leaving_at_once_all_go_offline(
    redis: Redis, cleanup: None, started: list[Presence]
) -> None:
    # 3,000 sockets closing together (a worker restarting): they used to be 3,000
    # commands competing for the pool, and many failed with "No connection available".
    first = 2_100_000_000 + secrets.randbelow(10_000_000)
    users = list(range(first, first + 3000))
    presence = start(started, redis)
    try:
        for uid in users:
            presence.connected(uid)
        await presence.settled()
        assert set((await presence.online(users)).values()) == {True}
        for uid in users:
            presence.disconnected(uid)
        await presence.settled()
        assert set((await presence.online(users)).values()) == {False}
    finally:
        await redis.delete(*(KEY.format(uid) for uid in users))


async def test_stopping_writes_the_last_disconnects(
    redis: Redis, user_ids: list[int], cleanup: None
) -> None:
    presence = Presence(redis)
    presence.start()
    presence.connected(user_ids[0])
    await presence.settled()
    presence.disconnected(user_ids[0])  # as the worker closes its sockets on SIGTERM
    await presence.stop()
    assert await redis.exists(KEY.format(user_ids[0])) == 0


async def test_heartbeat_restores_presence_lost_by_redis(
    redis: Redis,
    user_ids: list[int],
    cleanup: None,
    started: list[Presence],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(presence_module, "CHUNK", 2)
    presence = start(started, redis)
    for uid in user_ids:
        presence.connected(uid)
    await presence.settled()
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
    redis: Redis, user_ids: list[int], cleanup: None, started: list[Presence]
) -> None:
    uid = user_ids[0]
    first, second = start(started, redis), start(started, redis)
    first.connected(uid)
    second.connected(uid)
    await first.settled()
    await second.settled()
    first.disconnected(uid)
    await first.settled()
    assert await second.online([uid]) == {uid: True}
    second.disconnected(uid)
    await second.settled()
    assert await first.online([uid]) == {uid: False}
