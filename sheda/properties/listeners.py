"""What the properties domain does when other domains announce something."""

from __future__ import annotations

from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.events import EventBus
from sheda.properties.models import Property
from sheda.users.events import AccountClosed


async def hide_listings_of_closed_account(event: AccountClosed, rt: Runtime) -> None:
    # An agent who left takes their listings off the market: nobody could answer.
    await Property.filter(agent_id=event.user_id, is_active=True).update(
        is_active=False, updated_at=utcnow()
    )


def subscribe(bus: EventBus) -> None:
    bus.subscribe(AccountClosed, hide_listings_of_closed_account)
