"""notify(): the one call every domain uses to tell a user something happened.

It stores the notification (so an offline user sees it later) and then announces it
(``NotificationStored``); the chat domain listens and pushes a ``notification`` frame to
the user's sockets.
"""

from __future__ import annotations

from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.events import announce
from sheda.common.pagination import newest_first
from sheda.errors import NotFound
from sheda.notifications.events import NotificationStored
from sheda.notifications.models import Notification
from sheda.notifications.schemas import (
    EventData,
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    events_of,
    notification_of,
)


async def notify(*, rt: Runtime, user_id: int, event: str, data: EventData) -> NotificationOut:
    """Store, then push. Callers notify after their own transaction has committed, so a
    pushed notification always names rows that exist. An event whose ``data`` is not its
    shape (schemas.py) fails here, before anything is stored."""
    if event not in events_of(data):
        raise ValueError(f"{event!r} does not carry {type(data).__name__}")
    row = await Notification.create(user_id=user_id, event=event, data=data.model_dump())
    out = notification_of(row)
    # A failed push does not fail the action (announce logs it): the row is stored.
    await announce(rt, NotificationStored(user_id=user_id, notification=out))
    return out


async def list_mine(*, user_id: int, query: NotificationQuery) -> NotificationPage:
    rows = Notification.filter(user_id=user_id)
    if query.unread:
        rows = rows.filter(read_at=None)
    page, next_cursor = await newest_first(rows, limit=query.limit, cursor=query.cursor)
    return NotificationPage(items=[notification_of(n) for n in page], next_cursor=next_cursor)


async def mark_read(*, user_id: int, notification_id: int) -> None:
    """Idempotent; another user's notification is 404, like one that does not exist."""
    if not await Notification.exists(id=notification_id, user_id=user_id):
        raise NotFound("No such notification")
    await Notification.filter(id=notification_id, read_at=None).update(read_at=utcnow())


async def mark_all_read(*, user_id: int) -> None:
    await Notification.filter(user_id=user_id, read_at=None).update(read_at=utcnow())
