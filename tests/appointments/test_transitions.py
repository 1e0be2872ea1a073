"""Moving a viewing through its states: confirm, reject, cancel (DELETE), complete
(API.md "Appointments" and "Conventions": wrong state → 409, a repeat → 200 unchanged)."""

from __future__ import annotations

import pytest

from sheda.appointments.models import Appointment
from tests.appointments.helpers import (
    as_client,
    events,
    move_into_the_past,
    notifications,
    post_booking,
    stored,
    viewing_in_state,
)
from tests.deals import APPOINTMENTS, account, act, agent, at, book, listing
from tests.support import assert_error

MOVES = {
    # name: (method, path suffix, the state it leads to)
    "confirm": ("PATCH", "/confirm", "confirmed"),
    "reject": ("PATCH", "/reject", "rejected"),
    "cancel": ("DELETE", "", "canceled"),
    "complete": ("PATCH", "/complete", "completed"),
}
# From API.md: the states each move may start from.
SOURCES = {
    "confirm": {"pending"},
    "reject": {"pending"},
    "cancel": {"pending", "confirmed"},
    "complete": {"confirmed"},
}
STATES = ["pending", "confirmed", "rejected", "canceled", "completed"]


def url(appointment_id: int, move: str = "") -> str:
    return f"{APPOINTMENTS}/{appointment_id}{MOVES[move][1] if move else ''}"


async def parties(client):
    ada = await agent(client)
    flat = await listing(ada.id, title="Sunny loft")
    carol = await account(client, "carol@example.com")
    return ada, flat, carol


async def do(client, person, appointment_id, move, **kwargs):
    method = MOVES[move][0]
    return await client.request(method, url(appointment_id, move), headers=person.headers, **kwargs)


def assert_told(items, event, appointment, property_id):
    """``items`` (one user's notifications) hold ``event`` exactly once, naming the viewing."""
    matching = [n for n in items if n["event"] == event]
    assert len(matching) == 1, [n["event"] for n in items]
    data = matching[0]["data"]
    assert data["appointment_id"] == appointment["id"]
    assert data["property_id"] == property_id
    assert isinstance(data["summary"], str) and data["summary"].strip()


# --- the happy paths ---------------------------------------------------------------------------


async def test_agent_confirms_and_the_client_is_told(client):
    ada, flat, carol = await parties(client)
    booked = await book(client, carol, flat.id, at(3))

    response = await do(client, ada, booked["id"], "confirm")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "confirmed"
    assert {k: v for k, v in body.items() if k not in ("status", "updated_at")} == {
        k: v for k, v in booked.items() if k not in ("status", "updated_at")
    }
    assert body["updated_at"].endswith("Z")
    assert (await stored(booked["id"])).status == "confirmed"
    assert await events(client, carol) == ["appointment.confirmed"]
    assert_told(await notifications(client, carol), "appointment.confirmed", booked, flat.id)
    assert await events(client, ada) == ["appointment.requested"]


async def test_agent_rejects_with_a_reason(client):
    ada, flat, carol = await parties(client)
    booked = await book(client, carol, flat.id, at(3))

    response = await do(client, ada, booked["id"], "reject", json={"reason": "Already let"})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    assert response.json()["reject_reason"] == "Already let"
    assert (await stored(booked["id"])).reject_reason == "Already let"
    assert await events(client, carol) == ["appointment.rejected"]
    assert_told(await notifications(client, carol), "appointment.rejected", booked, flat.id)
    got = await client.get(url(booked["id"]), headers=carol.headers)
    assert got.json()["reject_reason"] == "Already let"


async def test_a_reason_is_optional_and_the_body_too(client):
    ada, flat, carol = await parties(client)
    first = await book(client, carol, flat.id, at(3))
    second = await book(client, carol, flat.id, at(4))

    without_reason = await do(client, ada, first["id"], "reject", json={})
    without_body = await do(client, ada, second["id"], "reject")

    for response in (without_reason, without_body):
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "rejected"
        assert response.json()["reject_reason"] is None


