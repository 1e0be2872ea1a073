"""An agent's weekly availability: replaced as a whole, read by anyone signed in."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from sheda.appointments.models import AvailabilitySlot
from sheda.appointments.schemas import AvailabilityIn, AvailabilityOut, SlotOut, clock, minutes
from sheda.errors import NotFound
from sheda.users.models import User


def _out(rows: list[AvailabilitySlot]) -> AvailabilityOut:
    ordered = sorted(rows, key=lambda r: (r.weekday, r.start_minute))
    return AvailabilityOut(
        slots=[
            SlotOut(weekday=r.weekday, start=clock(r.start_minute), end=clock(r.end_minute))
            for r in ordered
        ]
    )


async def replace(*, agent_id: int, data: AvailabilityIn) -> AvailabilityOut:
    rows = [
        AvailabilitySlot(
            agent_id=agent_id,
            weekday=slot.weekday,
            start_minute=minutes(slot.start),
            end_minute=minutes(slot.end),
        )
        for slot in data.slots
    ]
    async with in_transaction():
        # The agent's row lock queues concurrent replacements (PostgreSQL; SQLite runs one
        # transaction at a time): otherwise two PUTs could each delete, then both insert.
        await User.filter(id=agent_id).select_for_update().first()
        await AvailabilitySlot.filter(agent_id=agent_id).delete()
        if rows:
            await AvailabilitySlot.bulk_create(rows)
    return _out(rows)


async def of_user(*, user_id: int) -> AvailabilityOut:
    """Anyone's weekly slots (empty when they set none); an unknown, deleted or deactivated
    account is 404."""
    if not await User.exists(id=user_id, deleted_at=None, is_active=True):
        raise NotFound("No such user")
    return _out(await AvailabilitySlot.filter(agent_id=user_id))


def fits(slots: list[AvailabilitySlot], start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside one weekly slot (times in UTC)."""
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    begins = (start - midnight) / timedelta(minutes=1)
    ends = (end - midnight) / timedelta(minutes=1)  # past 1440 when it runs into tomorrow
    return any(
        slot.weekday == start.weekday() and slot.start_minute <= begins and ends <= slot.end_minute
        for slot in slots
    )
