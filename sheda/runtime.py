"""Building and closing the Runtime (DB aside): shared by the server's workers and the
background loop's own process, so both deliver notifications the same way."""

from __future__ import annotations

from sheda import redis as sheda_redis
from sheda.appointments import listeners as appointments_listeners
from sheda.auth import listeners as auth_listeners
from sheda.chat import listeners as chat_listeners
from sheda.chat.hub import Hub
from sheda.chat.presence import Presence
from sheda.chat.tickets import TicketStore
from sheda.common.context import Limiter, Runtime
from sheda.common.events import EventBus
from sheda.common.storage import MediaStore
from sheda.config import Settings
from sheda.contracts import listeners as contracts_listeners
from sheda.mail.service import Mailer
from sheda.properties import listeners as properties_listeners
from sheda.properties.service import count_active_listings
from sheda.security.rate_limit import MemoryRateLimiter, RedisRateLimiter

# The domains' reactions to each other's events (sheda/common/events.py), in this order.
SUBSCRIBERS = (
    auth_listeners.subscribe,
    properties_listeners.subscribe,
    appointments_listeners.subscribe,
    contracts_listeners.subscribe,
    chat_listeners.subscribe,
)


def event_bus() -> EventBus:
    bus = EventBus()
    for subscribe in SUBSCRIBERS:
        subscribe(bus)
    return bus


def build_runtime(settings: Settings) -> Runtime:
    """Call inside the running loop. Nothing is started: a worker then starts the hub's
    subscriber and presence heartbeats; the jobs process only publishes."""
    redis = sheda_redis.connect(settings.redis_url) if settings.redis_url else None
    limiter: Limiter = RedisRateLimiter(redis) if redis else MemoryRateLimiter()
    return Runtime(
        settings=settings,
        limiter=limiter,
        mailer=Mailer.from_settings(settings),
        media=MediaStore(settings.media_path),
        hub=Hub(redis),
        presence=Presence(redis),
        tickets=TicketStore(redis),
        count_active_listings=count_active_listings,
        redis=redis,
        events=event_bus(),
    )


async def close_runtime(runtime: Runtime, *, mail_within: float = 10.0) -> None:
    await runtime.hub.stop()
    await runtime.presence.stop()
    await runtime.mailer.drain(within=mail_within)
    if runtime.redis is not None:
        await runtime.redis.aclose()
