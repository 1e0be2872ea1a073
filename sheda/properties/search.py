"""Listing search: filters, the three sort orders and keyset cursors.

Cursors hold the sort key of the last row plus its id, so paging never repeats or skips a
listing, also when many share a price, and stays fast deep into the result set."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from sheda.common.pagination import cursor_id, decode_cursor, encode_cursor
from sheda.errors import FieldError
from sheda.properties.derived import place_key
from sheda.properties.models import Property, PropertyAmenity
from sheda.properties.schemas import PropertyOut, PropertyQuery, Sort
from sheda.properties.serialize import properties_out

TWO_PLACES = Decimal("0.01")
MAX_PRICE = Decimal(10) ** 12  # DECIMAL(14, 2)

ORDERING = {
    Sort.NEWEST: ("-id",),  # ids grow with creation time, and are unique: a total order
    Sort.PRICE_ASC: ("price", "id"),
    Sort.PRICE_DESC: ("-price", "-id"),
}


def filtered(query: PropertyQuery) -> QuerySet[Property]:
    rows = Property.filter(is_active=True, status=query.status)
    if query.q:
        # search_text is lower-cased title + description + address; on PostgreSQL a pg_trgm
        # index answers this LIKE (see the listings migration).
        rows = rows.filter(search_text__contains=query.q.lower())
    if query.city:
        rows = rows.filter(city_key=place_key(query.city))
    if query.state:
        rows = rows.filter(state_key=place_key(query.state))
    if query.property_type:
        rows = rows.filter(property_type=query.property_type)
    if query.listing_type:
        rows = rows.filter(listing_type=query.listing_type)
    if query.min_price is not None:
        rows = rows.filter(price__gte=query.min_price)
    if query.max_price is not None:
        rows = rows.filter(price__lte=query.max_price)
    if query.min_bedrooms is not None:
        rows = rows.filter(bedrooms__gte=query.min_bedrooms)
    if query.min_bathrooms is not None:
        rows = rows.filter(bathrooms__gte=query.min_bathrooms)
    if query.furnished is not None:
        rows = rows.filter(furnished=query.furnished)
    if query.agent_id is not None:
        rows = rows.filter(agent_id=query.agent_id)
    for name in query.amenity_list():
        # One IN (subquery) per amenity: all must match, still a single statement.
        rows = rows.filter(
            id__in=Subquery(PropertyAmenity.filter(name=name).values("property_id"))
        )
    return rows


def _after(rows: QuerySet[Property], sort: Sort, cursor: str) -> QuerySet[Property]:
    if sort is Sort.NEWEST:
        (raw_id,) = decode_cursor(cursor, 1)
        return rows.filter(id__lt=cursor_id(raw_id))
    raw_price, raw_id = decode_cursor(cursor, 2)
    last_id = cursor_id(raw_id)
    price = _cursor_price(raw_price)
    if sort is Sort.PRICE_ASC:
        return rows.filter(Q(price__gt=price) | Q(price=price, id__gt=last_id))
    return rows.filter(Q(price__lt=price) | Q(price=price, id__lt=last_id))


def _cursor_price(raw: object) -> Decimal:
    """A price from a cursor: a finite amount with at most 2 decimals that fits the column
    (NaN, Infinity or 1e999999 would otherwise reach the database)."""
    try:
        price = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        price = Decimal("NaN")
    if (
        isinstance(raw, bool)
        or not price.is_finite()
        or not 0 <= price < MAX_PRICE  # before quantize, which raises on huge exponents
        or price != price.quantize(TWO_PLACES, rounding=ROUND_DOWN)
    ):
        raise FieldError.one("query.cursor", "The cursor is not valid")
    return price


def _cursor(row: Property, sort: Sort) -> str:
    if sort is Sort.NEWEST:
        return encode_cursor(row.id)
    return encode_cursor(str(row.price), row.id)


async def search(query: PropertyQuery) -> tuple[list[PropertyOut], str | None]:
    """One page: three queries whatever its size (listings, their images, their amenities)."""
    rows = filtered(query)
    if query.cursor:
        rows = _after(rows, query.sort, query.cursor)
    found = await rows.order_by(*ORDERING[query.sort]).limit(query.limit + 1)
    page = found[: query.limit]
    next_cursor = _cursor(page[-1], query.sort) if len(found) > query.limit and page else None
    return await properties_out(page), next_cursor


def applied(query: PropertyQuery) -> dict[str, Any]:
    """The filters a query actually used, for guided search's ``filters_applied``."""
    data = query.model_dump(mode="json", exclude={"limit", "cursor"}, exclude_none=True)
    return data
