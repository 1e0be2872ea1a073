"""Chat: one conversation per pair of users, messages numbered 1, 2, 3… inside it.

PostgreSQL is the record; Redis only carries frames. The invariants the hub relies on are
constraints: one conversation per pair, one seq per message in a conversation, one stored
message per (sender, client_id)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from sheda.properties.models import Property
from sheda.users.models import User


class Conversation(Model):
    """The pair is stored ordered (user_low < user_high) so it has one row, not two."""

    id = fields.IntField(primary_key=True)
    user_low: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="conversations_low", on_delete=fields.CASCADE
    )
    user_low_id: int  # the column behind `user_low`
    user_high: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="conversations_high", on_delete=fields.CASCADE
    )
    user_high_id: int  # the column behind `user_high`
    last_seq = fields.IntField(default=0)
    # Each member's read horizon: the highest seq they have read (or sent).
    low_read_seq = fields.IntField(default=0)
    high_read_seq = fields.IntField(default=0)
    # The listing the conversation is about, when a message named one (the latest wins).
    property: fields.ForeignKeyNullableRelation[Property] = fields.ForeignKeyField(
        "models.Property", related_name="conversations", null=True, on_delete=fields.SET_NULL
    )
    property_id: int | None  # the column behind `property`
    last_message_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conversations"
        unique_together = (("user_low_id", "user_high_id"),)
        indexes = (("user_low_id", "last_message_at"), ("user_high_id", "last_message_at"))


class Message(Model):
    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "models.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    conversation_id: int  # the column behind `conversation`
    seq = fields.IntField()
    sender: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sent_messages", on_delete=fields.CASCADE
    )
    sender_id: int  # the column behind `sender`
    receiver: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="received_messages", on_delete=fields.CASCADE
    )
    receiver_id: int  # the column behind `receiver`
    body = fields.TextField()
    property: fields.ForeignKeyNullableRelation[Property] = fields.ForeignKeyField(
        "models.Property", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    property_id: int | None  # the column behind `property`
    # The sender's own key for the message, to drop retries (NULLs never collide).
    client_id = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "messages"
        unique_together = (("conversation_id", "seq"), ("sender_id", "client_id"))
        indexes = (("created_at",),)


class Block(Model):
    id = fields.IntField(primary_key=True)
    blocker: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="blocks_made", on_delete=fields.CASCADE
    )
    blocker_id: int  # the column behind `blocker`
    blocked: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="blocks_received", on_delete=fields.CASCADE
    )
    blocked_id: int  # the column behind `blocked`
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocks"
        unique_together = (("blocker_id", "blocked_id"),)
