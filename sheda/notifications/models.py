"""Events addressed to one user, stored so an offline user sees them later."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from sheda.users.models import User


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int  # the column behind `user`
    event = fields.CharField(max_length=40)
    data: dict[str, Any] = fields.JSONField(default=dict)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notifications"
        indexes = (("user_id", "id"), ("user_id", "read_at"))
