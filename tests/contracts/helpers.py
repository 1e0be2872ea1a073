"""Helpers for the contract tests, on top of tests/deals.py: a ready deal (an agent with a
payment account, a listing, a client with a confirmed viewing), the contract's moves,
notifications as a party reads them, and rows made straight in the database where a test
needs volume rather than the flow."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from sheda.appointments.models import Appointment
from sheda.contracts.models import Contract
from sheda.properties.models import Property
from tests.deals import (
    APPOINTMENTS,
    CONTRACTS,
    Account,
    account,
    act,
    agent,
    at,
    confirmed_viewing,
    listing,
    set_payment_account,
    start_contract,
)
from tests.support import bearer

NOTIFICATIONS = "/api/v1/notifications"
PROPERTIES = "/api/v1/properties"

# The Contract object of API.md "Payments and contracts".
CONTRACT_KEYS = {
    "id",
    "property_id",
    "client_id",
    "agent_id",
    "appointment_id",
    "contract_type",
    "amount",
    "rental_period_months",
    "start_date",
    "end_date",
    "status",
    "payment_reference",
    "created_at",
    "updated_at",
}
# API.md "WebSocket protocol": contract events carry these ids and a human summary.
CONTRACT_EVENT_KEYS = {"contract_id", "property_id", "appointment_id", "summary"}
Body = dict[str, Any]
OPEN_STATES = ("awaiting_payment", "payment_submitted", "active")


@dataclass
class Deal:
    agent: Account
    client: Account
    listing: Property
    viewing: dict[str, Any]

    @property
    def property_id(self) -> int:
        return self.listing.id


async def ready_deal(
    client: httpx.AsyncClient,
    *,
    listing_type: str = "rent",
    price: Decimal = Decimal("1000.00"),
    payment_account: bool = True,
    client_email: str = "carol@example.com",
) -> Deal:
    """An agent (with a payment account unless told otherwise) and one listing; a client
    whose viewing of it the agent confirmed."""
    ada = await agent(client)
    if payment_account:
        await set_payment_account(client, ada)
    flat = await listing(ada.id, listing_type=listing_type, price=price)
    carol = await account(client, client_email)
    viewing = await confirmed_viewing(client, carol, ada, flat.id)
    return Deal(ada, carol, flat, viewing)


async def another_viewer(
    client: httpx.AsyncClient, deal: Deal, email: str, days: int = 3
) -> tuple[Account, dict[str, Any]]:
    """A second client with their own confirmed viewing of the deal's listing."""
    person = await account(client, email)
    return person, await confirmed_viewing(client, person, deal.agent, deal.property_id, days)


async def open_contract(client: httpx.AsyncClient, deal: Deal) -> dict[str, Any]:
    """POST /contracts/{listing}: 12 months for a rental, no period for a sale."""
    months = 12 if deal.listing.listing_type == "rent" else None
    return await start_contract(client, deal.client, deal.property_id, deal.viewing["id"], months)


async def post_contract(
    client: httpx.AsyncClient, person: Account, property_id: int | str, **body: Any
) -> httpx.Response:
    """POST /contracts/{listing} without asserting the answer."""
    return await client.post(f"{CONTRACTS}/{property_id}", headers=person.headers, json=body)


async def assert_nothing_started(client: httpx.AsyncClient, deal: Deal) -> None:
    """A refused creation leaves no contract, the listing available and the agent untold."""
    assert await Contract.all().count() == 0
    assert await property_status(client, deal.property_id) == "available"
    assert await contract_events(client, deal.agent) == []


def contract_url(contract: dict[str, Any] | int | str, action: str = "") -> str:
    """The contract's URL; ``contract`` is its body or a raw id (also a malformed one)."""
    contract_id = contract["id"] if isinstance(contract, dict) else contract
    return f"{CONTRACTS}/{contract_id}" + (f"/{action}" if action else "")


async def submit(
    client: httpx.AsyncClient, deal: Deal, contract: dict[str, Any], **body: Any
) -> dict[str, Any]:
    return await act(
        client, deal.client, "PATCH", contract_url(contract, "payment-submitted"), json=body
    )


async def confirm(client: httpx.AsyncClient, deal: Deal, contract: Body) -> Body:
    return await act(client, deal.agent, "PATCH", contract_url(contract, "confirm-payment"))


async def decline(client: httpx.AsyncClient, deal: Deal, contract: Body) -> Body:
    return await act(client, deal.agent, "PATCH", contract_url(contract, "decline-payment"))


