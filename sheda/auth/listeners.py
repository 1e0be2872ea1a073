"""What auth does when other domains announce something."""

from __future__ import annotations

from sheda.auth.service import end_sessions
from sheda.common.context import Runtime
from sheda.common.events import EventBus, FollowUp
from sheda.users.events import AccountClosed


async def end_sessions_of_closed_account(event: AccountClosed, rt: Runtime) -> FollowUp:
    return await end_sessions(rt, user_id=event.user_id, reason="account_deleted")


def subscribe(bus: EventBus) -> None:
    bus.subscribe(AccountClosed, end_sessions_of_closed_account)
