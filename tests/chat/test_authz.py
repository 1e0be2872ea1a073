"""Who may read and write what in chat: members only (another pair's conversation is 404),
the sender is always the caller, blocks refuse messages with 403, and every REST route
needs a token."""

from __future__ import annotations

import pytest

from sheda.chat.models import Conversation, Message
from tests.chat.helpers import (
    CHAT,
    ERROR_KEYS,
    expect,
    history,
    open_ws,
    person,
    ping_pong,
    recv,
    send_json,
    send_rest,
    send_ws,
    sent,
    unread,
)
from tests.support import assert_error


async def test_reading_another_pairs_conversation_is_404(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    eve = await person(client, "eve@example.com")
    private = await sent(client, alice, bob, "for bob only")
    cid = private["conversation_id"]

    async with open_ws(server, alice.token) as a:
        response = await client.post(
            f"{CHAT}/conversations/{cid}/read", json={"up_to_seq": 1}, headers=eve.headers
        )
        assert_error(response, 404, "not_found")
        # the same over the socket: an error frame, and no receipt reaches alice
        async with open_ws(server, eve.token) as e:
            await send_json(e, {"type": "read", "conversation_id": cid, "up_to_seq": 1})
            error = await expect(e, "error")
            await ping_pong(e)
        await ping_pong(a)

    assert set(error) == ERROR_KEYS
    assert error["code"] == "not_found"
    assert (await Message.get(id=private["id"])).read_at is None
    assert await unread(client, bob) == {"total_unread": 1, "conversations_with_unread": 1}
    unknown = await client.post(
        f"{CHAT}/conversations/999999/read", json={"up_to_seq": 1}, headers=eve.headers
    )
    assert_error(unknown, 404, "not_found")


async def test_member_marks_read_over_rest(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    cid = (await sent(client, alice, bob, "one"))["conversation_id"]
    await sent(client, alice, bob, "two")
    async with open_ws(server, alice.token) as a:
        response = await client.post(
            f"{CHAT}/conversations/{cid}/read", json={"up_to_seq": 2}, headers=bob.headers
        )
        assert response.status_code == 204, response.text
        receipt = await expect(a, "read")
    assert receipt == {"type": "read", "conversation_id": cid, "reader_id": bob.id, "up_to_seq": 2}
    assert await unread(client, bob) == {"total_unread": 0, "conversations_with_unread": 0}


async def test_history_shows_only_our_pair(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    await sent(client, alice, bob, "alice to bob")
    await sent(client, bob, alice, "bob to alice")
    await sent(client, bob, carol, "bob to carol")
    await sent(client, carol, bob, "carol to bob")
    await sent(client, alice, carol, "alice to carol")

    between = await history(client, alice, bob)
    assert [m["message"] for m in between] == ["bob to alice", "alice to bob"]
    assert all({m["sender_id"], m["receiver_id"]} == {alice.id, bob.id} for m in between)
    # alice asking about bob and carol's chat sees only her own with carol
    assert [m["message"] for m in await history(client, alice, carol)] == ["alice to carol"]
    nobody = await client.get(f"{CHAT}/chat-history/999999", headers=alice.headers)
    assert_error(nobody, 404, "not_found")  # as on every route that names a user
    assert [m["message"] for m in await history(client, carol, bob)] == [
        "carol to bob",
        "bob to carol",
    ]


async def test_frame_naming_another_sender_is_never_stored_as_them(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    async with open_ws(server, alice.token) as a:
        await send_json(a, {"receiver_id": bob.id, "message": "who am I", "sender_id": carol.id})
        reply = await recv(a)
        await ping_pong(a)
    assert reply["type"] in ("ack", "error"), reply
    assert not await Message.filter(sender_id=carol.id).exists()
    assert await Message.filter(receiver_id=bob.id).exclude(sender_id=alice.id).count() == 0


async def test_frame_naming_another_sender_is_sent_as_the_socket_user(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        await send_json(a, {"receiver_id": bob.id, "message": "who am I", "sender_id": carol.id})
        ack = await expect(a, "ack")
        frame = await expect(b, "message")

    assert frame["sender_info"]["id"] == alice.id
    stored = await Message.get(id=ack["message_id"])
    assert (stored.sender_id, stored.receiver_id) == (alice.id, bob.id)


async def test_rest_body_naming_a_sender_is_refused(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    response = await send_rest(client, alice, bob, "who am I", sender_id=carol.id)
    assert_error(response, 422, "validation_error")
    assert not await Message.exists()


async def test_blocked_user_cannot_send(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    await sent(client, alice, bob, "before the block")
    response = await client.post(f"{CHAT}/block/{alice.id}", headers=bob.headers)
    assert response.status_code == 204, response.text
    again = await client.post(f"{CHAT}/block/{alice.id}", headers=bob.headers)
    assert again.status_code == 204, again.text  # idempotent

    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        await send_json(a, {"receiver_id": bob.id, "message": "let me in", "client_id": "blk"})
        error = await expect(a, "error")
        await ping_pong(a)
        assert_error(await send_rest(client, alice, bob, "over REST"), 403, "forbidden")
        # nor does alice's typing reach bob; bob's own messages still go out
        await send_json(a, {"type": "typing", "receiver_id": bob.id})
        await ping_pong(a)
        await send_ws(b, alice, "I can still write")
        assert (await expect(a, "message"))["message"] == "I can still write"
        await ping_pong(b)  # no typing frame from alice was queued for bob

    assert set(error) == ERROR_KEYS
    assert error["code"] == "forbidden"
    assert error["client_id"] == "blk"
    assert await Message.filter(sender_id=alice.id).count() == 1

    response = await client.delete(f"{CHAT}/block/{alice.id}", headers=bob.headers)
    assert response.status_code == 204, response.text
    async with open_ws(server, alice.token) as a:
        ack = await send_ws(a, bob, "thanks")
    assert ack["seq"] == 3
    assert (await send_rest(client, alice, bob, "and over REST")).status_code == 201


async def test_block_is_one_way_and_per_blocker(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    response = await client.post(f"{CHAT}/block/{alice.id}", headers=bob.headers)
    assert response.status_code == 204, response.text

    assert (await send_rest(client, bob, alice, "bob may still write")).status_code == 201
    assert (await send_rest(client, alice, carol, "carol did not block")).status_code == 201
    assert_error(await send_rest(client, alice, bob, "refused"), 403, "forbidden")


async def test_blocking_unknown_user_or_self(client):
    alice = await person(client, "alice@example.com")
    assert_error(await client.post(f"{CHAT}/block/999999", headers=alice.headers), 404, "not_found")
    assert_error(
        await client.post(f"{CHAT}/block/{alice.id}", headers=alice.headers),
        422,
        "validation_error",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/conversations"),
        ("GET", "/unread-count"),
        ("GET", "/chat-history/1"),
        ("POST", "/messages"),
        ("POST", "/conversations/1/read"),
        ("POST", "/ws-ticket"),
        ("POST", "/block/1"),
        ("DELETE", "/block/1"),
    ],
)
async def test_rest_needs_a_token(client, method, path):
    body = {"receiver_id": 1, "message": "hi", "up_to_seq": 1}
    kwargs = {"json": body} if method == "POST" else {}
    assert_error(await client.request(method, f"{CHAT}{path}", **kwargs), 401, "unauthorized")
    response = await client.request(
        method, f"{CHAT}{path}", headers={"Authorization": "Bearer nope"}, **kwargs
    )
    assert_error(response, 401, "unauthorized")
    assert not await Conversation.exists()
