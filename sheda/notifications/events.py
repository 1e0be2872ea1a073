"""What the notifications domain announces."""

from __future__ import annotations

from dataclasses import dataclass

from sheda.notifications.schemas import NotificationOut


@dataclass(frozen=True)
class NotificationStored:
    """A notification was stored for ``user_id`` (chat pushes it to their sockets)."""

    user_id: int
    notification: NotificationOut
