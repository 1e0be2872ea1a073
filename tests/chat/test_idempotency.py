"""Retries (API.md "Chat"): the same (sender, client_id) is stored once, over WS or REST
alike; a retry answers with the stored message and delivers nothing new."""

from __future__ import annotations

import asyncio

from sheda.chat.models import Message
from tests.chat.helpers import (
    ACK_KEYS,
    MESSAGE_KEYS,
    expect,
    history,
    open_ws,
    person,
    ping_pong,
    send_json,
    send_rest,
    send_ws,
    until,
)


async def test_same_client_id_twice_over_ws(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        first = await send_ws(a, bob, "hello", client_id="retry-1")
        again = await send_ws(a, bob, "hello", client_id="retry-1")
        delivered = await expect(b, "message")
        # the retry delivered nothing: bob's next frame is the next message
        await send_ws(a, bob, "next", client_id="retry-2")
        following = await expect(b, "message")

    assert again == first
    assert set(first) == ACK_KEYS
    assert first["client_id"] == "retry-1"
    assert delivered["id"] == first["message_id"]
    assert following["seq"] == first["seq"] + 1 == 2
    assert await Message.filter(sender_id=alice.id, client_id="retry-1").count() == 1
    assert await Message.all().count() == 2


async def test_same_client_id_twice_over_rest(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    created = await send_rest(client, alice, bob, "hello", client_id="r-1")
    retried = await send_rest(client, alice, bob, "hello", client_id="r-1")

    assert created.status_code == 201, created.text
    assert retried.status_code == 200, retried.text
    assert retried.json() == created.json()
    body = created.json()
    assert set(body) == MESSAGE_KEYS
    assert body["client_id"] == "r-1"
    assert body["timestamp"] == body["created_at"]
    assert body["created_at"].endswith("Z")
    assert await Message.all().count() == 1


async def test_retry_with_other_content_returns_the_stored_message(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    created = await send_rest(client, alice, bob, "first text", client_id="r-1")
    retried = await send_rest(client, alice, carol, "other text", client_id="r-1")

    assert retried.status_code == 200, retried.text
    assert retried.json() == created.json()
    assert await history(client, carol, alice) == []
    assert await Message.all().count() == 1


async def test_ws_then_rest_with_the_same_client_id(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, alice.token) as a:
        ack = await send_ws(a, bob, "hello", client_id="both-ways")
        retried = await send_rest(client, alice, bob, "hello", client_id="both-ways")
        await ping_pong(a)  # the REST retry sent no copy to the sender's socket either

    assert retried.status_code == 200, retried.text
    body = retried.json()
    assert (body["id"], body["seq"], body["conversation_id"]) == (
        ack["message_id"],
        ack["seq"],
        ack["conversation_id"],
    )
    assert body["created_at"] == ack["created_at"]
    assert await Message.all().count() == 1


async def test_rest_then_ws_with_the_same_client_id(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    created = await send_rest(client, alice, bob, "hello", client_id="both-ways")
    assert created.status_code == 201, created.text
    async with open_ws(server, alice.token) as a:
        ack = await send_ws(a, bob, "hello", client_id="both-ways")
    assert ack["message_id"] == created.json()["id"]
    assert ack["seq"] == created.json()["seq"]
    assert await Message.all().count() == 1


async def test_client_id_belongs_to_its_sender(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    mine = await send_rest(client, alice, bob, "from alice", client_id="same-key")
    theirs = await send_rest(client, bob, alice, "from bob", client_id="same-key")

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert [m["message"] for m in await history(client, alice, bob)] == ["from bob", "from alice"]


async def test_ten_concurrent_sends_with_one_client_id(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    frame = {"type": "message", "receiver_id": bob.id, "message": "once", "client_id": "race"}

    async with (
        open_ws(server, alice.token) as s1,
        open_ws(server, alice.token) as s2,
        open_ws(server, alice.token) as s3,
        open_ws(server, bob.token) as b,
    ):
        sockets = [s1, s2, s3, s1, s2, s3]  # six frames over three sockets

        async def over_ws(ws):
            await send_json(ws, frame)

        async def over_rest():
            return await send_rest(client, alice, bob, "once", client_id="race")

        results = await asyncio.gather(
            *(over_ws(ws) for ws in sockets), *(over_rest() for _ in range(4))
        )
        acks = [await until(ws, "ack") for ws in sockets]
        delivered = await expect(b, "message")
        await send_ws(s1, bob, "after", client_id="after")
        following = await until(b, "message")

    responses = results[len(sockets) :]
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    ids = {ack["message_id"] for ack in acks} | {r.json()["id"] for r in responses}
    assert len(ids) == 1, ids
    assert {ack["seq"] for ack in acks} | {r.json()["seq"] for r in responses} == {1}
    # at most one of the four REST answers can be the one that stored it
    assert sum(r.status_code == 201 for r in responses) <= 1
    assert await Message.filter(client_id="race").count() == 1
    # delivered once: bob's next message is the one sent afterwards
    assert delivered["id"] in ids
    assert following["message"] == "after" and following["seq"] == 2
