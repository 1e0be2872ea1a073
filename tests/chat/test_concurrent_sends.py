"""Concurrent sends in one conversation (DESIGN.md "The real-time hub"): seqs count 1, 2,
3... without a gap or a repeat however the sends interleave, the two members' first
messages at once make one conversation, and each sender's read horizon covers its own
messages. On PostgreSQL each send is one statement (chat/store.py); on SQLite the ORM's
transaction."""

from __future__ import annotations

import asyncio

from sheda.chat.models import Conversation, Message
from tests.chat.helpers import person, sent, unread


async def test_thirty_concurrent_sends_from_both_sides(client):
    alice = await person(client, "alice@example.com")
    bob = await person(client, "bob@example.com")
    sends = [
        sent(client, alice if n % 2 else bob, bob if n % 2 else alice, f"m{n}") for n in range(30)
    ]
    bodies = await asyncio.gather(*sends)  # the conversation does not exist yet

    assert sorted(b["seq"] for b in bodies) == list(range(1, 31))
    assert len({b["conversation_id"] for b in bodies}) == 1
    (conversation,) = await Conversation.all()
    assert conversation.last_seq == 30
    rows = await Message.filter(conversation_id=conversation.id).order_by("seq")
    assert [r.seq for r in rows] == list(range(1, 31))
    assert sorted(r.body for r in rows) == sorted(f"m{n}" for n in range(30))
    # each member has read up to their own latest message
    last_by = {
        who.id: max(b["seq"] for b in bodies if b["sender_id"] == who.id) for who in (alice, bob)
    }
    assert (await unread(client, alice))["total_unread"] == 30 - last_by[alice.id]
    assert (await unread(client, bob))["total_unread"] == 30 - last_by[bob.id]
