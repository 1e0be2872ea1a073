"""POST /api/v1/appointments against the agent's other viewings: one that overlaps a pending
or confirmed viewing of the same agent is 409 (API.md "Appointments"), and the agent is told
of every booking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sheda.appointments.models import Appointment
from tests.appointments.helpers import deal_parties, notifications, post_booking
from tests.deals import APPOINTMENTS, account, act, agent, at, book, listing
from tests.support import assert_error


@pytest.mark.parametrize(
    ("offset", "duration"),
    [(0, 60), (30, 60), (-30, 60), (-30, 120), (15, 15), (59, 15)],
    ids=["same-time", "starts-inside", "ends-inside", "encloses", "inside", "last-minute"],
)
async def test_an_overlapping_booking_of_the_same_agent_is_409(client, offset, duration):
    ada, flat, carol = await deal_parties(client)
    house = await listing(ada.id, title="Duplex")  # another listing of the same agent
    dan = await account(client, "dan@example.com")
    when = at(days=3, hour=10)
    first = await book(client, carol, flat.id, when)

    for person, place in ((dan, flat.id), (dan, house.id), (carol, house.id)):
        response = await post_booking(
            client, person, place, when + timedelta(minutes=offset), duration_minutes=duration
        )
        assert_error(response, 409, "conflict")

    assert [a.id for a in await Appointment.all()] == [first["id"]]


async def test_a_confirmed_viewing_blocks_its_time_too(client):
    ada, flat, carol = await deal_parties(client)
    dan = await account(client, "dan@example.com")
    when = at(days=3)
    first = await book(client, carol, flat.id, when)
    await act(client, ada, "PATCH", f"{APPOINTMENTS}/{first['id']}/confirm")

    assert_error(await post_booking(client, dan, flat.id, when), 409, "conflict")


async def test_back_to_back_viewings_are_fine(client):
    ada, flat, carol = await deal_parties(client)
    dan = await account(client, "dan@example.com")
    when = at(days=3, hour=10)
    await book(client, carol, flat.id, when)

    after = await book(client, dan, flat.id, when + timedelta(minutes=60))
    before = await book(client, dan, flat.id, when - timedelta(minutes=30), duration_minutes=30)

    assert after["status"] == before["status"] == "pending"
    assert await Appointment.filter(agent_id=ada.id).count() == 3


async def test_another_agent_may_be_booked_at_the_same_time(client):
    _, flat, carol = await deal_parties(client)
    bola = await agent(client, "bola@example.com")
    other = await listing(bola.id)
    when = at(days=3)
    await book(client, carol, flat.id, when)

    assert (await book(client, carol, other.id, when))["agent_id"] == bola.id


@pytest.mark.parametrize("how", ["reject", "cancel-by-client", "cancel-by-agent"])
async def test_a_rejected_or_canceled_viewing_frees_the_time(client, how):
    ada, flat, carol = await deal_parties(client)
    dan = await account(client, "dan@example.com")
    when = at(days=3)
    first = await book(client, carol, flat.id, when)
    url = f"{APPOINTMENTS}/{first['id']}"
    if how == "reject":
        await act(client, ada, "PATCH", f"{url}/reject", json={})
    else:
        await act(client, carol if how == "cancel-by-client" else ada, "DELETE", url)

    second = await book(client, dan, flat.id, when)

    assert second["status"] == "pending"
    assert await Appointment.filter(status__in=["pending", "confirmed"]).count() == 1


# --- the agent is told --------------------------------------------------------------------------


async def test_the_agent_is_notified_of_the_request(client):
    ada, flat, carol = await deal_parties(client)

    booked = await book(client, carol, flat.id, at(3))

    items = await notifications(client, ada)
    assert [n["event"] for n in items] == ["appointment.requested"]
    data = items[0]["data"]
    assert data["appointment_id"] == booked["id"]
    assert data["property_id"] == flat.id
    assert isinstance(data["summary"], str) and data["summary"].strip()
    assert items[0]["read_at"] is None and items[0]["created_at"].endswith("Z")
    assert await notifications(client, carol) == []


async def test_a_refused_booking_notifies_nobody(client):
    ada, flat, carol = await deal_parties(client)
    dan = await account(client, "dan@example.com")
    when = at(days=3)
    await book(client, carol, flat.id, when)

    assert_error(await post_booking(client, dan, flat.id, when), 409, "conflict")
    assert_error(await post_booking(client, dan, flat.id, at(days=-1)), 422, "validation_error")

    assert [n["event"] for n in await notifications(client, ada)] == ["appointment.requested"]
