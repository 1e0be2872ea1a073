"""An agent's weekly availability: GET/PUT /api/v1/users/me/availability and
GET /api/v1/users/{id}/availability (API.md "Appointments")."""

from __future__ import annotations

import pytest

from sheda.appointments.models import AvailabilitySlot
from sheda.users.models import User
from tests.appointments.helpers import set_slots, slot
from tests.deals import AVAILABILITY, account, agent
from tests.support import assert_error


def of(user_id: int) -> str:
    return f"/api/v1/users/{user_id}/availability"


async def test_put_replaces_and_get_returns_sorted_slots(client):
    ada = await agent(client)
    sent = [
        slot(4, "14:00", "18:00"),
        slot(0, "13:00", "17:00"),
        slot(6, "10:00", "24:00"),
        slot(0, "08:30", "12:00"),
    ]
    expected = sorted(sent, key=lambda s: (s["weekday"], s["start"]))

    answered = await set_slots(client, ada, sent)

    assert answered == {"slots": expected}
    response = await client.get(AVAILABILITY, headers=ada.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"slots": expected}
    assert await AvailabilitySlot.filter(agent_id=ada.id).count() == 4


async def test_put_replaces_every_earlier_slot(client):
    ada = await agent(client)
    await set_slots(client, ada, [slot(0, "09:00", "12:00"), slot(1, "09:00", "12:00")])

    answered = await set_slots(client, ada, [slot(2, "15:00", "16:00")])

    assert answered == {"slots": [slot(2, "15:00", "16:00")]}
    got = await client.get(AVAILABILITY, headers=ada.headers)
    assert got.json() == {"slots": [slot(2, "15:00", "16:00")]}
    assert await AvailabilitySlot.filter(agent_id=ada.id).count() == 1


async def test_put_with_no_slots_clears_them(client):
    ada = await agent(client)
    await set_slots(client, ada, [slot(0, "09:00", "12:00")])

    assert await set_slots(client, ada, []) == {"slots": []}

    assert (await client.get(AVAILABILITY, headers=ada.headers)).json() == {"slots": []}
    assert not await AvailabilitySlot.exists(agent_id=ada.id)


async def test_one_agents_slots_leave_anothers_alone(client):
    ada = await agent(client)
    bola = await agent(client, "bola@example.com")
    await set_slots(client, bola, [slot(3, "10:00", "11:00")])

    await set_slots(client, ada, [slot(0, "09:00", "12:00")])
    await set_slots(client, ada, [])

    assert (await client.get(of(bola.id), headers=ada.headers)).json() == {
        "slots": [slot(3, "10:00", "11:00")]
    }


async def test_whole_day_and_touching_slots_are_fine(client):
    ada = await agent(client)
    sent = [
        slot(1, "00:00", "24:00"),
        slot(2, "09:00", "12:00"),
        slot(2, "12:00", "15:00"),
    ]
    assert await set_slots(client, ada, sent) == {"slots": sent}


async def test_fifty_slots_are_allowed_fifty_one_are_not(client):
    ada = await agent(client)
    fifty = [
        slot(day, f"{hour:02d}:00", f"{hour:02d}:30") for day in range(5) for hour in range(10)
    ]
    assert len((await set_slots(client, ada, fifty))["slots"]) == 50

    fifty_one = [*fifty, slot(6, "10:00", "11:00")]
    response = await client.put(AVAILABILITY, headers=ada.headers, json={"slots": fifty_one})

    assert_error(response, 422, "validation_error")
    assert await AvailabilitySlot.filter(agent_id=ada.id).count() == 50  # unchanged


