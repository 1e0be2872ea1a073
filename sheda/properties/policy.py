"""Who may see and change a listing. Every property lookup goes through these loaders."""

from __future__ import annotations

from sheda.errors import Forbidden, NotFound
from sheda.properties.models import Property
from sheda.users.principal import Principal


def is_admin(caller: Principal | None) -> bool:
    return caller is not None and caller.is_admin


async def visible_property(*, property_id: int, caller: Principal | None) -> Property:
    """An active listing for anyone; an inactive one only for its owner and admins.
    Everything else is 404, so hidden listings cannot be told from missing ones."""
    found = await Property.get_or_none(id=property_id)
    if found is None:
        raise NotFound("No such property")
    if not found.is_active and not (
        caller is not None and (found.agent_id == caller.id or is_admin(caller))
    ):
        raise NotFound("No such property")
    return found


async def owned_property(*, property_id: int, caller: Principal) -> Property:
    """A listing the caller may change: 404 when they cannot see it, 403 when they can
    see it but it is someone else's."""
    found = await visible_property(property_id=property_id, caller=caller)
    if found.agent_id != caller.id:
        raise Forbidden("Only the listing's agent may change it")
    return found
