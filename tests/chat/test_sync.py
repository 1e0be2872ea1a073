"""Reconnect and `sync` (API.md "WebSocket protocol"): the missed messages as message frames
in seq order per conversation, then `synced` naming every conversation of the user."""

from __future__ import annotations

from tests.chat.helpers import (
    MESSAGE_FRAME_KEYS,
    expect,
    open_ws,
    person,
    ping_pong,
    recv,
    send_json,
    send_ws,
    sent,
)


async def test_sync_replays_missed_messages_then_synced(client, server):
    alice = await person(client, "alice@example.com", username="alice")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    with_bob = [await sent(client, alice, bob, f"b{n}") for n in range(4)]
    with_carol = [await sent(client, carol, bob, f"c{n}") for n in range(2)]
    bob_alice = with_bob[0]["conversation_id"]
    bob_carol = with_carol[0]["conversation_id"]

    async with open_ws(server, bob.token) as b:
        # bob saw up to seq 1 with alice and never heard of the conversation with carol
        await send_json(b, {"type": "sync", "conversations": {str(bob_alice): 1}})
        replay = [await expect(b, "message") for _ in range(3)]
        synced = await expect(b, "synced")
        await ping_pong(b)  # nothing else was replayed

    assert [(f["conversation_id"], f["seq"], f["message"]) for f in replay] == [
        (bob_alice, 2, "b1"),
        (bob_alice, 3, "b2"),
        (bob_alice, 4, "b3"),
    ]
    assert all(set(f) == MESSAGE_FRAME_KEYS for f in replay)
    assert [f["id"] for f in replay] == [m["id"] for m in with_bob[1:]]
    assert replay[0]["sender_info"] == {"id": alice.id, "username": "alice", "avatar_url": None}
    assert synced == {"type": "synced", "conversations": {str(bob_alice): 4, str(bob_carol): 2}}


async def test_sync_over_several_conversations_keeps_seq_order_in_each(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    carol = await person(client, "carol@example.com")
    # interleaved in time across the two conversations, and in both directions
    await sent(client, alice, bob, "ab1")
    await sent(client, carol, bob, "cb1")
    await sent(client, bob, alice, "ab2")
    await sent(client, carol, bob, "cb2")
    await sent(client, alice, bob, "ab3")
    await sent(client, bob, carol, "cb3")
    cid_ab = (await sent(client, alice, bob, "ab4"))["conversation_id"]
    cid_cb = (await sent(client, carol, bob, "cb4"))["conversation_id"]

    async with open_ws(server, bob.token) as b:
        await send_json(b, {"type": "sync", "conversations": {str(cid_ab): 0, str(cid_cb): 2}})
        frames = []
        while (frame := await recv(b))["type"] == "message":
            frames.append(frame)
    assert frame == {"type": "synced", "conversations": {str(cid_ab): 4, str(cid_cb): 4}}

    def seqs(conversation_id):
        return [f["seq"] for f in frames if f["conversation_id"] == conversation_id]

    assert seqs(cid_ab) == [1, 2, 3, 4]
    assert seqs(cid_cb) == [3, 4]
    assert len(frames) == 6
    assert [f["message"] for f in frames if f["conversation_id"] == cid_cb] == ["cb3", "cb4"]


async def test_sync_when_up_to_date_or_empty(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    loner = await person(client, "loner@example.com")
    cid = (await sent(client, alice, bob, "hi"))["conversation_id"]

    async with open_ws(server, bob.token) as b, open_ws(server, loner.token) as n:
        await send_json(b, {"type": "sync", "conversations": {str(cid): 1}})
        assert await recv(b) == {"type": "synced", "conversations": {str(cid): 1}}
        await send_json(b, {"type": "sync", "conversations": {}})
        assert await recv(b) == {"type": "synced", "conversations": {str(cid): 1}}
        await send_json(n, {"type": "sync", "conversations": {}})
        assert await recv(n) == {"type": "synced", "conversations": {}}


async def test_sync_does_not_replay_another_pairs_conversation(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    eve = await person(client, "eve@example.com")
    private = (await sent(client, alice, bob, "secret"))["conversation_id"]

    async with open_ws(server, eve.token) as e:
        await send_json(e, {"type": "sync", "conversations": {str(private): 0}})
        assert await recv(e) == {"type": "synced", "conversations": {}}


async def test_reconnect_and_sync_catches_up(client, server):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    async with open_ws(server, alice.token) as a, open_ws(server, bob.token) as b:
        ack = await send_ws(a, bob, "before")
        seen = (await expect(b, "message"))["seq"]
    # bob is away; alice keeps writing
    async with open_ws(server, alice.token) as a:
        for n in range(3):
            await send_ws(a, bob, f"while away {n}")
    async with open_ws(server, bob.token) as b:
        await send_json(b, {"type": "sync", "conversations": {str(ack["conversation_id"]): seen}})
        missed = [await expect(b, "message") for _ in range(3)]
        synced = await expect(b, "synced")
    assert [f["message"] for f in missed] == [f"while away {n}" for n in range(3)]
    assert [f["seq"] for f in missed] == [2, 3, 4]
    assert synced["conversations"] == {str(ack["conversation_id"]): 4}
