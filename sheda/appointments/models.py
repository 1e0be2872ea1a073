"""Viewings: an agent's weekly availability and the appointments clients book in it.

The invariant that matters under load, no two pending or confirmed appointments of one
agent overlapping, is the database's to keep: an exclusion constraint over the time range
on PostgreSQL (aerich_migrations/models/4_*), triggers on the embedded SQLite
(SQLITE_EXTRAS below). A booking that loses the race fails on insert and becomes a 409.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from sheda.properties.models import Property
from sheda.users.models import User

# The name both backends report when a booking overlaps; the service maps it to 409.
NO_OVERLAP = "appointments_no_overlap"


class AppointmentStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELED = "canceled"
    COMPLETED = "completed"


# The states that hold the agent's time.
HOLDS_TIME = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)


class AvailabilitySlot(Model):
    """One weekly window, in UTC minutes since midnight (end may be 1440, midnight)."""

    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="availability_slots", on_delete=fields.CASCADE
    )
    agent_id: int  # the column behind `agent`
    weekday = fields.SmallIntField()  # 0 = Monday … 6 = Sunday
    start_minute = fields.SmallIntField()
    end_minute = fields.SmallIntField()

    class Meta:
        table = "availability_slots"
        indexes = (("agent_id", "weekday"),)


class Appointment(Model):
    id = fields.IntField(primary_key=True)
    # A listing may be deleted later; the appointment stays in both parties' history.
    property: fields.ForeignKeyNullableRelation[Property] = fields.ForeignKeyField(
        "models.Property", related_name="appointments", null=True, on_delete=fields.SET_NULL
    )
    property_id: int | None  # the column behind `property`
    client: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appointments_as_client", on_delete=fields.CASCADE
    )
    client_id: int  # the column behind `client`
    agent: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appointments_as_agent", on_delete=fields.CASCADE
    )
    agent_id: int  # the column behind `agent`
    scheduled_at = fields.DatetimeField()
    # scheduled_at + duration, stored so the database can compare time ranges.
    ends_at = fields.DatetimeField()
    duration_minutes = fields.SmallIntField()
    status = fields.CharEnumField(
        AppointmentStatus, max_length=10, default=AppointmentStatus.PENDING
    )
    note = fields.TextField(null=True)
    reject_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "appointments"
        indexes = (
            ("client_id", "id"),
            ("agent_id", "id"),
            ("status", "scheduled_at"),  # the background loop: pending ones whose time passed
        )


_HOLDS_TIME_SQL = ", ".join(f"'{status.value}'" for status in HOLDS_TIME)
_OVERLAP_CHECK = f"""
BEGIN
    SELECT RAISE(ABORT, '{NO_OVERLAP}') WHERE EXISTS (
        SELECT 1 FROM appointments AS other
        WHERE other.agent_id = NEW.agent_id AND other.id IS NOT NEW.id
          AND other.status IN ({_HOLDS_TIME_SQL})
          AND other.scheduled_at < NEW.ends_at AND NEW.scheduled_at < other.ends_at
    );
END"""  # noqa: S608 (built from constants, never from input)

# SQLite has no exclusion constraints. These triggers run inside the writing transaction,
# which holds SQLite's single write lock, so two bookings cannot both pass the check. The
# times compare as text: Tortoise stores every one as UTC ISO 8601 in the same form, which
# sorts in time order.
SQLITE_EXTRAS = (
    f"""CREATE TRIGGER IF NOT EXISTS appointments_no_overlap_insert
BEFORE INSERT ON appointments WHEN NEW.status IN ({_HOLDS_TIME_SQL}){_OVERLAP_CHECK}""",
    f"""CREATE TRIGGER IF NOT EXISTS appointments_no_overlap_update
BEFORE UPDATE OF agent_id, scheduled_at, ends_at, status ON appointments
WHEN NEW.status IN ({_HOLDS_TIME_SQL}){_OVERLAP_CHECK}""",
)
