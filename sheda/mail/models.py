"""Mail waiting to be sent: stored before the first attempt, so neither a mail server that
is down nor a restart loses a one-time code or a reset mail."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutgoingMail(Model):
    id = fields.IntField(primary_key=True)
    to = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    # when the next attempt may start; an attempt under way holds the row until then too
    next_attempt_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)  # given up after MAX_ATTEMPTS
    last_error = fields.TextField(null=True)

    class Meta:
        table = "outgoing_mail"
        indexes = (("sent_at", "failed_at", "next_attempt_at"),)