async def cancel(client: httpx.AsyncClient, deal: Deal, contract: Body) -> Body:
    return await act(client, deal.client, "DELETE", contract_url(contract))


async def expire(
    client: httpx.AsyncClient, admin: Account, contract: dict[str, Any]
) -> dict[str, Any]:
    return await act(client, admin, "PATCH", contract_url(contract, "expire"))


async def contract_in(
    client: httpx.AsyncClient, deal: Deal, state: str, admin: Account | None = None
) -> dict[str, Any]:
    """A contract of ``deal`` brought to ``state`` through the API (``expired`` needs an
    admin)."""
    contract = await open_contract(client, deal)
    if state == "awaiting_payment":
        return contract
    if state == "canceled":
        return await cancel(client, deal, contract)
    contract = await submit(client, deal, contract, payment_reference="TRF-0001")
    if state == "payment_submitted":
        return contract
    if state == "declined":
        return await decline(client, deal, contract)
    contract = await confirm(client, deal, contract)
    if state == "active":
        return contract
    assert state == "expired" and admin is not None, state
    return await expire(client, admin, contract)


async def property_status(client: httpx.AsyncClient, property_id: int) -> str:
    """The listing's status as anyone reads it (GET /properties/{id})."""
    response = await client.get(f"{PROPERTIES}/{property_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def notifications(client: httpx.AsyncClient, person: Account) -> list[dict[str, Any]]:
    """The person's stored notifications, newest first (GET /notifications)."""
    response = await client.get(NOTIFICATIONS, headers=person.headers, params={"limit": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def contract_events(client: httpx.AsyncClient, person: Account) -> list[dict[str, Any]]:
    """The person's contract notifications, oldest first."""
    found = [n for n in await notifications(client, person) if n["event"].startswith("contract.")]
    return list(reversed(found))


async def event_names(client: httpx.AsyncClient, person: Account) -> list[str]:
    return [n["event"] for n in await contract_events(client, person)]


async def as_client(client: httpx.AsyncClient, person: Account) -> Account:
    """The same account acting as a client (POST /auth/switch-account)."""
    response = await client.post(
        "/api/v1/auth/switch-account", headers=person.headers, json={"user_type": "client"}
    )
    assert response.status_code == 200, response.text
    return Account(person.id, person.email, bearer(response.json()["access_token"]))


def parse(timestamp: str) -> datetime:
    assert timestamp.endswith("Z"), timestamp
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def plus_months(moment: datetime, months: int) -> datetime:
    """Calendar months, the way a lease counts them: the same day of the month, or the
    month's last day when it has no such day (31 January + 1 month = end of February)."""
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    last = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last))


async def completed_viewing(
    client: httpx.AsyncClient, person: Account, agent_account: Account, property_id: int
) -> dict[str, Any]:
    """A viewing that took place: booked, confirmed, its time moved into the past in the
    database (the API refuses past bookings), then completed by the agent."""
    viewing = await confirmed_viewing(client, person, agent_account, property_id)
    start = now() - timedelta(hours=3)
    await Appointment.filter(id=viewing["id"]).update(
        scheduled_at=start, ends_at=start + timedelta(minutes=60)
    )
    return await act(client, agent_account, "PATCH", f"{APPOINTMENTS}/{viewing['id']}/complete")


async def stored_viewing(
    property_id: int, client_id: int, agent_id: int, when: datetime, status: str = "confirmed"
) -> Appointment:
    """An appointment straight in the database (fast set-up for volume tests)."""
    return await Appointment.create(
        property_id=property_id,
        client_id=client_id,
        agent_id=agent_id,
        scheduled_at=when,
        ends_at=when + timedelta(minutes=60),
        duration_minutes=60,
        status=status,
    )


async def stored_contract(
    listing_row: Property, client_id: int, status: str = "canceled", **fields: Any
) -> Contract:
    """A contract straight in the database (closed unless told otherwise: one listing may
    hold only one open contract)."""
    values: dict[str, Any] = {
        "property_id": listing_row.id,
        "client_id": client_id,
        "agent_id": listing_row.agent_id,  # type: ignore[attr-defined]
        "contract_type": listing_row.listing_type,
        "amount": listing_row.price * 12,
        "rental_period_months": 12,
        "status": status,
        **fields,
    }
    return await Contract.create(**values)


def in_hours(hours: int) -> datetime:
    """Distinct future times an hour apart, from the day after tomorrow at midnight UTC."""
    return at(days=2, hour=0) + timedelta(hours=hours)


def now() -> datetime:
    return datetime.now(UTC)

