"""POST /api/v1/appointments against the agent's weekly availability: "When the agent has
slots, the whole appointment must fit inside one slot (422 otherwise); an agent without
slots accepts any future time" (API.md "Appointments")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sheda.appointments.models import Appointment
from tests.appointments.helpers import deal_parties, post_booking, set_slots, slot
from tests.deals import agent, at, book
from tests.support import assert_error


async def test_a_viewing_that_fits_exactly_in_a_slot_is_booked(client):
    ada, flat, carol = await deal_parties(client)
    when = at(days=3, hour=9)
    await set_slots(client, ada, [slot(when.weekday(), "09:00", "10:30")])

    body = await book(client, carol, flat.id, when, duration_minutes=90)

    assert body["status"] == "pending"


async def test_a_slot_ending_at_midnight_takes_the_last_hour(client):
    ada, flat, carol = await deal_parties(client)
    when = at(days=3, hour=23)
    await set_slots(client, ada, [slot(when.weekday(), "20:00", "24:00")])

    assert (await book(client, carol, flat.id, when))["status"] == "pending"


@pytest.mark.parametrize(
    ("hour", "minute", "duration"),
    [(10, 0, 60), (9, 30, 60), (8, 30, 60), (8, 0, 240)],
    ids=["past-the-end", "crosses-the-end", "starts-before", "covers-the-slot"],
)
async def test_a_viewing_outside_the_slot_is_422(client, hour, minute, duration):
    ada, flat, carol = await deal_parties(client)
    when = at(days=3, hour=hour, minute=minute)
    await set_slots(client, ada, [slot(when.weekday(), "09:00", "10:00")])

    response = await post_booking(client, carol, flat.id, when, duration_minutes=duration)

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.scheduled_at"]
    assert not await Appointment.exists()


async def test_a_viewing_on_another_weekday_is_422(client):
    ada, flat, carol = await deal_parties(client)
    when = at(days=3, hour=9)
    other_days = [day for day in range(7) if day != when.weekday()]
    await set_slots(client, ada, [slot(day, "00:00", "24:00") for day in other_days])

    response = await post_booking(client, carol, flat.id, when)

    assert_error(response, 422, "validation_error")


async def test_a_viewing_may_not_span_two_touching_slots(client):
    # "the whole appointment must fit inside one slot"
    ada, flat, carol = await deal_parties(client)
    when = at(days=3, hour=11, minute=30)
    day = when.weekday()
    await set_slots(client, ada, [slot(day, "09:00", "12:00"), slot(day, "12:00", "15:00")])

    assert_error(await post_booking(client, carol, flat.id, when), 422, "validation_error")
    assert (await book(client, carol, flat.id, when, duration_minutes=30))["status"] == "pending"


async def test_a_viewing_may_not_run_past_midnight_into_the_next_day(client):
    ada, flat, carol = await deal_parties(client)
    when = at(days=3, hour=23, minute=30)
    today, tomorrow = when.weekday(), (when.weekday() + 1) % 7
    await set_slots(client, ada, [slot(today, "22:00", "24:00"), slot(tomorrow, "00:00", "02:00")])

    assert_error(await post_booking(client, carol, flat.id, when), 422, "validation_error")


async def test_slots_are_in_utc(client):
    ada, flat, carol = await deal_parties(client)
    day = at(days=3)
    await set_slots(client, ada, [slot(day.weekday(), "09:00", "10:00")])
    lagos = timezone(timedelta(hours=1))
    ten_in_lagos = datetime.combine(day.date(), datetime.min.time(), lagos).replace(hour=10)
    nine_in_lagos = ten_in_lagos - timedelta(hours=1)

    booked = await post_booking(client, carol, flat.id, ten_in_lagos.isoformat())
    assert booked.status_code == 201, booked.text  # 09:00 UTC
    refused = await post_booking(client, carol, flat.id, nine_in_lagos.isoformat())
    assert_error(refused, 422, "validation_error")  # 08:00 UTC


async def test_an_agent_without_slots_takes_any_future_time(client):
    ada, flat, carol = await deal_parties(client)
    await set_slots(client, ada, [slot(0, "09:00", "10:00")])
    await set_slots(client, ada, [])  # cleared again

    for when in (at(days=2, hour=3), at(days=5, hour=23, minute=30)):
        assert (await book(client, carol, flat.id, when))["status"] == "pending"


async def test_another_agents_slots_do_not_apply(client):
    _, flat, carol = await deal_parties(client)
    bola = await agent(client, "bola@example.com")
    when = at(days=3, hour=3)
    await set_slots(client, bola, [slot(when.weekday(), "09:00", "10:00")])

    assert (await book(client, carol, flat.id, when))["status"] == "pending"
