"""Contracts: created by a client after a viewing, paid, confirmed or declined by the agent,
canceled before payment, expired at the end of a rental.

The moves are the Move constants below, each one conditional UPDATE (common/states.py),
and the listing's status follows in the same transaction: available → pending (created)
→ rented/sold (payment confirmed) → available (declined, canceled or expired). One open
contract per listing is a partial unique index (models.py); the conditional UPDATE of the
listing's status from ``available`` is what makes concurrent creators queue up.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from sheda.appointments.models import Appointment, AppointmentStatus
from sheda.appointments.schemas import PartyRole
from sheda.common import states
from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.pagination import newest_first
from sheda.common.schemas import Page
from sheda.common.sweep import sweep
from sheda.contracts.models import ONE_OPEN_PER_PROPERTY, Contract
from sheda.contracts.models import ContractStatus as S
from sheda.contracts.policy import require_agent, require_client, visible_contract
from sheda.contracts.schemas import (
    ContractIn,
    ContractOut,
    ContractQuery,
    PaymentSubmittedIn,
)
from sheda.db import violated_constraint
from sheda.errors import Conflict, FieldError, Forbidden, NotFound
from sheda.notifications.schemas import ContractEventData
from sheda.notifications.service import notify
from sheda.properties import deals
from sheda.properties.models import ListingType, Property
from sheda.properties.policy import is_admin, visible_property
from sheda.users.principal import Principal

logger = logging.getLogger("sheda.contracts")

# Viewings after which a client may make a deal.
DEAL_READY = (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED)
# The largest amount a deal may come to: 15 significant digits, which a JSON number (a
# double) carries exactly to the cent. A listing's price (12 integer digits) always fits;
# only a rent x months beyond it is refused (422) rather than shown a cent off.
MAX_AMOUNT = Decimal("9999999999999.99")

SUBMIT = states.Move("paid for", frozenset({S.AWAITING_PAYMENT}), S.PAYMENT_SUBMITTED)
CONFIRM = states.Move("confirmed", frozenset({S.PAYMENT_SUBMITTED}), S.ACTIVE)
DECLINE = states.Move("declined", frozenset({S.PAYMENT_SUBMITTED}), S.DECLINED)
CANCEL = states.Move("canceled", frozenset({S.AWAITING_PAYMENT}), S.CANCELED)
EXPIRE = states.Move("expired", frozenset({S.ACTIVE}), S.EXPIRED)

# The states that give the listing back (available for a new contract).
RELEASES = frozenset({S.DECLINED, S.CANCELED, S.EXPIRED})


def contract_out(row: Contract) -> ContractOut:
    return ContractOut.model_validate(row)


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months: 31 January + 1 month is the last day of February."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


async def create(
    *, rt: Runtime, caller: Principal, property_id: int, data: ContractIn
) -> ContractOut:
    listing = await visible_property(property_id=property_id, caller=None)
    agent_id: int = listing.agent_id
    if agent_id == caller.id:
        raise Forbidden("You cannot make a contract on your own listing")
    viewing = await Appointment.get_or_none(id=data.appointment_id, client_id=caller.id)
    if viewing is None:
        raise NotFound("No such appointment")
    if viewing.property_id != listing.id:
        raise FieldError.one("body.appointment_id", "That viewing was of another listing")
    if viewing.status not in DEAL_READY:
        raise Conflict(
            f"The viewing is {viewing.status.value}; a contract follows a confirmed or "
            "completed one"
        )
    months = data.rental_period_months
    if listing.listing_type == ListingType.RENT:
        if months is None:
            raise FieldError.one("body.rental_period_months", "Required for a rental (1..120)")
        amount = listing.price * months
        if amount > MAX_AMOUNT:
            raise FieldError.one(
                "body.rental_period_months",
                f"{months} months would come to more than {MAX_AMOUNT:,}; choose fewer",
            )
    else:
        if months is not None:
            raise FieldError.one("body.rental_period_months", "Not allowed for a sale")
        amount = listing.price
    async with in_transaction():
        # Taking the listing first makes concurrent creators wait on its row (PostgreSQL)
        # and then find it pending; the unique index would refuse a second open contract
        # anyway.
        if not await deals.hold(listing.id):
            raise Conflict("This listing already has a deal in progress or is not available")
        try:
            row = await Contract.create(
                property_id=listing.id,
                client_id=caller.id,
                agent_id=agent_id,
                appointment_id=viewing.id,
                contract_type=listing.listing_type,
                amount=amount,
                rental_period_months=months,
            )
        except IntegrityError as err:
            if await violated_constraint(err) == ONE_OPEN_PER_PROPERTY:
                raise Conflict("This listing already has a deal in progress") from None
            raise
    await _tell(rt, row, agent_id, "contract.created", listing.title)
    return contract_out(row)


async def list_visible(*, caller: Principal, query: ContractQuery) -> Page[ContractOut]:
    if query.role is PartyRole.CLIENT:
        rows = Contract.filter(client_id=caller.id)
    elif query.role is PartyRole.AGENT:
        rows = Contract.filter(agent_id=caller.id)
    elif is_admin(caller):
        rows = Contract.all()
    else:
        rows = Contract.filter(Q(client_id=caller.id) | Q(agent_id=caller.id))
    if query.status is not None:
        rows = rows.filter(status=query.status)
    if query.property_id is not None:
        rows = rows.filter(property_id=query.property_id)
    page, next_cursor = await newest_first(rows, limit=query.limit, cursor=query.cursor)
    return Page[ContractOut](items=[contract_out(r) for r in page], next_cursor=next_cursor)


async def get(*, caller: Principal, contract_id: int) -> ContractOut:
    return contract_out(await visible_contract(contract_id=contract_id, caller=caller))


async def submit_payment(
    *, rt: Runtime, caller: Principal, contract_id: int, data: PaymentSubmittedIn
) -> ContractOut:
    row = await visible_contract(contract_id=contract_id, caller=caller)
    require_client(row, caller)
    values = {"payment_reference": data.payment_reference}
    return await _move(rt, row, SUBMIT, tell=[row.agent_id], values=values)


async def confirm_payment(*, rt: Runtime, caller: Principal, contract_id: int) -> ContractOut:
    row = await visible_contract(contract_id=contract_id, caller=caller)
    require_agent(row, caller)
    start = utcnow()
    end = add_months(start, row.rental_period_months) if row.rental_period_months else None
    return await _move(
        rt, row, CONFIRM, tell=[row.client_id], values={"start_date": start, "end_date": end}
    )


async def decline_payment(*, rt: Runtime, caller: Principal, contract_id: int) -> ContractOut:
    row = await visible_contract(contract_id=contract_id, caller=caller)
    require_agent(row, caller)
    return await _move(rt, row, DECLINE, tell=[row.client_id])


async def cancel(*, rt: Runtime, caller: Principal, contract_id: int) -> ContractOut:
    row = await visible_contract(contract_id=contract_id, caller=caller)
    require_client(row, caller)
    return await _move(rt, row, CANCEL, tell=[row.agent_id])


async def expire(*, rt: Runtime, contract_id: int, caller: Principal) -> ContractOut:
    """Admins: an active rental → expired at once (the loop does it at ``end_date``). A sale
    has no end: expiring it would put a sold home back on the market."""
    row = await visible_contract(contract_id=contract_id, caller=caller)
    if row.contract_type != ListingType.RENT:
        raise Conflict("A sale does not expire; only rentals do")
    return await _move(rt, row, EXPIRE, tell=[row.client_id, row.agent_id])


async def expire_due(*, rt: Runtime, now: datetime, batch: int = 500) -> int:
    """The background loop: active rentals past ``end_date`` expire, their listing becomes
    available and both parties are told. Each contract is claimed by its own conditional
    UPDATE, so two loops running at once expire (and notify) each one exactly once."""
    ids = await Contract.filter(status=S.ACTIVE, end_date__lte=now).order_by("end_date").limit(
        batch
    ).values_list("id", flat=True)
    return await sweep(ids, lambda i: _close(rt, i, EXPIRE), what="contract expiry")


async def cancel_unpaid(*, rt: Runtime, now: datetime, window: timedelta, batch: int = 500) -> int:
    """The background loop: a contract left awaiting payment longer than ``window`` is
    canceled and its listing given back, so a client who walks away cannot hold a listing
    forever (only the client may cancel it by hand). Both parties are told."""
    ids = await Contract.filter(
        status=S.AWAITING_PAYMENT, created_at__lte=now - window
    ).order_by("created_at").limit(batch).values_list("id", flat=True)
    return await sweep(ids, lambda i: _close(rt, i, CANCEL), what="unpaid contract cancel")


async def _close(rt: Runtime, contract_id: int, move: states.Move[S]) -> bool:
    """One row of a sweep: the move (if nobody made it meanwhile), then both parties told."""
    row = await Contract.get_or_none(id=contract_id)
    if row is None:
        return False
    outcome = await _apply(row, move)
    if outcome.changed:
        await _notify_move(rt, outcome.row, move, [row.client_id, row.agent_id])
    return outcome.changed


async def cancel_for_closed_account(*, rt: Runtime, user_id: int) -> int:
    """A client deleted their account: their contracts still awaiting payment are canceled
    and the listings given back (the agent is told). Paid or active ones stay: money has
    moved, and the agent still confirms or declines."""
    canceled = 0
    for row in await Contract.filter(client_id=user_id, status=S.AWAITING_PAYMENT):
        outcome = await _apply(row, CANCEL)
        if outcome.changed:
            canceled += 1
            await _notify_move(rt, outcome.row, CANCEL, [row.agent_id])
    return canceled


async def _move(
    rt: Runtime,
    row: Contract,
    move: states.Move[S],
    *,
    tell: list[int],
    values: dict[str, Any] | None = None,
) -> ContractOut:
    outcome = await _apply(row, move, values=values)
    if outcome.changed:
        await _notify_move(rt, outcome.row, move, tell)
    return contract_out(outcome.row)


async def _apply(
    row: Contract, move: states.Move[S], *, values: dict[str, Any] | None = None
) -> states.Outcome[Contract]:
    """The contract's move and the listing's status change, in one transaction."""
    async with in_transaction():
        outcome = await states.apply(Contract, row.id, move, noun="contract", values=values)
        if outcome.changed and row.property_id is not None:
            await _update_listing(row.property_id, row.contract_type, move.target)
    if outcome.changed:
        logger.info("contract %s %s", row.id, move.done)
    return outcome


async def _update_listing(property_id: int, contract_type: ListingType, status: S) -> None:
    if status is S.ACTIVE:
        await deals.settle(property_id, contract_type)
    elif status in RELEASES:
        await deals.release(property_id)


async def _notify_move(rt: Runtime, row: Contract, move: states.Move[S], tell: list[int]) -> None:
    title = await Property.filter(id=row.property_id).first().values_list("title", flat=True)
    for user_id in tell:
        await _tell(rt, row, user_id, f"contract.{move.target.value}", title)


async def _tell(rt: Runtime, row: Contract, user_id: int, event: str, title: Any) -> None:
    """Notify after the change is committed; a failed notification never undoes it."""
    what = f"“{title}”" if title else "a listing that was removed"
    summary = f"Contract #{row.id} for {what}: {event.removeprefix('contract.').replace('_', ' ')}"
    try:
        await notify(
            rt=rt,
            user_id=user_id,
            event=event,
            data=ContractEventData(
                contract_id=row.id,
                property_id=row.property_id,
                appointment_id=row.appointment_id,
                summary=summary,
            ),
        )
    except Exception:
        logger.exception("notifying user %s of %s for contract %s failed", user_id, event, row.id)