@pytest.mark.parametrize(
    "slots",
    [
        [slot(0, "12:00", "09:00")],  # start after end
        [slot(0, "09:00", "09:00")],  # empty
        [slot(0, "24:00", "24:00")],
        [slot(0, "09:00", "12:00"), slot(0, "11:59", "13:00")],  # overlap
        [slot(3, "10:00", "18:00"), slot(3, "12:00", "13:00")],  # one inside another
        [slot(5, "09:00", "12:00"), slot(5, "09:00", "12:00")],  # the same twice
    ],
    ids=["start-after-end", "empty", "midnight-to-midnight", "overlap", "nested", "twice"],
)
async def test_disordered_or_overlapping_slots_are_422(client, slots):
    ada = await agent(client)
    await set_slots(client, ada, [slot(6, "10:00", "11:00")])

    response = await client.put(AVAILABILITY, headers=ada.headers, json={"slots": slots})

    body = assert_error(response, 422, "validation_error")
    assert body["errors"] and all(e["field"].startswith("body") for e in body["errors"])
    # nothing was replaced
    assert (await client.get(AVAILABILITY, headers=ada.headers)).json() == {
        "slots": [slot(6, "10:00", "11:00")]
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"weekday": 7},
        {"weekday": -1},
        {"weekday": "monday"},
        {"weekday": None},
        {"start": "9:00"},
        {"start": "09:00:00"},
        {"start": "0900"},
        {"start": "24:30"},
        {"end": "25:00"},
        {"end": "12:60"},
        {"end": "noon"},
        {"end": 1200},
        {"colour": "blue"},  # unknown field on a slot
    ],
)
async def test_bad_slot_fields_are_422(client, bad):
    ada = await agent(client)

    body = {"slots": [{**slot(0, "09:00", "12:00"), **bad}]}
    response = await client.put(AVAILABILITY, headers=ada.headers, json=body)

    error = assert_error(response, 422, "validation_error")
    assert error["errors"]
    assert not await AvailabilitySlot.exists(agent_id=ada.id)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"slots": "all week"},
        {"slots": [slot(0, "09:00", "12:00")], "timezone": "Africa/Lagos"},
        [slot(0, "09:00", "12:00")],
    ],
    ids=["missing", "not-a-list", "unknown-field", "bare-list"],
)
async def test_bad_bodies_are_422(client, body):
    ada = await agent(client)

    response = await client.put(AVAILABILITY, headers=ada.headers, json=body)

    assert_error(response, 422, "validation_error")


async def test_malformed_json_is_400(client):
    ada = await agent(client)
    response = await client.put(
        AVAILABILITY,
        content=b'{"slots": [',
        headers={**ada.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "bad_request")


async def test_my_availability_is_for_agents(client):
    carol = await account(client, "carol@example.com")

    assert_error(await client.get(AVAILABILITY, headers=carol.headers), 403, "forbidden")
    response = await client.put(
        AVAILABILITY, headers=carol.headers, json={"slots": [slot(0, "09:00", "12:00")]}
    )
    assert_error(response, 403, "forbidden")
    assert not await AvailabilitySlot.exists(agent_id=carol.id)


async def test_my_availability_needs_a_token(client):
    assert_error(await client.get(AVAILABILITY), 401, "unauthorized")
    response = await client.put(AVAILABILITY, json={"slots": []})
    assert_error(response, 401, "unauthorized")


async def test_anyone_signed_in_reads_an_agents_availability(client):
    ada = await agent(client)
    sent = [slot(5, "10:00", "14:00"), slot(1, "09:00", "17:00")]
    await set_slots(client, ada, sent)
    carol = await account(client, "carol@example.com")
    bola = await agent(client, "bola@example.com")

    expected = {"slots": sorted(sent, key=lambda s: s["weekday"])}
    for reader in (carol, bola, ada):
        response = await client.get(of(ada.id), headers=reader.headers)
        assert response.status_code == 200, response.text
        assert response.json() == expected


async def test_an_agent_without_slots_has_an_empty_list(client):
    ada = await agent(client)
    carol = await account(client, "carol@example.com")

    response = await client.get(of(ada.id), headers=carol.headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"slots": []}


async def test_unknown_user_is_404(client):
    carol = await account(client, "carol@example.com")

    assert_error(await client.get(of(carol.id + 1000), headers=carol.headers), 404, "not_found")
    assert_error(await client.get(of(0), headers=carol.headers), 404, "not_found")
    assert_error(await client.get(of(9999999999), headers=carol.headers), 404, "not_found")
    response = await client.get("/api/v1/users/abc/availability", headers=carol.headers)
    assert_error(response, 404, "not_found")


async def test_a_deactivated_agents_availability_is_404(client):
    ada = await agent(client)
    await set_slots(client, ada, [slot(0, "09:00", "12:00")])
    carol = await account(client, "carol@example.com")
    await User.filter(id=ada.id).update(is_active=False)

    assert_error(await client.get(of(ada.id), headers=carol.headers), 404, "not_found")


async def test_reading_an_agents_availability_needs_a_token(client):
    ada = await agent(client)
    assert_error(await client.get(of(ada.id)), 401, "unauthorized")
