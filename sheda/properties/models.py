"""Listings, their images and amenities, and favourites."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from sheda.users.models import User


class PropertyType(StrEnum):
    APARTMENT = "apartment"
    HOUSE = "house"
    LAND = "land"
    SHORTLET = "shortlet"
    SHARED_APARTMENT = "shared_apartment"
    COMMERCIAL = "commercial"


class ListingType(StrEnum):
    RENT = "rent"
    SALE = "sale"


class PropertyStatus(StrEnum):
    AVAILABLE = "available"
    PENDING = "pending"
    RENTED = "rented"
    SOLD = "sold"


class Property(Model):
    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="properties", on_delete=fields.RESTRICT
    )
    agent_id: int  # the column behind `agent`
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    property_type = fields.CharEnumField(PropertyType, max_length=20)
    listing_type = fields.CharEnumField(ListingType, max_length=10)
    status = fields.CharEnumField(PropertyStatus, max_length=10, default=PropertyStatus.AVAILABLE)
    price = fields.DecimalField(max_digits=14, decimal_places=2)
    is_negotiable = fields.BooleanField(default=False)
    address = fields.CharField(max_length=300)
    city = fields.CharField(max_length=100)
    state = fields.CharField(max_length=100)
    latitude = fields.DecimalField(max_digits=9, decimal_places=6, null=True)
    longitude = fields.DecimalField(max_digits=9, decimal_places=6, null=True)
    bedrooms = fields.IntField(default=0)
    bathrooms = fields.IntField(default=0)
    area_sqft = fields.IntField(null=True)
    furnished = fields.BooleanField(default=False)
    # Lower-case amenity names, sorted: a JSON array on the row (JSONB on PostgreSQL, where
    # "has all of these" is `@>` through the search GIN index), so a page needs no join.
    amenities: fields.Field[list[str]] = fields.JSONField(default=list)
    # Lower-cased "title description address", kept by the service on every write: the one
    # column text search reads, so PostgreSQL can index it with pg_trgm (see the migration).
    search_text = fields.TextField(default="")
    # Case-folded city and state (see properties/derived.py): what filters compare against.
    city_key = fields.CharField(max_length=100, default="")
    state_key = fields.CharField(max_length=100, default="")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    images: fields.ReverseRelation[PropertyImage]

    class Meta:
        table = "properties"
        # The search indexes (partial btrees per sort key, one GIN) are PostgreSQL's and live
        # in aerich_migrations/models/5_*_search.py and 6_*; see sheda/properties/search_sql.py.
        indexes = (
            ("state_key",),
            ("agent_id", "created_at"),
        )


class PropertyImage(Model):
    id = fields.IntField(primary_key=True)
    property: fields.ForeignKeyRelation[Property] = fields.ForeignKeyField(
        "models.Property", related_name="images", on_delete=fields.CASCADE
    )
    property_id: int  # the column behind `property`
    url = fields.CharField(max_length=300)
    is_primary = fields.BooleanField(default=False)
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "property_images"
        indexes = (("property_id", "position"),)


class Favorite(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="favorites", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    property: fields.ForeignKeyRelation[Property] = fields.ForeignKeyField(
        "models.Property", related_name="favorited_by", on_delete=fields.CASCADE
    )
    property_id: int  # the column behind `property`
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favorites"
        unique_together = (("user_id", "property_id"),)
