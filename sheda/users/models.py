"""Accounts. Table ``users`` and column ``role`` are part of the contract: promoting an admin
with ``UPDATE users SET role = 'admin' WHERE id = …`` must keep working."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"
    MODERATOR = "moderator"


class UserType(StrEnum):
    CLIENT = "client"
    AGENT = "agent"


class User(Model):
    id = fields.IntField(primary_key=True)
    # Emails are stored lower-cased; a soft-deleted account frees its email and username at
    # once by moving them to deleted_email/deleted_username (see users.service.delete_me).
    email = fields.CharField(max_length=254, unique=True)
    username = fields.CharField(max_length=30, unique=True, null=True)
    phone_number = fields.CharField(max_length=16, unique=True, null=True)
    password_hash = fields.CharField(max_length=128)
    fullname = fields.CharField(max_length=120, null=True)
    avatar_url = fields.CharField(max_length=300, null=True)
    location = fields.CharField(max_length=120, null=True)
    bio = fields.TextField(null=True)
    user_type = fields.CharEnumField(UserType, max_length=10, default=UserType.CLIENT)
    role = fields.CharEnumField(Role, max_length=10, default=Role.USER)
    verified = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    last_seen_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    deleted_email = fields.CharField(max_length=254, null=True)
    deleted_username = fields.CharField(max_length=30, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    agent_profile: fields.ReverseRelation[AgentProfile]

    class Meta:
        table = "users"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class AgentProfile(Model):
    """Created the first time an account acts as an agent (register or switch-account)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="agent_profile", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    agency_name = fields.CharField(max_length=120, null=True)
    license_number = fields.CharField(max_length=60, null=True)
    rating = fields.DecimalField(max_digits=3, decimal_places=2, null=True)
    kyc_status = fields.CharField(max_length=20, default="unverified")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "agent_profiles"


class PaymentAccount(Model):
    """Where a client pays an agent; shown to a client only inside a deal."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="payment_account", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    bank_name = fields.CharField(max_length=120)
    account_name = fields.CharField(max_length=120)
    account_number = fields.CharField(max_length=34)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "payment_accounts"
