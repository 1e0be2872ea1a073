"""Request and response bodies for listings."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    Strict,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from sheda.common.schemas import Input, Output, Page, PageQuery, Timestamp
from sheda.properties.models import ListingType, PropertyStatus, PropertyType
from sheda.users.schemas import PublicUserOut

# Money strings are plain decimal notation (no sign, no exponent, no "NaN"): the check
# below refuses the rest, so the patterns in the document say exactly what is accepted.
# Leading zeros, and trailing zeros after the point, do not count as digits; at most 12
# digits before the point and 2 after; a price has a non-zero digit. (No look-ahead: not
# every JSON Schema tool supports one.)
_NOTATION = re.compile(r"\s*[0-9]*\.?[0-9]*\s*")
_AMOUNT_PATTERN = r"^\s*0*([0-9]{1,12}(\.[0-9]{0,2}0*)?|\.[0-9]{1,2}0*)\s*$"
_POSITIVE_PATTERN = r"^\s*0*([1-9][0-9]{0,11}(\.[0-9]{0,2}0*)?|\.(0[1-9]|[1-9][0-9]?)0*)\s*$"


def _plain_notation(value: object) -> object:
    if isinstance(value, str) and not _NOTATION.fullmatch(value):
        raise ValueError("Write amounts as plain decimals, such as 1500 or 1500.50")
    return value


def _money_schema(pattern: str, **low: Any) -> WithJsonSchema:
    """What the money validation accepts, said in the document: a number or a decimal
    string, at most 12 digits before the point and 2 after."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", **low, "maximum": 999999999999.99, "multipleOf": 0.01},
                {"type": "string", "pattern": pattern},
            ]
        },
        mode="validation",
    )


# Money: DECIMAL in the database, at most 2 decimals in (more → 422), a JSON number out.
# A price is more than 0; other amounts (budgets, bounds) may be 0.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2),
    BeforeValidator(_plain_notation),
    PlainSerializer(float, return_type=float, when_used="json"),
    _money_schema(_AMOUNT_PATTERN, minimum=0),
]
Price = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=2),
    BeforeValidator(_plain_notation),
    PlainSerializer(float, return_type=float, when_used="json"),
    _money_schema(_POSITIVE_PATTERN, minimum=0, exclusiveMinimum=True),
]
Coordinate = Annotated[
    Decimal,
    Field(max_digits=9, decimal_places=6),
    PlainSerializer(float, return_type=float, when_used="json"),
]
# Whole numbers in JSON bodies: strict, so `true` or `2.0` is a 422, not a 1 or a 2 (a query
# string's "2" is still read as 2: query schemas keep plain ints).
Count = Annotated[int, Strict(), Field(ge=0, le=100)]
Area = Annotated[int, Strict(), Field(ge=1, le=100_000_000)]
Text200 = Annotated[str, StringConstraints(min_length=3, max_length=200)]
Place = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _amenities(values: list[str]) -> list[str]:
    # Amenities compare case-insensitively: "Pool" and "pool " are the same amenity.
    seen: dict[str, None] = {}
    for value in values:
        name = " ".join(value.split()).lower()
        if not 1 <= len(name) <= 60:
            raise ValueError("Each amenity has 1 to 60 characters")
        seen[name] = None
    return list(seen)


Amenities = Annotated[list[str], Field(max_length=50), AfterValidator(_amenities)]


class ImageOut(Output):
    id: int
    url: str
    is_primary: bool
    position: int


class PropertyOut(Output):
    id: int
    agent_id: int
    title: str
    description: str
    property_type: PropertyType
    listing_type: ListingType
    status: PropertyStatus
    price: Money
    is_negotiable: bool
    address: str
    city: str
    state: str
    latitude: Coordinate | None
    longitude: Coordinate | None
    bedrooms: int
    bathrooms: int
    area_sqft: int | None
    furnished: bool
    amenities: list[str]
    images: list[ImageOut]
    is_active: bool
    created_at: Timestamp
    updated_at: Timestamp


class PriceComparison(BaseModel):
    similar_count: int
    average_price: Money | None
    position: str | None = Field(description="below | average | above, null without peers")


class PropertyDetailOut(PropertyOut):
    agent: PublicUserOut
    price_comparison: PriceComparison


