"""Sessions, refresh tokens and one-time codes.

A session is one login on one device. Access tokens carry its id (``sid``) so that logout,
a password change or a reset revokes them at once, not when they expire. Refresh tokens
rotate inside the session (the "family"); presenting a used one revokes the session.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from sheda.users.models import User


class AuthSession(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "auth_sessions"
        indexes = (("user_id", "revoked_at"),)


class RefreshToken(Model):
    """Only the SHA-256 of the token is stored; the token itself is 256 random bits."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[AuthSession] = fields.ForeignKeyField(
        "models.AuthSession", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    session_id: uuid.UUID  # the column behind `session`
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"


class OtpPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose name, not a secret)


class OtpCode(Model):
    """A 6-digit code, stored as an HMAC under the server secret (never in clear)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="otp_codes", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    purpose = fields.CharEnumField(OtpPurpose, max_length=20)
    code_hash = fields.CharField(max_length=64)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "otp_codes"
        indexes = (("user_id", "purpose", "created_at"),)


class ResetGrant(Model):
    """The single-use right to set a new password, earned by a reset OTP. The reset token
    (a JWT with scope ``otp``) names this row by ``jti``; using it stamps ``used_at``."""

    jti = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reset_grants", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reset_grants"
