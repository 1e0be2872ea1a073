"""The demo's viewings and deals, decided with the rest of the plan: every agent's weekly
availability, viewings in every state, an active contract behind every rented or sold
listing, and a few deals under way (their listings marked pending), so each screen of the
deal flow has something to show. The rows hold the invariants the services keep: future
viewings fit the agent's slots and never overlap, a contract follows a completed viewing
of its listing by its client, one open contract per listing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sheda.appointments.models import AppointmentStatus as V
from sheda.contracts.models import ContractStatus as C
from sheda.properties.models import ListingType, PropertyStatus

if TYPE_CHECKING:
    from sheda.demo.plan import Listing, Person

# Weekly slots of every demo agent, in UTC: (weekday, start minute, end minute).
SLOTS = [(day, 9 * 60, 17 * 60) for day in range(5)] + [(5, 10 * 60, 14 * 60)]
HOURS = (10, 12, 14)  # when the future viewings start: inside the weekday slots
MINUTES = 60
# The open viewings of each agent, by state.
AHEAD = (V.PENDING, V.PENDING, V.CONFIRMED)
BEHIND = (V.COMPLETED, V.REJECTED, V.CANCELED)
UNDER_WAY = (C.AWAITING_PAYMENT, C.PAYMENT_SUBMITTED)  # one of each, on two agents


@dataclass(frozen=True)
class Viewing:
    client: int  # index into Plan.clients
    listing: int  # index into Plan.listings
    at: datetime
    status: V
    note: str | None = None
    reject_reason: str | None = None


@dataclass(frozen=True)
class Deal:
    viewing: int  # index into Deals.viewings
    status: C
    amount: Decimal
    months: int | None
    created_at: datetime
    start: datetime | None = None
    end: datetime | None = None
    payment_reference: str | None = None


@dataclass
class Deals:
    viewings: list[Viewing]
    contracts: list[Deal]


def _workday(now: datetime, days: int, hour: int) -> datetime:
    day = (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:  # Saturday slots are shorter: keep to weekdays
        day += timedelta(days=1)
    return day


def make_deals(*, agents: list[Person], clients: list[Person], listings: list[Listing],
               now: datetime, rng: random.Random) -> Deals:
    """Mutates the listings it puts a deal under way on (their status becomes pending)."""
    viewings: list[Viewing] = []
    contracts: list[Deal] = []

    def view(client: int, listing: int, at: datetime, status: V, **extra: str) -> int:
        viewings.append(Viewing(client, listing, at, status, **extra))
        return len(viewings) - 1

    # Every rented or sold listing: a completed viewing, then the active contract.
    for index, item in enumerate(listings):
        if item.status not in (PropertyStatus.RENTED, PropertyStatus.SOLD):
            continue
        start = _workday(now, -rng.randint(20, 300), 10)
        seen = view(rng.randrange(len(clients)), index, start - timedelta(days=7), V.COMPLETED)
        rent = item.listing_type is ListingType.RENT
        contracts.append(Deal(
            viewing=seen, status=C.ACTIVE, amount=item.price * 12 if rent else item.price,
            months=12 if rent else None, created_at=start - timedelta(days=3), start=start,
            end=_add_year(start) if rent else None, payment_reference=f"DEMO-{1000 + index}",
        ))
    for agent in range(len(agents)):
        open_homes = [i for i, item in enumerate(listings) if item.agent == agent
                      and item.is_active and item.status is PropertyStatus.AVAILABLE]
        if len(open_homes) < 2:
            continue
        taken: set[datetime] = set()
        for status in AHEAD:  # distinct times: an agent's open viewings never overlap
            at = _workday(now, rng.randint(2, 12), rng.choice(HOURS))
            while at in taken:
                at = _workday(at + timedelta(days=1), 0, at.hour)
            taken.add(at)
            note = rng.choice((None, "Can I bring my partner along?", "I will come by car."))
            view(rng.randrange(len(clients)), rng.choice(open_homes), at, status,
                 **({"note": note} if note else {}))
        for status in BEHIND:
            extra = {"reject_reason": "The landlord is away that week."} if (
                status is V.REJECTED) else {}
            view(rng.randrange(len(clients)), rng.choice(open_homes),
                 _workday(now, -rng.randint(3, 40), rng.choice(HOURS)), status, **extra)
        if agent < len(UNDER_WAY):
            # A deal under way: a viewing last week, then a contract on that listing.
            home = open_homes[0]
            item = listings[home]
            seen = view(rng.randrange(len(clients)), home,
                        _workday(now, -rng.randint(5, 9), 12), V.COMPLETED)
            rent = item.listing_type is ListingType.RENT
            months = rng.choice((6, 12, 24)) if rent else None
            deal = UNDER_WAY[agent]
            contracts.append(Deal(
                viewing=seen, status=deal,
                amount=item.price * months if months else item.price, months=months,
                created_at=now - timedelta(days=2),
                payment_reference="DEMO-TRF-2026" if deal is C.PAYMENT_SUBMITTED else None,
            ))
            item.status = PropertyStatus.PENDING
    return Deals(viewings=viewings, contracts=contracts)


def _add_year(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)
