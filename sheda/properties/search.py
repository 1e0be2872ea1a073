"""Listing search: filters, the three sort orders and keyset cursors.

Cursors hold the sort key of the last row plus its id, so paging never repeats or skips a
listing, also when many share a price, and stays fast deep into the result set. The page is
one SQL statement (sheda/properties/search_sql.py says how it is shaped)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from sheda.common.pagination import cursor_id, decode_cursor, encode_cursor
from sheda.db import search_connection
from sheda.errors import FieldError
from sheda.properties.derived import place_key
from sheda.properties.schemas import ListingFilters, PropertyOut, PropertyQuery
from sheda.properties.search_sql import Dialect, SearchFilters, page_statement
from sheda.properties.serialize import page_row_out

TWO_PLACES = Decimal("0.01")
MAX_PRICE = Decimal(10) ** 12  # DECIMAL(14, 2)

def filters(query: ListingFilters) -> SearchFilters:
    """The validated query as the plain values the statement is built from (a search's page,
    sort and cursor when it has them: facets have none)."""
    page = query if isinstance(query, PropertyQuery) else None
    return SearchFilters(
        status=query.status.value,
        q=query.q.lower() if query.q else None,
        city_key=place_key(query.city) if query.city else None,
        state_key=place_key(query.state) if query.state else None,
        property_type=query.property_type.value if query.property_type else None,
        listing_type=query.listing_type.value if query.listing_type else None,
        min_price=query.min_price,
        max_price=query.max_price,
        min_bedrooms=query.min_bedrooms,
        min_bathrooms=query.min_bathrooms,
        furnished=query.furnished,
        agent_id=query.agent_id,
        amenities=tuple(query.amenity_list()),
        sort=page.sort.value if page else "newest",
        limit=page.limit if page else 20,
        after=_after(page) if page and page.cursor else None,
    )


def _after(query: PropertyQuery) -> tuple[Any, ...]:
    assert query.cursor is not None
    if query.sort.value == "newest":
        (raw_id,) = decode_cursor(query.cursor, 1)
        return (cursor_id(raw_id),)
    raw_price, raw_id = decode_cursor(query.cursor, 2)
    return (_cursor_price(raw_price), cursor_id(raw_id))


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


def _cursor(item: PropertyOut, sort: str) -> str:
    if sort == "newest":
        return encode_cursor(item.id)
    return encode_cursor(str(item.price), item.id)


async def search(query: PropertyQuery) -> tuple[list[PropertyOut], str | None]:
    """One page in one statement, images included, whatever the filters."""
    conn = search_connection()
    dialect: Dialect = "postgres" if conn.capabilities.dialect == "postgres" else "sqlite"
    sql, params = page_statement(filters(query), dialect)
    rows = await conn.execute_query_dict(sql, params)
    page = [page_row_out(row) for row in rows[: query.limit]]
    more = len(rows) > query.limit and bool(page)
    return page, _cursor(page[-1], query.sort.value) if more else None


def applied(query: PropertyQuery) -> dict[str, Any]:
    """The filters a query actually used, for guided search's ``filters_applied``."""
    data = query.model_dump(mode="json", exclude={"limit", "cursor"}, exclude_none=True)
    return data
