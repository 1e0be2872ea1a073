"""Who may see and work on a lead: admins every one, an agent those on their own listings.

Leads carry a visitor's contact details, so to anyone else an inquiry does not exist (404).
"""

from __future__ import annotations

from sheda.errors import Forbidden, NotFound
from sheda.inquiries.models import Inquiry
from sheda.properties.policy import is_admin
from sheda.users.principal import Principal

AGENT_SCOPE = "agent"


def lead_owner_filter(caller: Principal) -> int | None:
    """The agent whose leads the viewer may list: None for an admin (all of them), the
    viewer's own id for an agent. Anyone else has no leads to list (403)."""
    if is_admin(caller):
        return None
    if AGENT_SCOPE not in caller.scopes:
        raise Forbidden("Switch to your agent account to see inquiries")
    return caller.id


async def workable_inquiry(*, inquiry_id: int, caller: Principal) -> Inquiry:
    """The one loader for an inquiry someone wants to read or change."""
    rows = Inquiry.filter(id=inquiry_id)
    if not is_admin(caller):
        # One query, and a lead on someone else's listing looks exactly like a missing one.
        rows = rows.filter(property__agent_id=caller.id)
    found = await rows.first()
    if found is None:
        raise NotFound("No such inquiry")
    if not is_admin(caller) and AGENT_SCOPE not in caller.scopes:
        # The owner, signed in as a client: same rule as the list, and it is their own lead,
        # so saying so leaks nothing.
        raise Forbidden("Switch to your agent account to work on inquiries")
    return found
