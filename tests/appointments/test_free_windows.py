"""GET /api/v1/users/{id}/availability/free: "the agent's weekly slots in that range minus their
pending and confirmed viewings, in UTC, oldest first; an agent without slots: windows null"
(API.md "Appointments"). Every expected window is worked out here from the slots and the
bookings the test makes, and each one is then booked to show it really is free."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.appointments.helpers import deal_parties, parse, post_booking, set_slots, slot
from tests.deals import Account, account, act, agent, at, book, iso
from tests.support import assert_error

APPOINTMENTS = "/api/v1/appointments"


def free_url(user_id: int) -> str:
    return f"/api/v1/users/{user_id}/availability/free"


async def windows(
    client: httpx.AsyncClient, who: Account, agent_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]] | None:
    response = await client.get(
        free_url(agent_id), headers=who.headers, params={"from": iso(start), "to": iso(end)}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"windows"}
    if body["windows"] is None:
        return None
    return [(parse(w["start"]), parse(w["end"])) for w in body["windows"]]


async def test_slots_minus_pending_and_confirmed_viewings(client):
    ada, flat, carol = await deal_parties(client)
    day = at(days=3, hour=0)
    await set_slots(client, ada, [
        slot(day.weekday(), "09:00", "12:00"),
        slot(day.weekday(), "12:00", "13:00"),  # touching: stays a window of its own
        slot((day + timedelta(days=1)).weekday(), "14:00", "15:00"),
    ])
    pending = await book(client, carol, flat.id, day.replace(hour=10))  # 10:00-11:00
    dave = await account(client, "dave@example.com")
    confirmed = await book(client, dave, flat.id, day.replace(hour=11, minute=30),
                           duration_minutes=15)  # 11:30-11:45
    await act(client, ada, "PATCH", f"{APPOINTMENTS}/{confirmed['id']}/confirm")
    canceled = await book(client, carol, flat.id, day + timedelta(days=1, hours=14))
    await act(client, carol, "DELETE", f"{APPOINTMENTS}/{canceled['id']}")  # frees its hour
    assert pending["status"] == "pending"

    h = lambda hour, minute=0: day.replace(hour=hour, minute=minute)  # noqa: E731
    got = await windows(client, carol, ada.id, day, day + timedelta(days=2))
    assert got == [
        (h(9), h(10)),
        (h(11), h(11, 30)),
        (h(11, 45), h(12)),
        (h(12), h(13)),
        (h(14) + timedelta(days=1), h(15) + timedelta(days=1)),
    ]
    # Each window can be booked, whole: they are the agent's free time.
    erin = await account(client, "erin@example.com")
    for start, end in got:
        minutes = int((end - start) / timedelta(minutes=1))
        response = await post_booking(client, erin, flat.id, start, duration_minutes=minutes)
        assert response.status_code == 201, (start, response.text)
    assert await windows(client, carol, ada.id, day, day + timedelta(days=2)) == []


async def test_the_range_cuts_the_slots_and_gaps_under_15_minutes_are_left_out(client):
    ada, flat, carol = await deal_parties(client)
    day = at(days=4, hour=0)
    await set_slots(client, ada, [slot(day.weekday(), "09:00", "11:00")])
    # 09:10-10:00 booked leaves 09:00-09:10, too short for any viewing.
    await book(client, carol, flat.id, day.replace(hour=9, minute=10), duration_minutes=50)
    got = await windows(client, carol, ada.id, day.replace(hour=10, minute=30), day + timedelta(1))
    assert got == [(day.replace(hour=10, minute=30), day.replace(hour=11))]
    got = await windows(client, carol, ada.id, day, day.replace(hour=12))
    assert got == [(day.replace(hour=10), day.replace(hour=11))]


async def test_an_agent_without_slots_has_null_windows(client):
    ada, _, carol = await deal_parties(client)
    assert await windows(client, carol, ada.id, at(1), at(3)) is None
    response = await client.get(free_url(ada.id), headers=carol.headers)
    assert response.status_code == 200 and response.json() == {"windows": None}


async def test_by_default_the_next_seven_days(client):
    ada, _, carol = await deal_parties(client)
    await set_slots(client, ada, [slot(weekday, "08:00", "09:00") for weekday in range(7)])
    response = await client.get(free_url(ada.id), headers=carol.headers)
    assert response.status_code == 200, response.text
    got = [(parse(w["start"]), parse(w["end"])) for w in response.json()["windows"]]
    now = datetime.now(got[0][0].tzinfo)
    # An 08:00-09:00 window each day for 7 days from now: 7 or 8 of them, the first one
    # possibly cut to start now, none before now and none past now + 7 days.
    assert 7 <= len(got) <= 8
    assert all(start >= now - timedelta(seconds=5) for start, _ in got)
    assert all(end <= now + timedelta(days=7, seconds=5) for _, end in got)
    assert got == sorted(got)


async def test_bad_ranges_are_422(client):
    ada, _, carol = await deal_parties(client)
    start = at(1)
    for params in (
        {"from": iso(start), "to": iso(start + timedelta(days=32))},
        {"from": iso(start), "to": iso(start - timedelta(hours=1))},
        {"from": "2027-01-01T10:00:00"},  # no zone
        {"to": iso(start + timedelta(days=40))},  # from defaults to now
        {"from": "soon"},
        {"start": iso(start)},  # the parameters are `from` and `to`
    ):
        response = await client.get(free_url(ada.id), headers=carol.headers, params=params)
        assert_error(response, 422, "validation_error")


async def test_unknown_users_are_404_and_a_token_is_needed(client):
    ada, _, carol = await deal_parties(client)
    assert_error(await client.get(free_url(ada.id)), 401, "unauthorized")
    response = await client.get(free_url(ada.id + 1000), headers=carol.headers)
    assert_error(response, 404, "not_found")
    other = await agent(client, "other.agent@example.com")
    assert (await client.get(free_url(other.id), headers=carol.headers)).status_code == 200


async def test_nothing_is_free_past_the_booking_horizon(client):
    # Viewings are booked at most a year ahead; a range at the calendar's end is no error.
    ada, _, carol = await deal_parties(client)
    await set_slots(client, ada, [slot(weekday, "08:00", "18:00") for weekday in range(7)])
    for params in ({"from": "9999-12-30T00:00:00Z"},
                   {"from": "2100-01-01T00:00:00Z", "to": "2100-01-20T00:00:00Z"}):
        response = await client.get(free_url(ada.id), headers=carol.headers, params=params)
        assert response.status_code == 200, response.text
        assert response.json() == {"windows": []}
