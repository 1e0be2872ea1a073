"""Frames over the chat socket (API.md "WebSocket protocol"): messages and acks, seq,
listings named in a message, typing, read receipts and ping."""

from __future__ import annotations

from sheda.chat.models import Message
from tests.chat.helpers import (
    ACK_KEYS,
    MESSAGE_FRAME_KEYS,
    SENDER_INFO_KEYS,
    create_listing,
    expect,
    history,
    open_ws,
    person,
    ping_pong,
    send_json,
    send_ws,
    sent,
    unread,
)


async def test_original_frame_without_type_is_a_message(client, server):
    alice = await person(client, "alice@example.com", username="alice")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        await send_json(a, {"receiver_id": bob.id, "message": "Hello there!"})

        ack = await expect(a, "ack")
        frame = await expect(b, "message")

    assert set(ack) == ACK_KEYS
    assert ack["status"] == "sent"
    assert ack["client_id"] is None and ack["property_id"] is None
    assert set(frame) == MESSAGE_FRAME_KEYS
    assert set(frame["sender_info"]) == SENDER_INFO_KEYS
    assert frame["sender_info"] == {"id": alice.id, "username": "alice", "avatar_url": None}
    assert frame["receiver_id"] == bob.id
    assert frame["message"] == "Hello there!"
    assert frame["property_id"] is None and frame["client_id"] is None
    assert frame["seq"] == ack["seq"] == 1
    assert frame["id"] == ack["message_id"]
    assert frame["conversation_id"] == ack["conversation_id"]
    assert frame["created_at"] == ack["created_at"]
    assert frame["created_at"].endswith("Z")
    stored = await Message.get(id=ack["message_id"])
    assert (stored.sender_id, stored.receiver_id, stored.body) == (alice.id, bob.id, "Hello there!")


async def test_message_goes_to_receiver_and_senders_other_sockets_ack_to_sender(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    async with (
        open_ws(server, alice.token) as phone,
        open_ws(server, alice.token) as tab,
        open_ws(server, bob.token) as b1,
        open_ws(server, bob.token) as b2,
    ):
        ack = await send_ws(phone, bob, "on my way", client_id="c-1")

        seen = [await expect(ws, "message") for ws in (tab, b1, b2)]
        # the ack went to the sending socket only; the others got nothing before the message
        assert seen[0] == seen[1] == seen[2]
        # the sending socket gets no copy of its own message: only the pong comes next
        # (the copies above were dispatched together with any copy for it)
        await ping_pong(phone)
        for ws in (tab, b1, b2):
            await ping_pong(ws)  # and no ack or second copy was queued for the others

    assert set(ack) == ACK_KEYS
    assert ack["client_id"] == "c-1"
    frame = seen[0]
    assert frame["client_id"] == "c-1"
    assert frame["id"] == ack["message_id"]
    assert frame["seq"] == ack["seq"]


async def test_ack_comes_after_the_commit(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, alice.token) as a:
        ack = await send_ws(a, bob, "stored first")
        # the moment the ack is read, another connection sees the row
        body = await history(client, bob, alice)
    assert [m["id"] for m in body] == [ack["message_id"]]


async def test_seq_counts_without_gaps_in_both_directions(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        acks = [await send_ws(a, bob, "a1"), await send_ws(a, bob, "a2")]
        acks.append(await send_ws(b, alice, "b1"))
        await sent(client, alice, bob, "a3 over REST")
        acks.append(await send_ws(b, alice, "b2"))
        other = await send_ws(a, carol, "to carol")

    assert [ack["seq"] for ack in acks] == [1, 2, 3, 5]
    assert len({ack["conversation_id"] for ack in acks}) == 1
    # another pair has its own conversation and its own count
    assert other["seq"] == 1
    assert other["conversation_id"] != acks[0]["conversation_id"]
    rows = await history(client, alice, bob, after_seq=0)
    assert [(m["seq"], m["message"]) for m in rows] == [
        (1, "a1"),
        (2, "a2"),
        (3, "b1"),
        (4, "a3 over REST"),
        (5, "b2"),
    ]


async def test_receiver_sees_seq_in_order(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        for n in range(8):
            await send_json(a, {"receiver_id": bob.id, "message": f"m{n}"})
        frames = [await expect(b, "message") for _ in range(8)]
    assert [f["seq"] for f in frames] == list(range(1, 9))
    assert [f["message"] for f in frames] == [f"m{n}" for n in range(8)]


async def test_message_about_a_listing(client, server):
    agent = await person(client, "agent@example.com", user_type="agent")
    buyer = await person(client, "buyer@example.com")
    listing = await create_listing(client, agent)
    async with open_ws(server, buyer.token) as b, open_ws(server, agent.token) as g:
        ack = await send_ws(b, agent, "Is it available?", property_id=listing["id"])
        frame = await expect(g, "message")
    assert frame["property_id"] == ack["property_id"] == listing["id"]
    assert (await Message.get(id=ack["message_id"])).property_id == listing["id"]


async def test_unknown_listing_is_an_error_frame(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, alice.token) as a:
        await send_json(
            a, {"receiver_id": bob.id, "message": "hi", "property_id": 999999, "client_id": "k"}
        )
        error = await expect(a, "error")
        await ping_pong(a)
    assert error["code"] == "not_found"
    assert error["client_id"] == "k"
    assert not await Message.exists()


async def test_unknown_receiver_is_an_error_frame(client, server):
    alice = await person(client, "alice@example.com")
    async with open_ws(server, alice.token) as a:
        await send_json(a, {"receiver_id": 999999, "message": "hi"})
        error = await expect(a, "error")
        await ping_pong(a)
    assert error["code"] == "not_found"
    assert not await Message.exists()


async def test_typing_reaches_the_receiver(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    first = await sent(client, bob, alice, "hi")
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        await send_json(a, {"type": "typing", "receiver_id": bob.id})
        frame = await expect(b, "typing")
        await ping_pong(a)  # the typist gets nothing back
    assert frame == {
        "type": "typing",
        "sender_id": alice.id,
        "conversation_id": first["conversation_id"],
    }


async def test_read_frame_tells_the_other_member(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    for n in range(3):
        last = await sent(client, alice, bob, f"m{n}")
    conversation_id = last["conversation_id"]
    assert await unread(client, bob) == {"total_unread": 3, "conversations_with_unread": 1}
    assert await unread(client, alice) == {"total_unread": 0, "conversations_with_unread": 0}

    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        await send_json(b, {"type": "read", "conversation_id": conversation_id, "up_to_seq": 2})
        receipt = await expect(a, "read")
        assert await unread(client, bob) == {"total_unread": 1, "conversations_with_unread": 1}

        await send_json(b, {"type": "read", "conversation_id": conversation_id, "up_to_seq": 3})
        assert (await expect(a, "read"))["up_to_seq"] == 3
        await ping_pong(b)  # the reader gets no receipt of its own

    assert receipt == {
        "type": "read",
        "conversation_id": conversation_id,
        "reader_id": bob.id,
        "up_to_seq": 2,
    }
    assert await unread(client, bob) == {"total_unread": 0, "conversations_with_unread": 0}
    read = [m["read_at"] for m in await history(client, alice, bob, after_seq=0)]
    assert all(isinstance(at, str) and at.endswith("Z") for at in read), read


async def test_ping_pong(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        for _ in range(3):
            await ping_pong(ws)
