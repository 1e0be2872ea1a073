"""Sending, reading and replaying messages. Used by the websocket and the REST routes alike.

A send is: validate → one transaction (lock the conversation row, bump ``last_seq``, insert
the message with that seq) → the caller acks → ``deliver`` publishes once per recipient.
On PostgreSQL validation and storing are one statement (store.py); SQLite uses the ORM.
A repeated ``(sender, client_id)`` returns the stored message and stores nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from sheda.chat.frames import MessageFrame, encode
from sheda.chat.hub import Hub
from sheda.chat.models import Block, Conversation, Message
from sheda.chat.schemas import MessageOut, SendIn
from sheda.chat.store import store_message
from sheda.common.clock import utcnow
from sheda.errors import FieldError, Forbidden, NotFound
from sheda.properties.models import Property
from sheda.users.models import User

SYNC_LIMIT = 1000  # messages replayed per sync; a client that is further behind syncs again


@dataclass(frozen=True)
class Sent:
    message: MessageOut
    stored_now: bool  # False: a retry of a message already stored (same client_id)


def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def other_member(conversation: Conversation, user_id: int) -> int:
    low, high = conversation.user_low_id, conversation.user_high_id
    return int(high if low == user_id else low)


def read_column(conversation: Conversation, user_id: int) -> str:
    return "low_read_seq" if conversation.user_low_id == user_id else "high_read_seq"


def message_out(row: Message) -> MessageOut:
    return MessageOut.model_validate(row)


async def member_conversation(*, conversation_id: int, user_id: int) -> Conversation:
    """The conversation when the caller is one of its two members; 404 otherwise."""
    found = await Conversation.get_or_none(
        Q(user_low_id=user_id) | Q(user_high_id=user_id), id=conversation_id
    )
    if found is None:
        raise NotFound("No such conversation")
    return found


async def pair_conversation(a: int, b: int) -> Conversation | None:
    low, high = ordered(a, b)
    return await Conversation.get_or_none(user_low_id=low, user_high_id=high)


async def _ensure_conversation(a: int, b: int) -> Conversation:
    found = await pair_conversation(a, b)
    if found is not None:
        return found
    low, high = ordered(a, b)
    try:
        return await Conversation.create(user_low_id=low, user_high_id=high)
    except IntegrityError:  # the other member's first message created it at the same time
        return await Conversation.get(user_low_id=low, user_high_id=high)


async def _stored_retry(sender_id: int, client_id: str | None) -> Message | None:
    if client_id is None:
        return None
    return await Message.get_or_none(sender_id=sender_id, client_id=client_id)


async def send(*, caller: User, data: SendIn) -> Sent:
    if data.receiver_id == caller.id:
        raise FieldError.one("body.receiver_id", "You cannot message yourself")
    if connections.get("default").capabilities.dialect == "postgres":
        return await _send_in_one_statement(caller=caller, data=data)
    return await _send_with_orm(caller=caller, data=data)


async def _send_in_one_statement(*, caller: User, data: SendIn) -> Sent:
    low, high = ordered(caller.id, data.receiver_id)
    try:
        outcome = await store_message(
            sender_id=caller.id,
            receiver_id=data.receiver_id,
            body=data.message,
            property_id=data.property_id,
            client_id=data.client_id,
            low=low,
            high=high,
            now=utcnow(),
        )
    except IntegrityError:
        # The same client_id sent twice at once: the other request stored it.
        retry = await _stored_retry(caller.id, data.client_id)
        if retry is None:
            raise
        return Sent(message_out(retry), stored_now=False)
    if outcome.message is not None:  # stored now, or the retry's stored message
        return Sent(outcome.message, stored_now=outcome.stored_now)
    # Nothing stored: say why, in the order the ORM path checks.
    if not outcome.receiver_ok:
        raise NotFound("No such receiver")
    if outcome.blocked:
        raise Forbidden("This user does not accept your messages")
    if not outcome.listing_ok:
        raise NotFound("No such property")
    raise RuntimeError("message neither stored nor refused")  # the SQL's checks above


async def _send_with_orm(*, caller: User, data: SendIn) -> Sent:
    retry = await _stored_retry(caller.id, data.client_id)
    if retry is not None:
        return Sent(message_out(retry), stored_now=False)
    if not await User.exists(id=data.receiver_id, deleted_at=None, is_active=True):
        raise NotFound("No such receiver")
    if await is_blocked(by=data.receiver_id, who=caller.id):
        raise Forbidden("This user does not accept your messages")
    if data.property_id is not None and not await Property.exists(
        id=data.property_id, is_active=True
    ):
        raise NotFound("No such property")
    conversation = await _ensure_conversation(caller.id, data.receiver_id)
    now = utcnow()
    try:
        async with in_transaction():
            # The row lock orders concurrent sends in one conversation (PostgreSQL); SQLite
            # runs one transaction at a time. UNIQUE (conversation_id, seq) backs both.
            locked = await Conversation.filter(id=conversation.id).select_for_update().get()
            seq = locked.last_seq + 1
            changes: dict[str, Any] = {
                "last_seq": seq,
                "last_message_at": now,
                read_column(locked, caller.id): seq,  # a sender has read up to its message
            }
            if data.property_id is not None:
                changes["property_id"] = data.property_id
            await Conversation.filter(id=locked.id).update(**changes)
            row = await Message.create(
                conversation_id=locked.id,
                seq=seq,
                sender_id=caller.id,
                receiver_id=data.receiver_id,
                body=data.message,
                property_id=data.property_id,
                client_id=data.client_id,
                created_at=now,
            )
    except IntegrityError:
        # The same client_id sent twice at once: the other request stored it.
        retry = await _stored_retry(caller.id, data.client_id)
        if retry is None:
            raise
        return Sent(message_out(retry), stored_now=False)
    return Sent(message_out(row), stored_now=True)


async def deliver(
    *, hub: Hub, sent: Sent, sender: User, skip_socket: str | None = None
) -> None:
    """Push a newly stored message to the receiver's sockets and the sender's other ones."""
    if not sent.stored_now:
        return  # a retry: it was delivered when it was stored
    frame = encode(MessageFrame.of(sent.message, sender))  # serialised once for everyone
    await hub.send(sent.message.receiver_id, frame)
    await hub.send(sender.id, frame, skip=skip_socket)


async def is_blocked(*, by: int, who: int) -> bool:
    return await Block.exists(blocker_id=by, blocked_id=who)


async def block(*, blocker_id: int, blocked_id: int) -> None:
    if blocked_id == blocker_id:
        raise FieldError.one("path.user_id", "You cannot block yourself")
    if not await User.exists(id=blocked_id, deleted_at=None):
        raise NotFound("No such user")
    with contextlib.suppress(IntegrityError):  # already blocked: idempotent
        await Block.create(blocker_id=blocker_id, blocked_id=blocked_id)


async def unblock(*, blocker_id: int, blocked_id: int) -> None:
    await Block.filter(blocker_id=blocker_id, blocked_id=blocked_id).delete()