@pytest.mark.parametrize(
    "body", [{"reason": "x" * 501}, {"reason": 5}, {"why": "no"}], ids=["long", "int", "unknown"]
)
async def test_a_bad_reject_body_is_422_and_changes_nothing(client, body):
    ada, flat, carol = await parties(client)
    booked = await book(client, carol, flat.id, at(3))

    assert_error(await do(client, ada, booked["id"], "reject", json=body), 422, "validation_error")

    assert (await stored(booked["id"])).status == "pending"
    assert await events(client, carol) == []


@pytest.mark.parametrize("state", ["pending", "confirmed"])
async def test_the_client_cancels_and_the_agent_is_told(client, state):
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, state)

    response = await do(client, carol, viewing["id"], "cancel")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"
    assert response.json()["id"] == viewing["id"]
    assert (await stored(viewing["id"])).status == "canceled"
    assert await events(client, ada) == ["appointment.canceled", "appointment.requested"]
    assert_told(await notifications(client, ada), "appointment.canceled", viewing, flat.id)
    assert "appointment.canceled" not in await events(client, carol)


@pytest.mark.parametrize("state", ["pending", "confirmed"])
async def test_the_agent_cancels_and_the_client_is_told(client, state):
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, state)
    before = await events(client, carol)

    response = await do(client, ada, viewing["id"], "cancel")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"
    assert await events(client, carol) == ["appointment.canceled", *before]
    assert_told(await notifications(client, carol), "appointment.canceled", viewing, flat.id)
    assert "appointment.canceled" not in await events(client, ada)


async def test_the_agent_completes_once_the_time_has_come(client):
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, "confirmed")
    await move_into_the_past(viewing["id"])

    response = await do(client, ada, viewing["id"], "complete")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    assert (await stored(viewing["id"])).status == "completed"
    assert await events(client, carol) == ["appointment.completed", "appointment.confirmed"]
    assert_told(await notifications(client, carol), "appointment.completed", viewing, flat.id)


async def test_completing_before_the_time_is_409(client):
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, "confirmed")

    assert_error(await do(client, ada, viewing["id"], "complete"), 409, "conflict")

    assert (await stored(viewing["id"])).status == "confirmed"
    assert await events(client, carol) == ["appointment.confirmed"]


async def test_a_viewing_under_way_may_be_completed(client):
    # "before scheduled_at → 409": once it has started, it may be marked done.
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, "confirmed")
    await move_into_the_past(viewing["id"], hours=0)  # starts now, ends in an hour

    completed = await act(client, ada, "PATCH", url(viewing["id"], "complete"))
    assert completed["status"] == "completed"


async def test_a_viewing_whose_time_passed_can_no_longer_be_confirmed(client):
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, "pending")
    await move_into_the_past(viewing["id"])

    body = assert_error(await do(client, ada, viewing["id"], "confirm"), 409, "conflict")

    assert "passed" in body["detail"]
    assert (await stored(viewing["id"])).status == "pending"
    assert await events(client, carol) == []
    # it may still be rejected or canceled (and the loop cancels it if nobody does)
    assert (await act(client, ada, "PATCH", url(viewing["id"], "reject")))["status"] == "rejected"


async def test_canceling_frees_the_time_for_a_new_booking(client):
    ada, flat, carol = await parties(client)
    dan = await account(client, "dan@example.com")
    viewing = await viewing_in_state(client, carol, ada, flat.id, "confirmed", days=5)
    taken = await post_booking(client, dan, flat.id, at(5))
    assert_error(taken, 409, "conflict")

    await act(client, carol, "DELETE", url(viewing["id"]))

    assert (await book(client, dan, flat.id, at(5)))["status"] == "pending"


# --- the state machine -------------------------------------------------------------------------


WRONG = [(s, m) for m in MOVES for s in STATES if s not in SOURCES[m] and s != MOVES[m][2]]
REPEATS = [(MOVES[m][2], m) for m in MOVES]


