"""An agent's weekly availability: replaced as a whole, read by anyone signed in, and its
free windows (the slots in a range of dates, minus the viewings that hold the time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from sheda.appointments.models import HOLDS_TIME, Appointment, AvailabilitySlot
from sheda.appointments.schemas import (
    BOOKING_HORIZON,
    MAX_FREE_RANGE_DAYS,
    AvailabilityIn,
    AvailabilityOut,
    FreeQuery,
    FreeWindowsOut,
    SlotOut,
    WindowOut,
    clock,
    minutes,
)
from sheda.common.clock import utcnow
from sheda.errors import FieldError, NotFound
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


async def _existing(user_id: int) -> None:
    if not await User.exists(id=user_id, deleted_at=None, is_active=True):
        raise NotFound("No such user")


async def of_user(*, user_id: int) -> AvailabilityOut:
    """Anyone's weekly slots (empty when they set none); an unknown, deleted or deactivated
    account is 404."""
    await _existing(user_id)
    return _out(await AvailabilitySlot.filter(agent_id=user_id))


MIN_WINDOW = timedelta(minutes=15)  # the shortest viewing: a shorter gap cannot be booked
DEFAULT_RANGE = timedelta(days=7)
MAX_RANGE = timedelta(days=MAX_FREE_RANGE_DAYS)
Span = tuple[datetime, datetime]


def slot_spans(slots: list[AvailabilitySlot], start: datetime, end: datetime) -> list[Span]:
    """The weekly slots laid on the calendar from ``start`` to ``end`` (UTC), each cut to the
    range. Touching slots stay apart: a viewing must fit inside one slot to be booked."""
    spans: list[Span] = []
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        for slot in slots:
            if slot.weekday != day.weekday():
                continue
            begins = max(start, day + timedelta(minutes=slot.start_minute))
            ends = min(end, day + timedelta(minutes=slot.end_minute))
            if begins < ends:
                spans.append((begins, ends))
        day += timedelta(days=1)
    return sorted(spans)


def minus(spans: list[Span], taken: list[Span]) -> list[Span]:
    """``spans`` without the times in ``taken``, gaps under MIN_WINDOW dropped."""
    free: list[Span] = []
    for begins, ends in spans:
        cursor = begins
        for taken_start, taken_end in sorted(taken):
            if taken_end <= cursor or taken_start >= ends:
                continue
            if taken_start - cursor >= MIN_WINDOW:
                free.append((cursor, taken_start))
            cursor = max(cursor, taken_end)
        if ends - cursor >= MIN_WINDOW:
            free.append((cursor, ends))
    return free


async def free_windows(*, user_id: int, query: FreeQuery) -> FreeWindowsOut:
    """When a viewing can be booked with this agent: their slots in the range (never before
    now) minus their pending and confirmed viewings. Three queries (the account, its slots, its
    viewings in the range), whatever the range."""
    await _existing(user_id)
    now = utcnow()
    if query.start is None and query.end is not None and query.end - now > MAX_RANGE:
        raise FieldError.one("query.to", f"At most {MAX_FREE_RANGE_DAYS} days from now")
    # Nothing past the booking horizon can be booked; capping there also keeps the
    # arithmetic below far from the calendar's end (a `from` in the year 9999).
    horizon = now + BOOKING_HORIZON
    start = min(max(query.start or now, now), horizon)
    end = min(query.end or start + DEFAULT_RANGE, horizon)
    slots = await AvailabilitySlot.filter(agent_id=user_id)
    if not slots:
        return FreeWindowsOut(windows=None)
    if end <= start:
        return FreeWindowsOut(windows=[])
    taken: list[Span] = await Appointment.filter(
        agent_id=user_id, status__in=HOLDS_TIME, scheduled_at__lt=end, ends_at__gt=start
    ).values_list("scheduled_at", "ends_at")
    return FreeWindowsOut(
        windows=[
            WindowOut(start=begins, end=ends)
            for begins, ends in minus(slot_spans(slots, start, end), taken)
        ]
    )


def fits(slots: list[AvailabilitySlot], start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside one weekly slot (times in UTC)."""
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    begins = (start - midnight) / timedelta(minutes=1)
    ends = (end - midnight) / timedelta(minutes=1)  # past 1440 when it runs into tomorrow
    return any(
        slot.weekday == start.weekday() and slot.start_minute <= begins and ends <= slot.end_minute
        for slot in slots
    )
