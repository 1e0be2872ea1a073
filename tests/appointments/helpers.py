"""Helpers for the appointment tests, on top of tests/deals.py: weekly slots, the
notifications a user can read, clocks moved straight in the database, and reading back
what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sheda.appointments.models import Appointment
from sheda.properties.models import Property
from tests.deals import APPOINTMENTS, AVAILABILITY, Account, account, act, agent, at, iso, listing
from tests.support import bearer

NOTIFICATIONS = "/api/v1/notifications"

# The Appointment object: API.md "Appointments" plus `reject_reason` (routes.py).
APPOINTMENT_KEYS = {
    "id",
    "property_id",
    "client_id",
    "agent_id",
    "scheduled_at",
    "duration_minutes",
    "status",
    "note",
    "reject_reason",
    "created_at",
    "updated_at",
}


def slot(weekday: int, start: str, end: str) -> dict[str, Any]:
    return {"weekday": weekday, "start": start, "end": end}


async def set_slots(
    client: httpx.AsyncClient, agent: Account, slots: list[dict[str, Any]]
) -> dict[str, Any]:
    response = await client.put(AVAILABILITY, headers=agent.headers, json={"slots": slots})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def post_booking(
    client: httpx.AsyncClient, person: Account, property_id: int, when: datetime | str,
    **extra: Any,
) -> httpx.Response:
    """POST /appointments without asserting the answer; ``when`` may be a raw string."""
    scheduled_at = when if isinstance(when, str) else iso(when)
    return await client.post(
        APPOINTMENTS,
        headers=person.headers,
        json={"property_id": property_id, "scheduled_at": scheduled_at, **extra},
    )


async def notifications(client: httpx.AsyncClient, person: Account) -> list[dict[str, Any]]:
    """The person's notifications, newest first, as GET /notifications lists them."""
    response = await client.get(NOTIFICATIONS, headers=person.headers, params={"limit": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def events(client: httpx.AsyncClient, person: Account) -> list[str]:
    return [item["event"] for item in await notifications(client, person)]


async def as_client(client: httpx.AsyncClient, person: Account) -> Account:
    """The same account with the client type active (POST /auth/switch-account); the
    session ``person`` used ends, so their old token stops working."""
    response = await client.post(
        "/api/v1/auth/switch-account", headers=person.headers, json={"user_type": "client"}
    )
    assert response.status_code == 200, response.text
    return Account(person.id, person.email, bearer(response.json()["access_token"]))


async def deal_parties(client: httpx.AsyncClient) -> tuple[Account, Property, Account]:
    """Agent Ada with one listing, and client Carol."""
    ada = await agent(client)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    return ada, flat, carol


async def move_into_the_past(appointment_id: int, hours: int = 2) -> None:
    """Let a viewing's time come: start ``hours`` ago (the API refuses past bookings)."""
    row = await Appointment.get(id=appointment_id)
    start = datetime.now(UTC) - timedelta(hours=hours)
    await Appointment.filter(id=appointment_id).update(
        scheduled_at=start, ends_at=start + timedelta(minutes=row.duration_minutes)
    )


async def stored(appointment_id: int) -> Appointment:
    return await Appointment.get(id=appointment_id)


def parse(timestamp: str) -> datetime:
    assert timestamp.endswith("Z"), timestamp
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


async def viewing_in_state(
    client: httpx.AsyncClient, person: Account, agent: Account, property_id: int, state: str,
    days: int = 3,
) -> dict[str, Any]:
    """A viewing booked by ``person`` ``days`` ahead, brought to ``state`` through the API
    (completed ones had their time moved into the past first)."""
    response = await post_booking(client, person, property_id, at(days))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    url = f"{APPOINTMENTS}/{body['id']}"
    steps: dict[str, list[tuple[Account, str, str]]] = {
        "pending": [],
        "confirmed": [(agent, "PATCH", f"{url}/confirm")],
        "rejected": [(agent, "PATCH", f"{url}/reject")],
        "canceled": [(person, "DELETE", url)],
        "completed": [(agent, "PATCH", f"{url}/confirm"), (agent, "PATCH", f"{url}/complete")],
    }
    for who, method, path in steps[state]:
        if path.endswith("/complete"):
            await move_into_the_past(body["id"])
        body = await act(client, who, method, path)
    assert body["status"] == state, body
    return body


async def stored_viewings(
    property_id: int, client_id: int, agent_id: int, count: int, **fields: Any
) -> list[int]:
    """``count`` back-to-back hour-long viewings straight in the database, from two days
    ahead; their ids in creation order."""
    start = at(days=2, hour=0)
    ids = []
    for i in range(count):
        when = start + timedelta(hours=i)
        row = await Appointment.create(
            property_id=property_id,
            client_id=client_id,
            agent_id=agent_id,
            scheduled_at=when,
            ends_at=when + timedelta(hours=1),
            duration_minutes=60,
            **fields,
        )
        ids.append(row.id)
    return ids
