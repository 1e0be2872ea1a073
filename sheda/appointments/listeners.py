"""What the appointments domain does when other domains announce something."""

from __future__ import annotations

from sheda.appointments import service
from sheda.common.context import Runtime
from sheda.common.events import EventBus, FollowUp
from sheda.properties.events import ListingRemoved
from sheda.users.events import AccountClosed


async def cancel_viewings_of_closed_account(event: AccountClosed, rt: Runtime) -> FollowUp:
    async def cancel() -> None:  # after the commit: the other party is told
        await service.cancel_for_closed_account(rt=rt, user_id=event.user_id)

    return cancel


async def cancel_viewings_of_removed_listing(event: ListingRemoved, rt: Runtime) -> FollowUp:
    canceled = await service.cancel_for_listing(property_id=event.property_id)

    async def tell() -> None:  # after the commit: each client is told
        await service.tell_listing_removed(rt=rt, rows=canceled, title=event.title)

    return tell


def subscribe(bus: EventBus) -> None:
    bus.subscribe(AccountClosed, cancel_viewings_of_closed_account)
    bus.subscribe(ListingRemoved, cancel_viewings_of_removed_listing)