@pytest.mark.parametrize(("state", "move"), WRONG, ids=[f"{m}-{s}" for s, m in WRONG])
async def test_a_move_from_a_wrong_state_is_409(client, state, move):
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, state)
    await move_into_the_past(viewing["id"])  # so that only the state can refuse the move
    before = await stored(viewing["id"])
    told = (await events(client, carol), await events(client, ada))

    who = carol if move == "cancel" else ada
    assert_error(await do(client, who, viewing["id"], move), 409, "conflict")

    after = await stored(viewing["id"])
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    assert (await events(client, carol), await events(client, ada)) == told


@pytest.mark.parametrize(("state", "move"), REPEATS, ids=[m for _, m in REPEATS])
async def test_repeating_a_move_changes_nothing_and_tells_nobody_again(client, state, move):
    ada, flat, carol = await parties(client)
    viewing = await viewing_in_state(client, carol, ada, flat.id, state)
    told = (await events(client, carol), await events(client, ada))

    for who in ((carol, ada) if move == "cancel" else (ada,)):
        kwargs = {"json": {"reason": "changed my mind"}} if move == "reject" else {}
        again = await do(client, who, viewing["id"], move, **kwargs)
        assert again.status_code == 200, again.text
        assert again.json() == viewing

    assert (await events(client, carol), await events(client, ada)) == told


# --- who may move it ------------------------------------------------------------------------------


@pytest.mark.parametrize("move", ["confirm", "reject", "complete"])
async def test_the_client_party_may_not_do_the_agents_moves(client, move):
    ada, flat, carol = await parties(client)
    state = "confirmed" if move == "complete" else "pending"
    viewing = await viewing_in_state(client, carol, ada, flat.id, state)
    await move_into_the_past(viewing["id"])

    assert_error(await do(client, carol, viewing["id"], move), 403, "forbidden")

    assert (await stored(viewing["id"])).status == viewing["status"]
    assert "appointment.requested" in await events(client, ada)
    assert len(await events(client, ada)) == 1


async def test_the_agent_acting_as_a_client_still_confirms_their_viewing(client):
    # The transitions are for the appointment's agent, whatever their active account type.
    ada, flat, carol = await parties(client)
    booked = await book(client, carol, flat.id, at(3))
    ada_as_client = await as_client(client, ada)

    assert (await act(client, ada_as_client, "PATCH", url(booked["id"], "confirm")))[
        "status"
    ] == "confirmed"


@pytest.mark.parametrize("move", ["confirm", "reject", "cancel", "complete"])
async def test_a_stranger_cannot_tell_the_viewing_from_a_missing_one(client, move):
    ada, flat, carol = await parties(client)
    state = "confirmed" if move == "complete" else "pending"
    viewing = await viewing_in_state(client, carol, ada, flat.id, state)
    await move_into_the_past(viewing["id"])
    bola = await agent(client, "bola@example.com")
    dan = await account(client, "dan@example.com")
    missing = viewing["id"] + 1000

    for stranger in (bola, dan):
        theirs = assert_error(await do(client, stranger, viewing["id"], move), 404, "not_found")
        absent = assert_error(await do(client, stranger, missing, move), 404, "not_found")
        assert {k: v for k, v in theirs.items() if k != "request_id"} == {
            k: v for k, v in absent.items() if k != "request_id"
        }
        got = await client.get(url(viewing["id"]), headers=stranger.headers)
        assert assert_error(got, 404, "not_found")["detail"] == absent["detail"]

    assert (await stored(viewing["id"])).status == viewing["status"]
    assert await events(client, bola) == await events(client, dan) == []


@pytest.mark.parametrize("move", ["confirm", "reject", "cancel", "complete"])
async def test_moves_need_a_token_and_a_numeric_id(client, move):
    ada, flat, carol = await parties(client)
    viewing = await book(client, carol, flat.id, at(3))
    method, suffix, _ = MOVES[move]

    assert_error(await client.request(method, url(viewing["id"], move)), 401, "unauthorized")
    for bad in ("abc", "1.5", "-1", "0"):
        path = f"{APPOINTMENTS}/{bad}{suffix}"
        assert_error(await client.request(method, path, headers=ada.headers), 404, "not_found")
    assert await Appointment.filter(status="pending").count() == 1
