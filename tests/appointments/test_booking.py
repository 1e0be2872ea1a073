"""POST /api/v1/appointments: a client books a viewing (API.md "Appointments")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sheda.appointments.models import Appointment, AppointmentStatus
from tests.appointments.helpers import (
    APPOINTMENT_KEYS,
    as_client,
    deal_parties,
    parse,
    post_booking,
)
from tests.deals import APPOINTMENTS, agent, at, book, iso, listing
from tests.support import assert_error


async def test_booking_answers_201_with_the_appointment(client):
    ada, flat, carol = await deal_parties(client)
    when = at(days=3, hour=11)

    response = await post_booking(client, carol, flat.id, when, note="After work, please")

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == APPOINTMENT_KEYS
    assert response.headers["location"] == f"{APPOINTMENTS}/{body['id']}"
    assert isinstance(body["id"], int)
    assert (body["property_id"], body["client_id"], body["agent_id"]) == (flat.id, carol.id, ada.id)
    assert parse(body["scheduled_at"]) == when
    assert body["duration_minutes"] == 60  # the default
    assert body["status"] == "pending"
    assert body["note"] == "After work, please"
    assert body["reject_reason"] is None
    for key in ("scheduled_at", "created_at", "updated_at"):
        assert body[key].endswith("Z"), body[key]
    row = await Appointment.get(id=body["id"])
    assert row.status == AppointmentStatus.PENDING
    assert row.scheduled_at == when and row.ends_at == when + timedelta(minutes=60)
    assert (row.client_id, row.agent_id, row.property_id) == (carol.id, ada.id, flat.id)

    located = await client.get(response.headers["location"], headers=carol.headers)
    assert located.status_code == 200, located.text
    assert located.json() == body


async def test_the_note_is_optional(client):
    _, flat, carol = await deal_parties(client)

    body = await book(client, carol, flat.id, at(3))

    assert body["note"] is None


async def test_a_time_with_an_offset_is_stored_in_utc(client):
    _, flat, carol = await deal_parties(client)
    lagos = timezone(timedelta(hours=1))
    local = datetime.combine(at(4).date(), datetime.min.time(), lagos).replace(hour=15)

    response = await post_booking(client, carol, flat.id, local.isoformat())

    assert response.status_code == 201, response.text
    assert response.json()["scheduled_at"].endswith("Z")
    assert parse(response.json()["scheduled_at"]) == local.astimezone(UTC)
    assert parse(response.json()["scheduled_at"]).hour == 14


@pytest.mark.parametrize("minutes", [15, 240])
async def test_duration_bounds_are_accepted(client, minutes):
    _, flat, carol = await deal_parties(client)
    when = at(3)

    body = await book(client, carol, flat.id, when, duration_minutes=minutes)

    assert body["duration_minutes"] == minutes
    row = await Appointment.get(id=body["id"])
    assert row.ends_at == when + timedelta(minutes=minutes)


@pytest.mark.parametrize("minutes", [14, 241, 0, -60, 60.5, "an hour", None])
async def test_duration_out_of_bounds_is_422(client, minutes):
    _, flat, carol = await deal_parties(client)

    response = await post_booking(client, carol, flat.id, at(3), duration_minutes=minutes)

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.duration_minutes"]
    assert not await Appointment.exists()


@pytest.mark.parametrize(
    "field", ["agent_id", "client_id", "status", "ends_at", "reject_reason", "colour"]
)
async def test_server_set_and_unknown_fields_are_422(client, field):
    ada, flat, carol = await deal_parties(client)
    values = {
        "agent_id": ada.id,  # even the right one: the agent comes from the listing
        "client_id": carol.id,
        "status": "confirmed",
        "ends_at": iso(at(3, hour=11)),
        "reject_reason": "no",
        "colour": "blue",
    }

    response = await post_booking(client, carol, flat.id, at(3), **{field: values[field]})

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == [f"body.{field}"]
    assert not await Appointment.exists()


GOOD = object()  # stands for the valid value of a field in the cases below


@pytest.mark.parametrize(
    ("property_id", "scheduled_at", "note", "field"),
    [
        (None, GOOD, None, "body.property_id"),
        ("flat", GOOD, None, "body.property_id"),
        (0, GOOD, None, "body.property_id"),
        (GOOD, None, None, "body.scheduled_at"),
        (GOOD, "next tuesday", None, "body.scheduled_at"),
        (GOOD, GOOD, "x" * 1001, "body.note"),
    ],
    ids=["no-property", "property-not-int", "property-zero", "no-time", "not-a-time", "long-note"],
)
async def test_bad_bodies_are_422(client, property_id, scheduled_at, note, field):
    _, flat, carol = await deal_parties(client)
    values = {
        "property_id": flat.id if property_id is GOOD else property_id,
        "scheduled_at": iso(at(3)) if scheduled_at is GOOD else scheduled_at,
        "note": note,
    }
    body = {key: value for key, value in values.items() if value is not None}

    response = await client.post(APPOINTMENTS, headers=carol.headers, json=body)

    error = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in error["errors"]] == [field]
    assert not await Appointment.exists()


async def test_a_note_of_1000_characters_is_fine(client):
    _, flat, carol = await deal_parties(client)

    assert (await book(client, carol, flat.id, at(3), note="x" * 1000))["note"] == "x" * 1000


async def test_an_empty_body_is_422(client):
    _, _, carol = await deal_parties(client)

    response = await client.post(APPOINTMENTS, headers=carol.headers, json={})

    error = assert_error(response, 422, "validation_error")
    assert {e["field"] for e in error["errors"]} == {"body.property_id", "body.scheduled_at"}


async def test_malformed_json_is_400(client):
    _, _, carol = await deal_parties(client)
    response = await client.post(
        APPOINTMENTS,
        content=b'{"property_id": ',
        headers={**carol.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    "when", [timedelta(minutes=-1), timedelta(days=-1), timedelta(days=-400)],
    ids=["a-minute-ago", "yesterday", "last-year"],
)
async def test_a_time_in_the_past_is_422(client, when):
    _, flat, carol = await deal_parties(client)

    response = await post_booking(client, carol, flat.id, datetime.now(UTC) + when)

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.scheduled_at"]
    assert not await Appointment.exists()


async def test_a_time_without_a_timezone_is_422(client):
    _, flat, carol = await deal_parties(client)
    naive = at(3).replace(tzinfo=None).isoformat()

    response = await post_booking(client, carol, flat.id, naive)

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.scheduled_at"]
    assert not await Appointment.exists()


@pytest.mark.parametrize("raw", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
async def test_a_time_off_the_calendar_in_utc_is_422(client, raw):
    _, flat, carol = await deal_parties(client)

    response = await post_booking(client, carol, flat.id, raw)

    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.scheduled_at"]


async def test_at_most_a_year_ahead(client):
    _, flat, carol = await deal_parties(client)

    response = await post_booking(client, carol, flat.id, at(days=367))
    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.scheduled_at"]

    assert (await book(client, carol, flat.id, at(days=360)))["status"] == "pending"


# --- who may book what ------------------------------------------------------------------------


async def test_booking_your_own_listing_is_403(client):
    ada, flat, _ = await deal_parties(client)
    ada_as_client = await as_client(client, ada)

    response = await post_booking(client, ada_as_client, flat.id, at(3))

    assert_error(response, 403, "forbidden")
    assert not await Appointment.exists()


async def test_booking_needs_the_client_scope(client):
    _, flat, _ = await deal_parties(client)
    bola = await agent(client, "bola@example.com")

    assert_error(await post_booking(client, bola, flat.id, at(3)), 403, "forbidden")
    response = await client.post(
        APPOINTMENTS, json={"property_id": flat.id, "scheduled_at": iso(at(3))}
    )
    assert_error(response, 401, "unauthorized")
    assert not await Appointment.exists()


async def test_an_unknown_listing_is_404(client):
    _, flat, carol = await deal_parties(client)

    response = await post_booking(client, carol, flat.id + 100, at(3))

    assert_error(response, 404, "not_found")


async def test_an_inactive_listing_is_404(client):
    ada, _, carol = await deal_parties(client)
    hidden = await listing(ada.id, is_active=False)

    response = await post_booking(client, carol, hidden.id, at(3))

    assert_error(response, 404, "not_found")
    assert not await Appointment.exists()


@pytest.mark.parametrize("status", ["rented", "sold"])
async def test_a_rented_or_sold_listing_is_409(client, status):
    ada, _, carol = await deal_parties(client)
    gone = await listing(ada.id, status=status)

    response = await post_booking(client, carol, gone.id, at(3))

    assert_error(response, 409, "conflict")
    assert not await Appointment.exists()
