"""Listings: create, read, change, delete, favourites, moderation, guided search."""

from __future__ import annotations

from contextlib import suppress
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Avg, Count
from tortoise.transactions import in_transaction

from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.events import announce, publish
from sheda.common.pagination import newest_first
from sheda.common.schemas import Page, PageQuery
from sheda.errors import Conflict, Forbidden, NotFound
from sheda.properties import search
from sheda.properties.derived import derived_columns
from sheda.properties.events import ListingRemoved, ListingStatusChanging
from sheda.properties.models import (
    Favorite,
    Property,
    PropertyImage,
    PropertyStatus,
)
from sheda.properties.policy import is_admin, owned_property, visible_property
from sheda.properties.schemas import (
    GuidedPage,
    GuidedSearchIn,
    PriceComparison,
    PropertyCreate,
    PropertyDetailOut,
    PropertyOut,
    PropertyPatch,
    PropertyQuery,
)
from sheda.properties.serialize import properties_out, property_out
from sheda.users import service as users
from sheda.users.principal import Principal

TWO_PLACES = Decimal("0.01")


async def create(*, caller: Principal, data: PropertyCreate) -> PropertyOut:
    values: dict[str, Any] = data.model_dump()
    values["amenities"] = sorted(data.amenities)
    values |= derived_columns(
        title=data.title,
        description=data.description,
        address=data.address,
        city=data.city,
        state=data.state,
    )
    row = await Property.create(**values, agent_id=caller.id)
    return await property_out(row)


async def count_active_listings(agent_id: int) -> int:
    return await Property.filter(agent_id=agent_id, is_active=True).count()


async def detail(
    *, property_id: int, caller: Principal | None, online: users.OnlineLookup
) -> PropertyDetailOut:
    row = await visible_property(property_id=property_id, caller=caller)
    out = await property_out(row)
    agent = await users.public_profile(
        user_id=row.agent_id,
        online=online,
        listings_count=count_active_listings,
        include_inactive=True,
    )
    return PropertyDetailOut(
        **out.model_dump(), agent=agent, price_comparison=await _price_comparison(row)
    )


async def _price_comparison(row: Property) -> PriceComparison:
    """Peers: other active, available listings of the same city, type and listing type."""
    peers = (
        Property.filter(
            is_active=True,
            status=PropertyStatus.AVAILABLE,
            city_key=row.city_key,
            property_type=row.property_type,
            listing_type=row.listing_type,
        )
        .exclude(id=row.id)
        .annotate(similar=Count("id"), average=Avg("price"))
        .values("similar", "average")
    )
    stats = (await peers)[0]
    similar = int(stats["similar"] or 0)
    if not similar or stats["average"] is None:
        return PriceComparison(similar_count=0, average_price=None, position=None)
    average = Decimal(str(stats["average"])).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    if row.price < average * Decimal("0.9"):
        position = "below"
    elif row.price > average * Decimal("1.1"):
        position = "above"
    else:
        position = "average"
    return PriceComparison(similar_count=similar, average_price=average, position=position)


STATUS_HELD = "A contract on this listing is pending or active; its status cannot change now"
REMOVAL_HELD = "A contract on this listing is pending or active; it cannot be deleted"


async def update(
    *, rt: Runtime, caller: Principal, property_id: int, changes: PropertyPatch
) -> PropertyOut:
    row = await owned_property(property_id=property_id, caller=caller)
    data: dict[str, Any] = changes.model_dump(exclude_unset=True)
    if "amenities" in data:
        names = data.pop("amenities")
        if names is not None:  # null leaves them as they are
            data["amenities"] = sorted(names)
    if "status" in data:
        if row.status == PropertyStatus.PENDING:
            raise Conflict(STATUS_HELD)
        await announce(rt, ListingStatusChanging(property_id=row.id))  # a deal may refuse
    if {"title", "description", "address", "city", "state"} & data.keys():
        data.update(
            derived_columns(
                title=data.get("title", row.title),
                description=data.get("description", row.description),
                address=data.get("address", row.address),
                city=data.get("city", row.city),
                state=data.get("state", row.state),
            )
        )
    if data:
        # On the status we read: a contract created meanwhile (available → pending)
        # makes this a 409 instead of being overwritten.
        moved = await Property.filter(id=row.id, status=row.status).update(
            **data, updated_at=utcnow()
        )
        if not moved:
            raise Conflict("The listing changed meanwhile (a deal started?); reload it")
    return await property_out(await Property.get(id=row.id))


async def delete(*, rt: Runtime, caller: Principal, property_id: int) -> None:
    row = await visible_property(property_id=property_id, caller=caller)
    if not is_admin(caller) and row.agent_id != caller.id:
        raise Forbidden("Only the listing's agent or an admin may delete it")
    if row.status == PropertyStatus.PENDING:
        raise Conflict(REMOVAL_HELD)
    urls = await PropertyImage.filter(property_id=row.id).values_list("url", flat=True)
    async with in_transaction():
        # A deal in progress refuses (409); the listing's viewings are canceled.
        settle = await publish(rt, ListingRemoved(property_id=row.id, title=row.title))
        # On the status we read: a contract created meanwhile makes the listing pending.
        if not await Property.filter(id=row.id, status=row.status).delete():
            raise Conflict("The listing changed meanwhile (a deal started?); reload it")
    await settle()
    for url in urls:  # files after the rows: a failed unlink leaves a stray file, not a hole
        await rt.media.delete_url(str(url))


async def moderate(*, property_id: int, is_active: bool) -> PropertyOut:
    """Admins hide or show any listing."""
    if not await Property.filter(id=property_id).update(is_active=is_active, updated_at=utcnow()):
        raise NotFound("No such property")
    return await property_out(await Property.get(id=property_id))


async def guided(*, data: GuidedSearchIn, page: PageQuery) -> GuidedPage:
    query = PropertyQuery(
        listing_type=data.listing_type,
        min_price=data.budget_min,
        max_price=data.budget_max,
        property_type=data.property_type,
        min_bedrooms=data.bedrooms,
        city=data.city,
        limit=page.limit,
        cursor=page.cursor,
    )
    items, next_cursor = await search.search(query)
    return GuidedPage(items=items, next_cursor=next_cursor, filters_applied=search.applied(query))


# --- favourites ---------------------------------------------------------------------------------


async def add_favorite(*, caller: Principal, property_id: int) -> None:
    await visible_property(property_id=property_id, caller=caller)
    with suppress(IntegrityError):  # already a favourite: the call is idempotent
        await Favorite.create(user_id=caller.id, property_id=property_id)


async def remove_favorite(*, caller: Principal, property_id: int) -> None:
    await Favorite.filter(user_id=caller.id, property_id=property_id).delete()


async def favorites(*, caller: Principal, page: PageQuery) -> Page[PropertyOut]:
    """Most recently saved first; listings hidden since are left out. Three queries."""
    rows = Favorite.filter(user_id=caller.id, property__is_active=True).select_related("property")
    chosen, next_cursor = await newest_first(rows, limit=page.limit, cursor=page.cursor)
    items = await properties_out([fav.property for fav in chosen])
    return Page[PropertyOut](items=items, next_cursor=next_cursor)