class _PropertyFields(Input):
    title: Text200
    description: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
    property_type: PropertyType
    listing_type: ListingType
    price: Price
    is_negotiable: StrictBool = False
    address: Annotated[str, StringConstraints(min_length=3, max_length=300)]
    city: Place
    state: Place
    latitude: Annotated[Coordinate, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[Coordinate, Field(ge=-180, le=180)] | None = None
    bedrooms: Count = 0
    bathrooms: Count = 0
    area_sqft: Area | None = None
    furnished: StrictBool = False
    amenities: Amenities = Field(default_factory=list)


class PropertyCreate(_PropertyFields):
    """agent_id, status and is_active are the server's: sending them is a 422."""


class SettableStatus(StrEnum):
    # "pending" belongs to the deal flow (a contract sets it), never to a PATCH.
    AVAILABLE = "available"
    RENTED = "rented"
    SOLD = "sold"


class PropertyPatch(Input):
    title: Text200 | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=10_000)] | None = None
    property_type: PropertyType | None = None
    listing_type: ListingType | None = None
    price: Price | None = None
    is_negotiable: StrictBool | None = None
    address: Annotated[str, StringConstraints(min_length=3, max_length=300)] | None = None
    city: Place | None = None
    state: Place | None = None
    latitude: Annotated[Coordinate, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[Coordinate, Field(ge=-180, le=180)] | None = None
    bedrooms: Count | None = None
    bathrooms: Count | None = None
    area_sqft: Area | None = None
    furnished: StrictBool | None = None
    amenities: Amenities | None = None
    status: SettableStatus | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> PropertyPatch:
        required = {
            "title", "description", "property_type", "listing_type", "price", "is_negotiable",
            "address", "city", "state", "bedrooms", "bathrooms", "furnished", "amenities",
            "status",
        }
        nulls = [name for name in self.model_fields_set & required if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"These fields cannot be null: {', '.join(sorted(nulls))}")
        return self


class Sort(StrEnum):
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


class ListingFilters(Input):
    """The filters of the listing search, shared by the search and its facets."""

    q: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    city: Place | None = None
    state: Place | None = None
    property_type: PropertyType | None = None
    listing_type: ListingType | None = None
    status: PropertyStatus = PropertyStatus.AVAILABLE
    min_price: Money | None = None
    max_price: Money | None = None
    min_bedrooms: Annotated[int, Field(ge=0, le=100)] | None = None
    min_bathrooms: Annotated[int, Field(ge=0, le=100)] | None = None
    furnished: bool | None = None
    agent_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    amenities: str | None = Field(default=None, description="Comma list; all must match")

    @model_validator(mode="after")
    def _price_range(self) -> Self:
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.max_price < self.min_price
        ):
            raise ValueError("max_price is below min_price")
        return self

    def amenity_list(self) -> list[str]:
        if not self.amenities:
            return []
        return _amenities([part for part in self.amenities.split(",") if part.strip()])


class PropertyQuery(ListingFilters, PageQuery):
    sort: Sort = Sort.NEWEST


class FacetCount(BaseModel):
    value: str
    count: int


class PriceRange(BaseModel):
    min: Money | None
    max: Money | None


class FacetsOut(BaseModel):
    """Counts of the active listings that match the filters, for building filter menus."""

    total: int
    cities: list[FacetCount] = Field(description="By count, most first (at most 100)")
    states: list[FacetCount]
    property_types: list[FacetCount]
    listing_types: list[FacetCount]
    amenities: list[FacetCount]
    price: PriceRange = Field(description="Lowest and highest price; null when none match")


class GuidedSearchIn(Input):
    """CasaBricks-style three questions: what and how much, what kind, how big or where."""

    listing_type: ListingType
    budget_min: Money | None = None
    budget_max: Money | None = None
    property_type: PropertyType | None = None
    bedrooms: Count | None = None
    city: Place | None = None

    @model_validator(mode="after")
    def _budget_range(self) -> GuidedSearchIn:
        if (
            self.budget_min is not None
            and self.budget_max is not None
            and self.budget_max < self.budget_min
        ):
            raise ValueError("budget_max is below budget_min")
        return self


class GuidedPage(Page[PropertyOut]):
    filters_applied: dict[str, Any]


class ImagesOut(BaseModel):
    images: list[ImageOut]


class ModerationIn(Input):
    is_active: StrictBool
