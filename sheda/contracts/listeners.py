"""What the contracts domain does when other domains announce something."""

from __future__ import annotations

from sheda.common.context import Runtime
from sheda.common.events import EventBus, FollowUp
from sheda.contracts import service
from sheda.contracts.models import OPEN, Contract
from sheda.errors import Conflict
from sheda.properties.events import ListingRemoved, ListingStatusChanging
from sheda.properties.service import REMOVAL_HELD, STATUS_HELD
from sheda.users.events import AccountClosed


async def cancel_deals_of_closed_account(event: AccountClosed, rt: Runtime) -> FollowUp:
    async def cancel() -> None:  # after the commit: the agent is told
        await service.cancel_for_closed_account(rt=rt, user_id=event.user_id)

    return cancel


async def _refuse_while_a_deal_holds(property_id: int, message: str) -> None:
    if await Contract.exists(property_id=property_id, status__in=list(OPEN)):
        raise Conflict(message)


async def keep_status_during_a_deal(event: ListingStatusChanging, rt: Runtime) -> None:
    await _refuse_while_a_deal_holds(event.property_id, STATUS_HELD)


async def keep_listing_during_a_deal(event: ListingRemoved, rt: Runtime) -> None:
    await _refuse_while_a_deal_holds(event.property_id, REMOVAL_HELD)


def subscribe(bus: EventBus) -> None:
    bus.subscribe(AccountClosed, cancel_deals_of_closed_account)
    bus.subscribe(ListingStatusChanging, keep_status_during_a_deal)
    bus.subscribe(ListingRemoved, keep_listing_during_a_deal)
