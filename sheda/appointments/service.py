"""Booking viewings and moving them through their states.

The moves are the table MOVES; each is one conditional UPDATE (sheda/common/states.py).
Overlaps are refused by the database (see models.py), not by a check here that two
concurrent bookings could both pass.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from sheda.appointments.availability import fits
from sheda.appointments.models import HOLDS_TIME, NO_OVERLAP, Appointment, AvailabilitySlot
from sheda.appointments.models import AppointmentStatus as S
from sheda.appointments.policy import party_appointment, require_agent
from sheda.appointments.schemas import (
    BOOKING_HORIZON,
    AppointmentIn,
    AppointmentOut,
    AppointmentQuery,
    PartyRole,
    RejectIn,
)
from sheda.common import states
from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.pagination import newest_first
from sheda.common.schemas import Page
from sheda.common.sweep import sweep
from sheda.db import violated_constraint
from sheda.errors import Conflict, FieldError, Forbidden
from sheda.notifications.schemas import AppointmentEventData
from sheda.notifications.service import notify
from sheda.properties.models import Property, PropertyStatus
from sheda.properties.policy import visible_property
from sheda.users.principal import Principal

logger = logging.getLogger("sheda.appointments")


CONFIRM = states.Move("confirmed", frozenset({S.PENDING}), S.CONFIRMED)
REJECT = states.Move("rejected", frozenset({S.PENDING}), S.REJECTED)
CANCEL = states.Move("canceled", frozenset({S.PENDING, S.CONFIRMED}), S.CANCELED)
COMPLETE = states.Move("completed", frozenset({S.CONFIRMED}), S.COMPLETED)


def appointment_out(row: Appointment) -> AppointmentOut:
    return AppointmentOut.model_validate(row)


async def book(*, rt: Runtime, caller: Principal, data: AppointmentIn) -> AppointmentOut:
    listing = await visible_property(property_id=data.property_id, caller=None)
    agent_id: int = listing.agent_id
    if agent_id == caller.id:
        raise Forbidden("You cannot book a viewing of your own listing")
    if listing.status in (PropertyStatus.RENTED, PropertyStatus.SOLD):
        raise Conflict(f"This listing is {listing.status.value}; it takes no more viewings")
    start = data.scheduled_at  # in UTC (schemas.py)
    now = utcnow()
    if start <= now:
        raise FieldError.one("body.scheduled_at", "The time must be in the future")
    if start > now + BOOKING_HORIZON:
        raise FieldError.one("body.scheduled_at", "Book at most a year ahead")
    end = start + timedelta(minutes=data.duration_minutes)
    slots = await AvailabilitySlot.filter(agent_id=agent_id)
    if slots and not fits(slots, start, end):
        raise FieldError.one(
            "body.scheduled_at",
            "The agent is not available then: the whole viewing must fit in one of their "
            "slots (GET /api/v1/users/{id}/availability)",
        )
    try:
        row = await Appointment.create(
            property_id=listing.id,
            client_id=caller.id,
            agent_id=agent_id,
            scheduled_at=start,
            ends_at=end,
            duration_minutes=data.duration_minutes,
            note=data.note,
        )
    except IntegrityError as err:
        if await violated_constraint(err) == NO_OVERLAP:
            raise Conflict("The agent already has a viewing booked at that time") from None
        raise
    await _tell(rt, row, row.agent_id, "appointment.requested", listing)
    return appointment_out(row)


async def list_mine(*, caller: Principal, query: AppointmentQuery) -> Page[AppointmentOut]:
    if query.role is PartyRole.CLIENT:
        rows = Appointment.filter(client_id=caller.id)
    elif query.role is PartyRole.AGENT:
        rows = Appointment.filter(agent_id=caller.id)
    else:
        rows = Appointment.filter(Q(client_id=caller.id) | Q(agent_id=caller.id))
    if query.status is not None:
        rows = rows.filter(status=query.status)
    page, next_cursor = await newest_first(rows, limit=query.limit, cursor=query.cursor)
    return Page[AppointmentOut](items=[appointment_out(r) for r in page], next_cursor=next_cursor)


async def get(*, caller: Principal, appointment_id: int) -> AppointmentOut:
    return appointment_out(await party_appointment(appointment_id=appointment_id, caller=caller))


async def confirm(*, rt: Runtime, caller: Principal, appointment_id: int) -> AppointmentOut:
    row = await party_appointment(appointment_id=appointment_id, caller=caller)
    require_agent(row, caller)
    return await _move(
        rt, row, CONFIRM, tell=row.client_id,
        guard={"scheduled_at__gt": utcnow()},
        refused="The viewing's time has passed; it can no longer be confirmed",
    )


async def reject(
    *, rt: Runtime, caller: Principal, appointment_id: int, data: RejectIn
) -> AppointmentOut:
    row = await party_appointment(appointment_id=appointment_id, caller=caller)
    require_agent(row, caller)
    return await _move(
        rt, row, REJECT, tell=row.client_id, values={"reject_reason": data.reason}
    )


async def cancel(*, rt: Runtime, caller: Principal, appointment_id: int) -> AppointmentOut:
    row = await party_appointment(appointment_id=appointment_id, caller=caller)
    other = row.agent_id if caller.id == row.client_id else row.client_id
    return await _move(rt, row, CANCEL, tell=other)


async def complete(*, rt: Runtime, caller: Principal, appointment_id: int) -> AppointmentOut:
    row = await party_appointment(appointment_id=appointment_id, caller=caller)
    require_agent(row, caller)
    # Not before the viewing has started.
    return await _move(
        rt, row, COMPLETE, tell=row.client_id,
        guard={"scheduled_at__lte": utcnow()},
        refused="The viewing has not started yet; it cannot be completed before its time",
    )


async def cancel_stale(*, rt: Runtime, now: datetime, batch: int = 500) -> int:
    """The background loop: pending appointments whose time came without a confirmation
    are canceled and both parties told. Each row is claimed by its own conditional
    UPDATE, so two loops running at once cancel (and notify) each one once."""
    ids = await Appointment.filter(status=S.PENDING, scheduled_at__lte=now).order_by(
        "scheduled_at"
    ).limit(batch).values_list("id", flat=True)
    return await sweep(ids, lambda i: _cancel_stale(rt, i), what="stale appointment cancel")


async def _cancel_stale(rt: Runtime, appointment_id: int) -> bool:
    changed = await Appointment.filter(id=appointment_id, status=S.PENDING).update(
        status=S.CANCELED, updated_at=utcnow()
    )
    if not changed:
        return False  # another loop, or a party, got there first
    row = await Appointment.get(id=appointment_id)
    listing = await Property.get_or_none(id=row.property_id)
    reason = "its time passed before it was confirmed"
    for user_id in (row.client_id, row.agent_id):
        await _tell(rt, row, user_id, "appointment.canceled", listing, reason=reason)
    return True


async def cancel_for_listing(*, property_id: int) -> list[Appointment]:
    """A listing is being deleted (call inside its transaction): its pending and confirmed
    viewings are canceled. Returns them, for tell_listing_removed after the commit."""
    rows = await Appointment.filter(property_id=property_id, status__in=list(HOLDS_TIME))
    if rows:
        await Appointment.filter(id__in=[r.id for r in rows], status__in=list(HOLDS_TIME)).update(
            status=S.CANCELED, updated_at=utcnow()
        )
    return rows


async def cancel_for_closed_account(*, rt: Runtime, user_id: int) -> int:
    """An account was deleted: its pending and confirmed viewings (either side) are
    canceled and the other party told, so no agent waits for a client who is gone."""
    rows = await Appointment.filter(
        Q(client_id=user_id) | Q(agent_id=user_id), status__in=list(HOLDS_TIME)
    )
    canceled = 0
    for row in rows:
        if not await Appointment.filter(id=row.id, status__in=list(HOLDS_TIME)).update(
            status=S.CANCELED, updated_at=utcnow()
        ):
            continue
        canceled += 1
        other = row.agent_id if row.client_id == user_id else row.client_id
        listing = await Property.get_or_none(id=row.property_id)
        await _tell(
            rt, row, other, "appointment.canceled", listing,
            reason="the other party closed their account",
        )
    return canceled


async def tell_listing_removed(*, rt: Runtime, rows: list[Appointment], title: str) -> None:
    for row in rows:
        await _tell(
            rt, row, row.client_id, "appointment.canceled", None,
            reason=f"the listing “{title}” was removed",
        )


async def _move(
    rt: Runtime,
    row: Appointment,
    move: states.Move[S],
    *,
    tell: int,
    guard: dict[str, object] | None = None,
    refused: str | None = None,
    values: dict[str, object] | None = None,
) -> AppointmentOut:
    outcome = await states.apply(
        Appointment, row.id, move, noun="appointment", guard=guard, refused=refused,
        values=values,
    )
    if outcome.changed:
        logger.info("appointment %s %s", row.id, move.done)
        listing = await Property.get_or_none(id=row.property_id)
        await _tell(rt, outcome.row, tell, f"appointment.{move.target.value}", listing)
    return appointment_out(outcome.row)


async def _tell(
    rt: Runtime,
    row: Appointment,
    user_id: int,
    event: str,
    listing: Property | None,
    *,
    reason: str | None = None,
) -> None:
    """Notify after the change is committed; a failed notification never undoes it."""
    what = f"“{listing.title}”" if listing is not None else "a listing that was removed"
    when = row.scheduled_at.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")
    summary = f"Viewing of {what} on {when}: {event.removeprefix('appointment.')}"
    if reason:
        summary += f" ({reason})"
    try:
        await notify(
            rt=rt,
            user_id=user_id,
            event=event,
            data=AppointmentEventData(
                appointment_id=row.id, property_id=row.property_id, summary=summary
            ),
        )
    except Exception:
        logger.exception("notifying user %s of %s (appointment %s) failed", user_id, event, row.id)
