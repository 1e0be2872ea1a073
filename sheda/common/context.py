"""What services need from the running app, passed to them explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from sheda.chat.hub import Hub
from sheda.chat.presence import Presence
from sheda.chat.tickets import TicketStore
from sheda.common.storage import MediaStore
from sheda.config import Settings
from sheda.mail.service import Mailer
from sheda.security.rate_limit import RateLimiter

if TYPE_CHECKING:
    from sheda.notifications.schemas import NotificationOut

# Called with (user_id, notification) after a notification is stored; the hub pushes it.
NotificationListener = Callable[[int, "NotificationOut"], Awaitable[None]]


@dataclass
class Runtime:
    settings: Settings
    limiter: RateLimiter
    mailer: Mailer
    media: MediaStore
    hub: Hub
    presence: Presence
    tickets: TicketStore
    redis: Redis | None = None
    notification_listeners: list[NotificationListener] = field(default_factory=list)
