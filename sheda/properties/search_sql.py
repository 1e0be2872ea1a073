"""The listing search as one SQL statement, built from plain values (no ORM, no pydantic), so
that the benchmark's bare asyncpg app sends exactly what Sheda sends.

PostgreSQL gets a statement shaped so that its cost follows the page, not the table
(the indexes are in aerich_migrations/models/5_*_search.py and 6_*_search_gin.py):

1. **Ordered walk.** Listings are read in the order of the sort key from a partial btree
   (``WHERE is_active``) that leads with the equality filters: status, then city when given,
   then listing_type and property_type. When only some of these are fixed, the walk is a
   merge of one index range per (listing_type, property_type) pair, which PostgreSQL runs as
   a Merge Append: an impossible pair (a shortlet for sale) is an empty range, and a cheap
   kind of listing cannot crowd out the others in price order. Price and bedrooms are key
   columns of those indexes, so they are checked in the index.
2. **Bounded check.** What the btree cannot check (text, amenities, bathrooms, furnished,
   state, agent) is checked on at most ``WALK_BUDGET`` listings of the walk.
3. **Exact fallback.** If the walk ran out before filling the page, the matching listings
   are few: they are then found through one multi-column GIN index (city and kinds,
   amenities, pg_trgm on the text; status and bedrooms, true of most listings, are checked
   on the rows) and sorted. PostgreSQL evaluates this branch only in that case (a one-time
   filter).

The planner is never asked to guess how often a word or an amenity occurs in listings of a
kind, which is where a single ``ORDER BY … LIMIT`` went wrong (walking 57,775 rows for a
page of 21). SQLite gets the plain statement: same conditions, no walk; it is for laptops.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Dialect = Literal["postgres", "sqlite"]
SortKey = Literal["newest", "price_asc", "price_desc"]

LISTING_TYPES = ("rent", "sale")
PROPERTY_TYPES = ("apartment", "house", "land", "shortlet", "shared_apartment", "commercial")
# Listings of the walk checked for the conditions the btree cannot check before the exact
# fallback takes over: about 3 ms of work when none of them matches.
WALK_BUDGET = 1000
# The same for a walk over amenity postings whose listings must be looked up for their
# checks: a lookup costs about twice a step of the listings' own walk, and every posting
# walked has the amenity already, so fewer steps find as many matches.
POSTINGS_WALK_BUDGET = 400

# What a page row carries: every column of the output, plus the images as JSON.
OUTPUT_COLUMNS = (
    "id", "agent_id", "title", "description", "property_type", "listing_type", "status",
    "price", "is_negotiable", "address", "city", "state", "latitude", "longitude", "bedrooms",
    "bathrooms", "area_sqft", "furnished", "amenities", "is_active", "created_at", "updated_at",
)  # fmt: skip
IMAGES_JSON = (
    "(SELECT coalesce(json_agg(json_build_object('id', i.id, 'url', i.url, 'is_primary', "
    "i.is_primary, 'position', i.position) ORDER BY i.position, i.id), '[]') "
    "FROM property_images i WHERE i.property_id = p.id) AS images"
)
IMAGES_JSON_SQLITE = (
    "(SELECT json_group_array(json_object('id', i.id, 'url', i.url, 'is_primary', "
    "i.is_primary, 'position', i.position)) FROM (SELECT * FROM property_images i "
    "WHERE i.property_id = p.id ORDER BY i.position, i.id) i) AS images"
)


@dataclass(frozen=True)
class SearchFilters:
    """A validated search: strings already normalised the way the columns store them
    (``city_key``/``state_key`` case-folded, ``q`` lower-cased, amenities lower-cased)."""

    status: str = "available"
    q: str | None = None
    city_key: str | None = None
    state_key: str | None = None
    property_type: str | None = None
    listing_type: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_bedrooms: int | None = None
    min_bathrooms: int | None = None
    furnished: bool | None = None
    agent_id: int | None = None
    amenities: tuple[str, ...] = ()
    sort: SortKey = "newest"
    limit: int = 20
    # The sort key of the last row of the previous page: (id,) or (price, id).
    after: tuple[Any, ...] | None = None


@dataclass
class Params:
    dialect: Dialect
    values: list[Any] = field(default_factory=list)

    @property
    def price(self) -> str:
        # SQLite keeps DECIMAL as text (Tortoise's VARCHAR(40)): compare it as a number.
        return "price" if self.dialect == "postgres" else "CAST(price AS NUMERIC)"

    def __call__(self, value: Any) -> str:
        if self.dialect == "postgres":
            self.values.append(value)
            return f"${len(self.values)}"
        if isinstance(value, Decimal):  # compared with CAST(price AS NUMERIC), exactly
            self.values.append(str(value))
            return "CAST(? AS NUMERIC)"
        self.values.append(value)
        return "?"


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order(
    sort: SortKey, alias: str = "", *, unindexed: bool = False, price: str = "price"
) -> str:
    """ORDER BY for a sort; ``unindexed`` hides the key from the btrees (``price + 0``) so
    that the exact fallback collects its few rows through the GIN index instead."""
    plus = " + 0" if unindexed else ""
    if sort == "newest":
        return f"{alias}id{plus} DESC"
    direction = " DESC" if sort == "price_desc" else ""
    return f"{alias}{price}{plus}{direction}, {alias}id{direction}"


class Conditions:
    """The WHERE clauses of a search, split by where they can be checked."""

    def __init__(self, f: SearchFilters, param: Params, *, postings: bool = False) -> None:
        self.f, self.param = f, param
        # A bare `is_active` (not `= $1`) so that PostgreSQL matches the partial indexes.
        # The amenity postings hold active listings only, so they need no such condition.
        self.active = "is_active" if param.dialect == "postgres" else "is_active = 1"
        self.equal: list[str] = [f"status = {param(f.status)}"]
        if f.city_key is not None:
            self.equal.append(f"city_key = {param(f.city_key)}")
        # Checked in the btree (key columns of the search indexes), written over `{id}`:
        # the listing's id is `id` in properties and `property_id` in the postings.
        self._indexed: list[str] = []
        if f.min_price is not None:
            self._indexed.append(f"{param.price} >= {param(f.min_price)}")
        if f.max_price is not None:
            self._indexed.append(f"{param.price} <= {param(f.max_price)}")
        if f.min_bedrooms is not None:
            self._indexed.append(f"bedrooms >= {param(f.min_bedrooms)}")
        if f.after is not None:
            self._indexed.append(_after(f, param))
        # Checked on the row.
        self.row: list[str] = []
        self.row_columns: list[str] = []  # what the row checks read
        if f.q:
            pattern = param("%" + _escape_like(f.q) + "%")
            self._on_row("search_text", f"search_text LIKE {pattern} ESCAPE '\\'")
        if f.state_key is not None:
            self._on_row("state_key", f"state_key = {param(f.state_key)}")
        if f.min_bathrooms is not None:
            self._on_row("bathrooms", f"bathrooms >= {param(f.min_bathrooms)}")
        if f.furnished is not None:
            self._on_row("furnished", f"furnished = {param(f.furnished)}")
        if f.agent_id is not None:
            self._on_row("agent_id", f"agent_id = {param(f.agent_id)}")
        # A walk over the postings checks the amenities there (the first in the index, the
        # others by a probe of the postings' primary key); only the exact fallback reads the
        # listing's own column, and its parameter is made only if that is written: an unused
        # parameter is an error on PostgreSQL.
        self.postings = postings
        if f.amenities and not postings:
            self._on_row("amenities", _amenities(f.amenities, param))
        # listing_type and property_type, written as literals like the walk's ranges (a
        # parameter left unused in some statement shapes would be an error on PostgreSQL).
        self.kinds: list[str] = []
        if f.listing_type is not None:
            self.kinds.append(f"listing_type = '{_known(f.listing_type, LISTING_TYPES)}'")
        if f.property_type is not None:
            self.kinds.append(f"property_type = '{_known(f.property_type, PROPERTY_TYPES)}'")

    def _on_row(self, column: str, check: str) -> None:
        self.row_columns.append(column)
        self.row.append(check)

    def indexed(self, id_column: str = "id") -> list[str]:
        return [check.replace("{id}", id_column) for check in self._indexed]

    def every(self) -> str:
        # In the order the parameters were made: SQLite's `?` are positional.
        posted = [_amenities(self.f.amenities, self.param)] if self.postings else []
        return " AND ".join(
            [self.active, *self.equal, *self.indexed(), *self.row, *posted, *self.kinds]
        )


def _known(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:  # it is inlined into SQL: only values of our own lists
        raise ValueError(f"unknown listing or property type: {value!r}")
    return value


def _after(f: SearchFilters, param: Params) -> str:
    assert f.after is not None
    if f.sort == "newest":
        return f"{{id}} < {param(f.after[0])}"
    price, last_id = f.after
    op = ">" if f.sort == "price_asc" else "<"
    # A row comparison: PostgreSQL's btree starts the scan right after the cursor.
    return f"({param.price}, {{id}}) {op} ({param(price)}, {param(last_id)})"


def _amenities(names: Sequence[str], param: Params) -> str:
    if param.dialect == "postgres":
        return f"amenities @> {param(json.dumps(sorted(names)))}::jsonb"
    marks = ", ".join(param(name) for name in names)
    return (
        f"(SELECT count(DISTINCT value) FROM json_each(p.amenities) "  # noqa: S608
        f"WHERE value IN ({marks})) = {len(names)}"
    )


def _pairs(f: SearchFilters) -> list[tuple[str, str]]:
    """The (listing_type, property_type) pairs a search can match."""
    listing = (f.listing_type,) if f.listing_type else LISTING_TYPES
    kinds = (f.property_type,) if f.property_type else PROPERTY_TYPES
    return [(lt, pt) for lt in listing for pt in kinds]


def _one_range(f: SearchFilters) -> bool:
    """Whether the listings' btrees serve the walk with one index range: both kinds fixed
    (the kinds index) or neither (the index without them), and no city. Otherwise the walk
    merges one range per pair of kinds."""
    both = f.listing_type is not None and f.property_type is not None
    neither = f.listing_type is None and f.property_type is None
    return f.city_key is None and (both or neither)


def _no_kind(f: SearchFilters) -> bool:
    """Whether the amenity postings serve the walk with one range of the btrees without the
    kinds (neither kind fixed); otherwise it merges one range per pair of kinds."""
    return f.listing_type is None and f.property_type is None


def page_statement(f: SearchFilters, dialect: Dialect = "postgres") -> tuple[str, list[Any]]:
    """(SQL, parameters) of one page: ``limit + 1`` rows (the extra one says there is a
    next page) in sort order, each with its images as a JSON array in ``images``."""
    param = Params(dialect)
    # An amenity search walks the postings of its first amenity (PostgreSQL only).
    postings = dialect == "postgres" and bool(f.amenities)
    where = Conditions(f, param, postings=postings)
    fetch = f.limit + 1
    columns = ", ".join(f"p.{name}" for name in OUTPUT_COLUMNS)
    if dialect == "sqlite":
        every = where.every()
        return (
            f"SELECT {columns}, {IMAGES_JSON_SQLITE} FROM properties p "  # noqa: S608
            f"WHERE {every} ORDER BY {_order(f.sort, price=param.price)} LIMIT {param(fetch)}",
            param.values,
        )
    fetch_mark = param(fetch)
    walk_of = _Walk(f, where, param)
    checks = walk_of.probes(param)
    if where.row:
        row_checks = " AND ".join(where.row)
        # The postings carry no text, state, …: the listing is looked up by id.
        checks.append(
            f"(SELECT {row_checks} FROM properties p WHERE p.id = walk.id)"  # noqa: S608
            if walk_of.postings else row_checks
        )
    if not checks:
        # Every condition is in the btree: the walk is the page.
        walk = walk_of.sql(fetch_mark)
        sql = (
            f"SELECT {columns}, {IMAGES_JSON} FROM ({walk}) w "  # noqa: S608
            f"JOIN properties p ON p.id = w.id ORDER BY {_order(f.sort, 'w.')}"
        )
        return sql, param.values
    if walk_of.postings:
        budget = param(min(WALK_BUDGET, POSTINGS_WALK_BUDGET))
        walk = walk_of.sql(budget)
    else:
        budget = param(WALK_BUDGET)
        walk = walk_of.sql(budget, where.row_columns)
    # Subqueries in WHERE are run per row (never turned into joins), so `hits` keeps the
    # walk's order and stops reading it at `fetch` matches.
    check = " AND ".join(checks)
    every = where.every()
    # `hits` reads the walk lazily: it stops after `fetch` matches, or at the budget. A CTE
    # scan returns rows in the order they were produced, which is the walk's.
    sql = f"""WITH walk AS MATERIALIZED ({walk}),
