"""Shared helpers for the deal tests (appointments, contracts, the background loop):
accounts through the real auth API, listings straight in the database (the listings API
has its own tests), and the HTTP steps of the deal flow, each asserting its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from sheda.properties.models import Property
from sheda.users.models import Role, User
from tests.support import bearer, login, register

APPOINTMENTS = "/api/v1/appointments"
CONTRACTS = "/api/v1/contracts"
AVAILABILITY = "/api/v1/users/me/availability"
PAYMENT_ACCOUNT = "/api/v1/users/me/payment-account"


@dataclass
class Account:
    id: int
    email: str
    headers: dict[str, str]


async def account(client: httpx.AsyncClient, email: str, user_type: str = "client") -> Account:
    body = await register(client, email, user_type=user_type)
    return Account(body["user"]["id"], email, bearer(body["access_token"]))


async def agent(client: httpx.AsyncClient, email: str = "agent@example.com") -> Account:
    return await account(client, email, user_type="agent")


async def admin(client: httpx.AsyncClient, email: str = "root@example.com") -> Account:
    person = await account(client, email)
    await User.filter(id=person.id).update(role=Role.ADMIN)
    # Scopes are fixed when a token is issued: only a new sign-in carries "admin".
    return Account(person.id, email, bearer((await login(client, email))["access_token"]))


async def listing(agent_id: int, **fields: Any) -> Property:
    """An active, available rental at 1,000.00 a month unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "agent_id": agent_id,
        "title": "Two-bed flat",
        "description": "Bright, near the market",
        "property_type": "apartment",
        "listing_type": "rent",
        "price": Decimal("1000.00"),
        "address": "12 Allen Avenue",
        "city": "Ikeja",
        "state": "Lagos",
        **fields,
    }
    return await Property.create(**values)


def at(days: int = 2, hour: int = 10, minute: int = 0) -> datetime:
    """A UTC time ``days`` from today at hour:minute (in the future for days >= 1)."""
    day = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return day + timedelta(days=days)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def set_payment_account(client: httpx.AsyncClient, agent: Account) -> None:
    response = await client.put(
        PAYMENT_ACCOUNT,
        headers=agent.headers,
        json={"bank_name": "Zenith", "account_name": "Ada Agent", "account_number": "0123456789"},
    )
    assert response.status_code == 200, response.text


async def book(
    client: httpx.AsyncClient, person: Account, property_id: int, when: datetime, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        APPOINTMENTS,
        headers=person.headers,
        json={"property_id": property_id, "scheduled_at": iso(when), **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(
    client: httpx.AsyncClient, person: Account, method: str, path: str, **kwargs: Any
) -> dict[str, Any]:
    """One step that must answer 200 (a transition): the JSON body."""
    response = await client.request(method, path, headers=person.headers, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def confirmed_viewing(
    client: httpx.AsyncClient, person: Account, agent: Account, property_id: int, days: int = 2
) -> dict[str, Any]:
    booked = await book(client, person, property_id, at(days))
    return await act(client, agent, "PATCH", f"{APPOINTMENTS}/{booked['id']}/confirm")


async def start_contract(
    client: httpx.AsyncClient, person: Account, property_id: int, appointment_id: int,
    months: int | None = 12,
) -> dict[str, Any]:
    body: dict[str, Any] = {"appointment_id": appointment_id}
    if months is not None:
        body["rental_period_months"] = months
    response = await client.post(f"{CONTRACTS}/{property_id}", headers=person.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
