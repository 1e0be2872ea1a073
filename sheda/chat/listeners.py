"""What chat does when other domains announce something."""

from __future__ import annotations

from sheda.chat.frames import notification_frame
from sheda.chat.hub import hub_of
from sheda.common.context import Runtime
from sheda.common.events import EventBus, FollowUp
from sheda.notifications.events import NotificationStored


async def push_notification(event: NotificationStored, rt: Runtime) -> FollowUp:
    """Every stored notification also goes to the user's sockets, over the same fan-out as
    messages."""
    frame = notification_frame(event.notification)

    async def push() -> None:
        await hub_of(rt).send(event.user_id, frame)

    return push


def subscribe(bus: EventBus) -> None:
    bus.subscribe(NotificationStored, push_notification)
