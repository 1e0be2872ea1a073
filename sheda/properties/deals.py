"""A deal's hold on a listing. Only the listings domain writes a listing's status; the
contracts domain asks through these calls, inside its own transaction. Each is a
conditional UPDATE, so two deals cannot both take one listing."""

from __future__ import annotations

from sheda.common.clock import utcnow
from sheda.properties.models import ListingType, Property, PropertyStatus

# What a deal may have put a listing in; a release only undoes those.
_HELD = (PropertyStatus.PENDING, PropertyStatus.RENTED, PropertyStatus.SOLD)


async def hold(property_id: int) -> bool:
    """Available and listed → pending. False when it is not (another deal, or hidden).
    On PostgreSQL the UPDATE also makes a concurrent creator wait on the row and then find
    it pending."""
    taken = await Property.filter(
        id=property_id, status=PropertyStatus.AVAILABLE, is_active=True
    ).update(status=PropertyStatus.PENDING, updated_at=utcnow())
    return bool(taken)


async def settle(property_id: int, listing_type: ListingType) -> None:
    """The deal is done: pending → rented or sold."""
    taken = PropertyStatus.RENTED if listing_type == ListingType.RENT else PropertyStatus.SOLD
    await Property.filter(id=property_id, status=PropertyStatus.PENDING).update(
        status=taken, updated_at=utcnow()
    )


async def release(property_id: int) -> None:
    """The deal ended without a sale (declined, canceled, expired): back to available, but
    only from a state a deal put it in, never over an agent's own change."""
    await Property.filter(id=property_id, status__in=_HELD).update(
        status=PropertyStatus.AVAILABLE, updated_at=utcnow()
    )
