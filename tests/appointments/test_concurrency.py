"""Bookings and moves racing each other: the database keeps an agent's pending and
confirmed viewings apart (API.md "Appointments": "enforced by the database, safe under
concurrent requests"), and a move applied twice at once happens once."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from itertools import combinations
from typing import Any

import pytest

from sheda.appointments.models import Appointment
from sheda.config import RateLimit
from tests.appointments.helpers import events, post_booking, slot
from tests.deals import APPOINTMENTS, AVAILABILITY, account, agent, at, book, listing
from tests.support import assert_error

CROWD = 30
ON_POSTGRES = bool(os.environ.get("SHEDA_TEST_DATABASE_URL"))


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"rate_register_ip": RateLimit(1000, 3600)}  # a crowd of clients from one IP


async def crowd(client, size: int = CROWD):
    return [await account(client, f"client{i}@example.com") for i in range(size)]


async def test_thirty_clients_booking_one_time_give_exactly_one_viewing(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    people = await crowd(client)
    when = at(days=3)

    responses = await asyncio.gather(
        *(post_booking(client, person, flat.id, when) for person in people)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (CROWD - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "conflict")
    winner = next(r.json() for r in responses if r.status_code == 201)
    rows = await Appointment.all()
    assert [(r.id, r.status) for r in rows] == [(winner["id"], "pending")]
    assert await events(client, ada) == ["appointment.requested"]


async def test_thirty_clients_on_two_listings_of_one_agent(client):
    ada = await agent(client)
    flat, house = await listing(ada.id), await listing(ada.id, title="Duplex")
    people = await crowd(client)
    when = at(days=3)

    responses = await asyncio.gather(
        *(
            post_booking(client, person, (flat, house)[i % 2].id, when)
            for i, person in enumerate(people)
        )
    )

    assert sorted(r.status_code for r in responses) == [201] + [409] * (CROWD - 1)
    assert await Appointment.filter(agent_id=ada.id, status="pending").count() == 1


async def test_staggered_overlapping_bookings_never_overlap_once_stored(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    people = await crowd(client)
    hour = timedelta(minutes=60)
    starts = [at(days=3, hour=6) + timedelta(minutes=10 * i) for i in range(CROWD)]

    responses = await asyncio.gather(
        *(
            post_booking(client, person, flat.id, when)
            for person, when in zip(people, starts, strict=True)
        )
    )

    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    created = sorted(r.json()["id"] for r in responses if r.status_code == 201)
    rows = await Appointment.filter(agent_id=ada.id, status__in=["pending", "confirmed"])
    assert sorted(r.id for r in rows) == created
    for a, b in combinations(rows, 2):
        assert a.ends_at <= b.scheduled_at or b.ends_at <= a.scheduled_at, (a.id, b.id)
    # each accepted viewing blocks itself and five starts on either side: at least 3 fit
    assert len(created) >= 3
    # and a refusal was never for nothing: every 409 overlaps a stored viewing
    for when, response in zip(starts, responses, strict=True):
        if response.status_code == 409:
            assert any(r.scheduled_at < when + hour and when < r.ends_at for r in rows), when


async def test_thirty_confirms_at_once_confirm_and_notify_once(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    booked = await book(client, carol, flat.id, at(3))
    url = f"{APPOINTMENTS}/{booked['id']}/confirm"

    responses = await asyncio.gather(
        *(client.patch(url, headers=ada.headers) for _ in range(CROWD))
    )

    assert [r.status_code for r in responses] == [200] * CROWD, [r.text for r in responses]
    assert {r.json()["status"] for r in responses} == {"confirmed"}
    assert len({r.json()["updated_at"] for r in responses}) == 1  # changed once
    assert await events(client, carol) == ["appointment.confirmed"]


async def test_confirm_and_reject_at_once_one_wins(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    booked = await book(client, carol, flat.id, at(3))
    url = f"{APPOINTMENTS}/{booked['id']}"

    confirms_and_rejects = await asyncio.gather(
        *(
            client.patch(f"{url}/{('confirm', 'reject')[i % 2]}", headers=ada.headers)
            for i in range(10)
        )
    )

    final = (await Appointment.get(id=booked["id"])).status
    assert final in ("confirmed", "rejected")
    winning_move = "confirm" if final == "confirmed" else "reject"
    for i, response in enumerate(confirms_and_rejects):
        if ("confirm", "reject")[i % 2] == winning_move:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == final
        else:
            assert_error(response, 409, "conflict")
    assert await events(client, carol) == [f"appointment.{final}"]


async def test_both_parties_canceling_at_once_cancel_once(client):
    ada = await agent(client)
    flat = await listing(ada.id)
    carol = await account(client, "carol@example.com")
    booked = await book(client, carol, flat.id, at(3))
    url = f"{APPOINTMENTS}/{booked['id']}"

    responses = await asyncio.gather(
        *(client.delete(url, headers=person.headers) for person in (carol, ada) * 5)
    )

    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    assert {r.json()["status"] for r in responses} == {"canceled"}
    told = await events(client, carol) + await events(client, ada)
    assert told.count("appointment.canceled") == 1, told


async def test_concurrent_puts_leave_exactly_one_of_the_bodies(client):
    ada = await agent(client)
    # overlapping windows on one weekday: any two together would break "no overlaps"
    bodies = [[slot(0, f"{9 + i:02d}:00", f"{11 + i:02d}:00")] for i in range(8)]

    for _ in range(10):
        responses = await asyncio.gather(
            *(client.put(AVAILABILITY, headers=ada.headers, json={"slots": b}) for b in bodies)
        )
        assert [r.status_code for r in responses] == [200] * len(bodies)
        final = (await client.get(AVAILABILITY, headers=ada.headers)).json()["slots"]
        assert final in bodies, final
