"""Leads: a visitor's question about a listing, worked through a small pipeline."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from sheda.properties.models import Property
from sheda.users.models import User


class InquiryType(StrEnum):
    GENERAL = "general"
    CALLBACK = "callback"
    SITE_VISIT = "site_visit"


class InquiryStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    LOST = "lost"


class Inquiry(Model):
    id = fields.IntField(primary_key=True)
    property: fields.ForeignKeyRelation[Property] = fields.ForeignKeyField(
        "models.Property", related_name="inquiries", on_delete=fields.CASCADE
    )
    property_id: int  # the column behind `property`
    # Who asked, when they were signed in; leads from anonymous visitors have none.
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="inquiries", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None  # the column behind `user`
    full_name = fields.CharField(max_length=120)
    email = fields.CharField(max_length=254)
    phone = fields.CharField(max_length=16, null=True)
    message = fields.TextField()
    inquiry_type = fields.CharEnumField(InquiryType, max_length=20)
    preferred_contact_time = fields.CharField(max_length=120, null=True)
    status = fields.CharEnumField(InquiryStatus, max_length=20, default=InquiryStatus.NEW)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "inquiries"
        indexes = (("property_id", "status", "id"),)


class InquiryNote(Model):
    id = fields.IntField(primary_key=True)
    inquiry: fields.ForeignKeyRelation[Inquiry] = fields.ForeignKeyField(
        "models.Inquiry", related_name="notes", on_delete=fields.CASCADE
    )
    inquiry_id: int  # the column behind `inquiry`
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="inquiry_notes", on_delete=fields.RESTRICT
    )
    author_id: int  # the column behind `author`
    text = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "inquiry_notes"
