"""Reading the record: history, conversation lists, unread counts, read receipts, sync.

Every function runs a fixed number of queries whatever the number of conversations or
messages (members, their last messages, users and listings are each fetched in one go)."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from sheda.chat.frames import Frame, MessageFrame, ReadFrame, SyncedFrame
from sheda.chat.hub import Hub
from sheda.chat.models import Conversation, Message
from sheda.chat.schemas import (
    ConversationOut,
    ConversationQuery,
    HistoryQuery,
    MessageOut,
    OtherUser,
    UnreadOut,
)
from sheda.chat.service import (
    SYNC_LIMIT,
    member_conversation,
    message_out,
    other_member,
    pair_conversation,
    read_column,
)
from sheda.common.clock import utcnow
from sheda.common.context import Presence
from sheda.common.pagination import cursor_id, decode_cursor, encode_cursor
from sheda.common.schemas import Page
from sheda.errors import FieldError, NotFound
from sheda.properties.models import Property
from sheda.users.models import User


def _mine(user_id: int) -> Q:
    return Q(user_low_id=user_id) | Q(user_high_id=user_id)


def _my_read(conversation: Conversation, user_id: int) -> int:
    return int(getattr(conversation, read_column(conversation, user_id)))


async def history(*, user_id: int, other_id: int, query: HistoryQuery) -> list[MessageOut]:
    """Newest first with offset/limit; with ``after_seq``, what came after it, oldest first."""
    conversation = await pair_conversation(user_id, other_id)
    if conversation is None:
        # No messages with someone who exists; nobody to have messages with is a 404, as
        # on every route that names a user.
        if not await User.exists(id=other_id):
            raise NotFound("No such user")
        return []
    rows = Message.filter(conversation_id=conversation.id)
    if query.after_seq is not None:
        rows = rows.filter(seq__gt=query.after_seq).order_by("seq")
    else:
        rows = rows.order_by("-seq").offset(query.offset)
    return [message_out(row) for row in await rows.limit(query.limit)]


async def conversations(
    *, user_id: int, query: ConversationQuery, presence: Presence
) -> Page[ConversationOut]:
    """Most recent first (keyset on last activity, then id). Five queries a page."""
    rows = Conversation.filter(_mine(user_id), last_message_at__isnull=False)
    if query.cursor:
        raw_at, raw_id = decode_cursor(query.cursor, 2)
        last_id = cursor_id(raw_id)
        last_at = _cursor_time(raw_at)
        rows = rows.filter(
            Q(last_message_at__lt=last_at) | Q(last_message_at=last_at, id__lt=last_id)
        )
    found = await rows.order_by("-last_message_at", "-id").limit(query.limit + 1)
    page = found[: query.limit]
    if not page:
        return Page[ConversationOut](items=[], next_cursor=None)
    others = {c.id: other_member(c, user_id) for c in page}
    users = {u.id: u for u in await User.filter(id__in=set(others.values()))}
    last_filter = Q()
    for c in page:
        last_filter |= Q(conversation_id=c.id, seq=c.last_seq)
    last = {m.conversation_id: m for m in await Message.filter(last_filter)}
    property_ids = {c.property_id for c in page if c.property_id}
    titles = dict(
        await Property.filter(id__in=property_ids).values_list("id", "title")
    ) if property_ids else {}
    online = await presence.online(list(set(others.values())))
    items = []
    for c in page:
        other = users.get(others[c.id])
        pid = c.property_id
        items.append(
            ConversationOut(
                conversation_id=c.id,
                other_user=OtherUser(
                    id=others[c.id],
                    username=other.username if other else None,
                    fullname=other.fullname if other else None,
                    avatar_url=other.avatar_url if other else None,
                    online=online.get(others[c.id], False),
                ),
                last_message=message_out(last[c.id]) if c.id in last else None,
                last_seq=c.last_seq,
                unread_count=max(0, c.last_seq - _my_read(c, user_id)),
                property={"id": pid, "title": titles[pid]} if pid in titles else None,
            )
        )
    more = len(found) > query.limit
    tail = page[-1]
    cursor = (
        encode_cursor(tail.last_message_at.isoformat(), tail.id)
        if more and tail.last_message_at
        else None
    )
    return Page[ConversationOut](items=items, next_cursor=cursor)


def _cursor_time(value: object) -> datetime:
    # Compared as a datetime, not as the string: the database compares its own datetime
    # type (PostgreSQL refuses the text; SQLite would compare it character by character).
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FieldError.one("query.cursor", "The cursor is not valid")
    return moment


async def unread(*, user_id: int) -> UnreadOut:
    rows = await Conversation.filter(_mine(user_id), last_seq__gt=0).only(
        "id", "user_low_id", "user_high_id", "last_seq", "low_read_seq", "high_read_seq"
    )
    counts = [max(0, c.last_seq - _my_read(c, user_id)) for c in rows]
    return UnreadOut(
        total_unread=sum(counts), conversations_with_unread=sum(1 for n in counts if n)
    )


async def mark_read(*, hub: Hub, user_id: int, conversation_id: int, up_to_seq: int) -> None:
    """Move the reader's horizon forward (never back) and tell the other member."""
    conversation = await member_conversation(conversation_id=conversation_id, user_id=user_id)
    up_to = min(up_to_seq, conversation.last_seq)
    column = read_column(conversation, user_id)
    moved = await Conversation.filter(id=conversation.id, **{f"{column}__lt": up_to}).update(
        **{column: up_to}
    )
    await Message.filter(
        conversation_id=conversation.id, receiver_id=user_id, seq__lte=up_to, read_at=None
    ).update(read_at=utcnow())
    if moved:
        await hub.send(
            other_member(conversation, user_id),
            ReadFrame(conversation_id=conversation.id, reader_id=user_id, up_to_seq=up_to),
        )


async def sync_frames(*, user_id: int, seen: dict[int, int]) -> list[Frame]:
    """Missed messages of the named conversations as message frames in seq order, then
    ``synced`` with the last seq of every conversation of the user."""
    mine = await Conversation.filter(_mine(user_id)).values_list("id", "last_seq")
    last_seq = {int(cid): int(seq) for cid, seq in mine}
    wanted = Q()
    any_wanted = False
    for cid, seen_seq in seen.items():
        if cid in last_seq and last_seq[cid] > seen_seq:
            wanted |= Q(conversation_id=cid, seq__gt=seen_seq)
            any_wanted = True
    frames: list[Frame] = []
    if any_wanted:
        missed = await Message.filter(wanted).order_by("conversation_id", "seq").limit(SYNC_LIMIT)
        senders = {
            u.id: u
            for u in await User.filter(id__in={m.sender_id for m in missed})
        }
        for row in missed:
            frames.append(MessageFrame.of(message_out(row), senders[row.sender_id]))
    frames.append(SyncedFrame(conversations={str(k): v for k, v in last_seq.items()}))
    return frames
