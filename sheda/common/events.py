"""Domain events: a domain says what happened to its own rows; the domains that own the
consequences react. The one that speaks does not know who listens, so a reaction may live
in a domain above it in the layers (pyproject.toml) without an import pointing up.

An event is a frozen dataclass defined by the domain that publishes it (``events.py``).
Each domain that reacts subscribes in its ``listeners.py``; ``sheda.runtime`` wires them
all when it builds the runtime, the same in the server's workers and the background loop.

A handler runs when the event is published, inside the publisher's transaction if it has
one, so its own changes commit or roll back with the publisher's. What must wait for the
commit (notifying people, closing sockets, deleting files) it returns as a follow-up:
``publish`` hands back one call that runs them all, for the publisher to make after the
commit. ``announce`` is publish-and-follow-up at once, for events outside a transaction.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sheda.common.context import Runtime

logger = logging.getLogger("sheda.events")

FollowUp = Callable[[], Awaitable[None]]
E = TypeVar("E")
Handler = Callable[[E, "Runtime"], Awaitable[FollowUp | None]]


class EventBus:
    """Who listens to which event type, in the order they subscribed."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type[Any], list[Handler[Any]]] = defaultdict(list)

    def subscribe(self, kind: type[E], handler: Handler[E]) -> None:
        self._handlers[kind].append(handler)

    def handlers(self, kind: type[Any]) -> list[Handler[Any]]:
        return list(self._handlers.get(kind, ()))


async def publish(rt: Runtime, event: object) -> FollowUp:
    """Run every handler of ``event`` now; a handler's error propagates (the publisher's
    transaction rolls back). Returns the follow-ups, to be awaited after the commit."""
    follow_ups = [
        follow_up
        for handler in rt.events.handlers(type(event))
        if (follow_up := await handler(event, rt)) is not None
    ]

    async def run() -> None:
        for follow_up in follow_ups:
            try:
                await follow_up()
            except Exception:  # the change is committed; one failed side effect must not undo it
                logger.exception("a follow-up of %s failed", type(event).__name__)

    return run


async def announce(rt: Runtime, event: object) -> None:
    """Publish an event that is not part of a transaction and run its follow-ups at once."""
    await (await publish(rt, event))()
