"""`sheda seed-demo` also writes availability, viewings in every state and contracts, as
the deal services would have left them (sheda/demo/deals.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sheda.appointments.models import AppointmentStatus
from sheda.contracts.models import ContractStatus
from sheda.demo import vocab
from sheda.demo.deals import MINUTES, SLOTS
from sheda.demo.plan import make_plan
from sheda.properties.models import PropertyStatus
from tests.demo.test_seed_demo import DEMO, LISTINGS, sheda
from tests.support import bearer, login

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # a Monday
OPEN_VIEWING = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)
OPEN_DEAL = (
    ContractStatus.AWAITING_PAYMENT, ContractStatus.PAYMENT_SUBMITTED, ContractStatus.ACTIVE
)


def _fits(at: datetime) -> bool:
    start = at.hour * 60 + at.minute
    return any(day == at.weekday() and lo <= start and start + MINUTES <= hi
               for day, lo, hi in SLOTS)


def test_the_planned_deals_are_consistent() -> None:
    plan = make_plan(listings=LISTINGS, seed=42, now=NOW)
    viewings, contracts = plan.deals.viewings, plan.deals.contracts
    assert {v.status for v in viewings} == set(AppointmentStatus)
    assert {ContractStatus.ACTIVE, ContractStatus.AWAITING_PAYMENT,
            ContractStatus.PAYMENT_SUBMITTED} <= {c.status for c in contracts}

    # Future viewings fit the slots and never overlap per agent; the others lie in the past.
    held = defaultdict(list)
    for viewing in viewings:
        if viewing.status in OPEN_VIEWING:
            assert viewing.at > NOW and _fits(viewing.at)
            held[plan.listings[viewing.listing].agent].append(viewing.at)
        else:
            assert viewing.at < NOW
    for times in held.values():
        times.sort()
        assert all(b - a >= timedelta(minutes=MINUTES) for a, b in pairwise(times))

    # A contract follows its client's completed viewing of that listing; one open per listing.
    per_listing = Counter()
    for deal in contracts:
        viewing = viewings[deal.viewing]
        listing = plan.listings[viewing.listing]
        assert viewing.status is AppointmentStatus.COMPLETED and viewing.at < deal.created_at
        months = deal.months or 1
        assert deal.amount == listing.price * months
        if deal.status in OPEN_DEAL:
            per_listing[viewing.listing] += 1
        if deal.status is ContractStatus.ACTIVE:
            assert listing.status in (PropertyStatus.RENTED, PropertyStatus.SOLD)
            assert (deal.end is None) == (deal.months is None)
            assert deal.end is None or deal.end > NOW
        else:
            assert listing.status is PropertyStatus.PENDING and deal.start is None
    assert max(per_listing.values()) == 1
    for index, listing in enumerate(plan.listings):
        if listing.status is not PropertyStatus.AVAILABLE:
            assert per_listing[index] == 1, listing  # every held listing has its contract


async def test_seeded_deals_are_served_by_the_api(client, settings):
    code, _, err = await sheda(settings, "seed-demo", "--listings", str(LISTINGS))
    assert code == 0, err

    seen: dict[int, dict] = {}
    contracts: dict[int, dict] = {}
    for role, count in (("agent", 5), ("client", 10)):
        for n in range(1, count + 1):
            token = (await login(client, f"{role}{n}{DEMO}", vocab.PASSWORD))["access_token"]
            headers = bearer(token)
            mine = await client.get("/api/v1/appointments?limit=100", headers=headers)
            assert mine.status_code == 200, mine.text
            seen.update({item["id"]: item for item in mine.json()["items"]})
            deals = await client.get("/api/v1/contracts?limit=100", headers=headers)
            contracts.update({item["id"]: item for item in deals.json()["items"]})
            if role == "agent":
                me = (await client.get("/api/v1/users/me", headers=headers)).json()
                slots = await client.get(f"/api/v1/users/{me['id']}/availability",
                                         headers=headers)
                assert len(slots.json()["slots"]) == len(SLOTS)
    plan = make_plan(listings=LISTINGS, seed=42, now=datetime.now(UTC))
    assert len(seen) == len(plan.deals.viewings)
    assert len(contracts) == len(plan.deals.contracts)
    assert Counter(c["status"] for c in contracts.values()) == Counter(
        d.status.value for d in plan.deals.contracts
    )
    for contract in contracts.values():
        viewing = seen[contract["appointment_id"]]
        assert viewing["property_id"] == contract["property_id"]
        assert viewing["client_id"] == contract["client_id"]
