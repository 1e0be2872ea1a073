"""GET /api/v1/properties/facets: what a filter menu is built from. The active listings that
match the search's filters, counted by city, state, kind, listing type and amenity, and
their price range, in one statement that reads each matching listing once.

Cities and states are grouped the way the search matches them (by their case-folded key),
shown in the spelling most listings use… approximately: the smallest, which for one place
written several ways is its capitalised form."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

from sheda.db import search_connection
from sheda.properties.schemas import FacetCount, FacetsOut, ListingFilters, PriceRange
from sheda.properties.search import filters
from sheda.properties.search_sql import Conditions, Dialect, Params, SearchFilters

MAX_VALUES = 100  # per facet: a menu, not an export
TWO_PLACES = Decimal("0.01")
_GROUPS = {
    "cities": ("min(city)", "city_key"),
    "states": ("min(state)", "state_key"),
    "property_types": ("property_type", "property_type"),
    "listing_types": ("listing_type", "listing_type"),
}


def facets_statement(f: SearchFilters, dialect: Dialect) -> tuple[str, list[Any]]:
    param = Params(dialect)
    every = Conditions(f, param).every()
    price = param.price
    materialized = "MATERIALIZED " if dialect == "postgres" else ""
    elements = (
        "jsonb_array_elements_text(m.amenities) AS a(value)"
        if dialect == "postgres"
        else "json_each(m.amenities) AS a"
    )
    groups = "\nUNION ALL ".join(
        f"SELECT '{facet}', {shown}, count(*), NULL, NULL FROM m GROUP BY {key}"  # noqa: S608
        for facet, (shown, key) in _GROUPS.items()
    )
    sql = f"""WITH m AS {materialized}(
  SELECT city, city_key, state, state_key, property_type, listing_type, {price} AS price,
         amenities
  FROM properties p WHERE {every})
SELECT 'total' AS facet, NULL AS value, count(*) AS n, min(price) AS low, max(price) AS high
FROM m
UNION ALL {groups}
UNION ALL SELECT 'amenities', a.value, count(*), NULL, NULL FROM m, {elements} GROUP BY a.value
"""  # noqa: S608 (every value is a parameter; the rest is this module's own text)
    return sql, param.values


def _money(value: Any) -> Decimal | None:
    # PostgreSQL returns NUMERIC; SQLite's CAST(price AS NUMERIC) a float or an int.
    return None if value is None else Decimal(str(value)).quantize(TWO_PLACES)


async def facets(query: ListingFilters, *, cache_seconds: int = 0) -> FacetsOut:
    """The counts for ``query``; with ``cache_seconds``, kept that long per worker and per
    set of filters, and computed once however many requests ask at the same time."""
    wanted = filters(query)
    if cache_seconds <= 0:
        return await _compute(wanted)
    now = time.monotonic()
    kept = _cache.get(wanted)
    if kept is not None and kept[0] > now:
        return await asyncio.shield(kept[1])
    task = asyncio.ensure_future(_compute(wanted))
    _cache[wanted] = (now + cache_seconds, task)
    if len(_cache) > MAX_CACHED:  # the oldest entries go first (dicts keep their order)
        for stale in list(_cache)[: len(_cache) - MAX_CACHED]:
            del _cache[stale]
    try:
        # Shielded: a caller that goes away must not cancel the count the others wait for.
        return await asyncio.shield(task)
    except Exception:
        if _cache.get(wanted, (0, None))[1] is task:
            del _cache[wanted]  # a failure is not kept
        raise


# Per worker: (expiry, the computation) by filters. A menu of counts may be a little old;
# the statement reads every matching listing (260 ms for the 87k available listings of the
# 100k benchmark catalogue with no filter), so popular filter sets are kept.
MAX_CACHED = 512
_cache: dict[SearchFilters, tuple[float, asyncio.Future[FacetsOut]]] = {}


async def _compute(wanted: SearchFilters) -> FacetsOut:
    conn = search_connection()
    dialect: Dialect = "postgres" if conn.capabilities.dialect == "postgres" else "sqlite"
    sql, params = facets_statement(wanted, dialect)
    rows = await conn.execute_query_dict(sql, params)
    counts: dict[str, list[FacetCount]] = {name: [] for name in (*_GROUPS, "amenities")}
    total, low, high = 0, None, None
    for row in rows:
        if row["facet"] == "total":
            total, low, high = int(row["n"]), _money(row["low"]), _money(row["high"])
        elif row["value"] is not None:
            counts[row["facet"]].append(FacetCount(value=str(row["value"]), count=int(row["n"])))
    for values in counts.values():
        values.sort(key=lambda item: (-item.count, item.value))
        del values[MAX_VALUES:]
    return FacetsOut(total=total, price=PriceRange(min=low, max=high), **counts)
