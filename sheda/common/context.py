"""What services need from the running app, passed to them explicitly (no globals).

The runtime holds each shared service as the small interface its users need (Protocols
below); the domains that implement them (chat: sockets, presence, tickets; security: rate
limits; mail) are wired in by ``sheda.runtime``, so this floor imports none of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from redis.asyncio import Redis

from sheda.common.events import EventBus
from sheda.common.sockets import Sockets
from sheda.common.storage import MediaStore
from sheda.config import RateLimit, Settings


class Limiter(Protocol):
    """Counts events per key in a sliding window (sheda.security.rate_limit)."""

    async def hit(self, key: str, rule: RateLimit) -> int | None: ...

    async def peek(self, key: str, rule: RateLimit) -> int | None: ...

    async def reset(self, key: str) -> None: ...


class Mailer(Protocol):
    """Stores a mail and sends it in the background, retrying (sheda.mail.service)."""

    def send_later(self, *, to: str, subject: str, text: str) -> None: ...

    async def retry_due(self, now: datetime) -> int: ...

    async def drain(self, *, within: float = 10.0) -> None: ...


class Presence(Protocol):
    """Who holds a socket on some worker (sheda.chat.presence)."""

    def connected(self, user_id: int) -> None: ...

    def disconnected(self, user_id: int) -> None: ...

    async def online(self, user_ids: list[int]) -> dict[int, bool]: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Tickets(Protocol):
    """Single-use websocket tickets (sheda.chat.tickets)."""

    async def issue(self, *, user_id: int, session_id: str) -> str: ...

    async def redeem(self, ticket: str) -> tuple[int, str] | None: ...


@dataclass
class Runtime:
    settings: Settings
    limiter: Limiter
    mailer: Mailer
    media: MediaStore
    hub: Sockets
    presence: Presence
    tickets: Tickets
    # The listings domain's count of an agent's active listings, for the public profile
    # (the accounts domain, below it, shows it without importing it).
    count_active_listings: Callable[[int], Awaitable[int]]
    redis: Redis | None = None
    events: EventBus = field(default_factory=EventBus)
    # Set when the worker starts shutting down: /health says so, new sockets are refused.
    draining: bool = False