hits AS MATERIALIZED (SELECT id, price FROM walk WHERE {check} LIMIT {fetch_mark}),
ran_out AS MATERIALIZED (
  SELECT (SELECT count(*) FROM hits) < {fetch_mark} AND (SELECT count(*) FROM walk) = {budget}
  AS yes)
SELECT {columns}, {IMAGES_JSON} FROM (
  SELECT id, price FROM hits WHERE NOT (SELECT yes FROM ran_out)
  UNION ALL
  SELECT id, price FROM (SELECT id, price FROM properties WHERE {every}
    ORDER BY {_order(f.sort, unindexed=True)} LIMIT {fetch_mark}) exact
  WHERE (SELECT yes FROM ran_out)
) page JOIN properties p ON p.id = page.id
ORDER BY {_order(f.sort, 'page.')}"""  # noqa: S608
    return sql, param.values


class _Walk:
    """The first listings that pass the btree's conditions, in sort order: from the
    listings' own partial btrees, or, when an amenity is asked for, from that amenity's
    postings (``search_amenities``, aerich_migrations/models/7_*), which carry the same
    columns."""

    def __init__(self, f: SearchFilters, where: Conditions, param: Params) -> None:
        self.f, self.where = f, where
        self.postings = where.postings
        if self.postings:
            self.table, self.id = "search_amenities", "property_id AS id"
            self.conditions = [f"amenity = {param(f.amenities[0])}", *where.equal,
                               *where.indexed("property_id")]
        else:
            self.table, self.id = "properties", "id"
            self.conditions = [where.active, *where.equal, *where.indexed()]

    def probes(self, param: Params) -> list[str]:
        """The checks of the amenities after the first, on the walked postings: each an
        index-only probe of the postings' primary key (property_id, amenity)."""
        return [
            f"(SELECT true FROM search_amenities o WHERE o.property_id = walk.id "  # noqa: S608
            f"AND o.amenity = {param(name)})"
            for name in (self.f.amenities[1:] if self.postings else ())
        ]

    def sql(self, limit: str, columns: Sequence[str] = ()) -> str:
        """``id``, ``price`` and ``columns`` of the first ``limit`` listings of the walk."""
        f = self.f
        select = ", ".join([self.id, "price", *columns])
        order = _order(f.sort)
        table = self.table
        single = _no_kind(f) if self.postings else _one_range(f)
        if single:
            every = " AND ".join(self.conditions + self.where.kinds)
            return (
                f"SELECT {select} FROM {table} WHERE {every} "  # noqa: S608
                f"ORDER BY {order} LIMIT {limit}"
            )
        # One range per pair of kinds (the postings lead with the kinds when one is fixed).
        pairs = _pairs(f)
        shared = " AND ".join(self.conditions)
        ranges = " UNION ALL ".join(
            f"(SELECT {select} FROM {table} WHERE {shared} "  # noqa: S608
            f"AND listing_type = '{_known(lt, LISTING_TYPES)}' "
            f"AND property_type = '{_known(pt, PROPERTY_TYPES)}' ORDER BY {order} LIMIT {limit})"
            for lt, pt in pairs
        )
        return f"SELECT * FROM ({ranges}) ranges ORDER BY {order} LIMIT {limit}"  # noqa: S608
