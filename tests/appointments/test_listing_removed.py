"""DELETE /api/v1/properties/{id} with viewings booked: the pending and confirmed ones are
canceled and their clients told; every viewing stays in both parties' history with
property_id null (API.md "Properties", "Appointments"; sheda/properties/service.py)."""

from __future__ import annotations

from sheda.appointments.models import Appointment
from sheda.properties.models import Property
from tests.appointments.helpers import events, notifications, viewing_in_state
from tests.deals import APPOINTMENTS, account, admin, agent, at, book, listing
from tests.support import assert_error

PROPERTIES = "/api/v1/properties"


async def a_listing_with_viewings(client):
    """Ada's flat with a pending viewing (Carol), a confirmed one (Dan), a rejected one
    (Carol) and a completed one (Erin); plus a pending viewing of Ada's other house."""
    ada = await agent(client)
    flat, house = await listing(ada.id), await listing(ada.id, title="Duplex")
    carol = await account(client, "carol@example.com")
    dan = await account(client, "dan@example.com")
    erin = await account(client, "erin@example.com")
    viewings = {
        "pending": await viewing_in_state(client, carol, ada, flat.id, "pending", 2),
        "confirmed": await viewing_in_state(client, dan, ada, flat.id, "confirmed", 3),
        "rejected": await viewing_in_state(client, carol, ada, flat.id, "rejected", 4),
        "completed": await viewing_in_state(client, erin, ada, flat.id, "completed", 5),
        "elsewhere": await viewing_in_state(client, erin, ada, house.id, "pending", 6),
    }
    return (ada, carol, dan, erin), (flat, house), viewings


async def test_deleting_a_listing_cancels_its_open_viewings(client):
    (ada, carol, dan, erin), (flat, house), v = await a_listing_with_viewings(client)
    told_before = {p.id: await events(client, p) for p in (ada, carol, dan, erin)}

    response = await client.delete(f"{PROPERTIES}/{flat.id}", headers=ada.headers)

    assert response.status_code == 204, response.text
    assert not await Property.exists(id=flat.id)
    rows = {name: await Appointment.get(id=viewing["id"]) for name, viewing in v.items()}
    assert {name: (row.status, row.property_id) for name, row in rows.items()} == {
        "pending": ("canceled", None),
        "confirmed": ("canceled", None),
        "rejected": ("rejected", None),
        "completed": ("completed", None),
        "elsewhere": ("pending", house.id),
    }
    # the clients of the two open viewings are told, once; nobody else hears anything
    assert await events(client, carol) == ["appointment.canceled", *told_before[carol.id]]
    assert await events(client, dan) == ["appointment.canceled", *told_before[dan.id]]
    assert await events(client, erin) == told_before[erin.id]
    assert await events(client, ada) == told_before[ada.id]
    for person, name in ((carol, "pending"), (dan, "confirmed")):
        latest = (await notifications(client, person))[0]
        assert latest["data"]["appointment_id"] == v[name]["id"]
        assert "property_id" in latest["data"]
        assert isinstance(latest["data"]["summary"], str) and latest["data"]["summary"].strip()


async def test_the_parties_still_see_the_viewings_without_the_listing(client):
    (ada, carol, dan, _), _, v = await a_listing_with_viewings(client)
    flat_id = v["pending"]["property_id"]

    assert (await client.delete(f"{PROPERTIES}/{flat_id}", headers=ada.headers)).status_code == 204

    for person, name in ((carol, "pending"), (dan, "confirmed"), (ada, "pending")):
        got = await client.get(f"{APPOINTMENTS}/{v[name]['id']}", headers=person.headers)
        assert got.status_code == 200, got.text
        assert (got.json()["status"], got.json()["property_id"]) == ("canceled", None)
    listed = await client.get(APPOINTMENTS, headers=carol.headers)
    assert {item["id"]: item["property_id"] for item in listed.json()["items"]} == {
        v["pending"]["id"]: None,
        v["rejected"]["id"]: None,
    }


async def test_the_freed_time_may_be_booked_on_another_listing(client):
    (ada, _, _, erin), (flat, house), v = await a_listing_with_viewings(client)
    assert_error(
        await client.post(
            APPOINTMENTS,
            headers=erin.headers,
            json={"property_id": house.id, "scheduled_at": v["confirmed"]["scheduled_at"]},
        ),
        409,
        "conflict",
    )

    assert (await client.delete(f"{PROPERTIES}/{flat.id}", headers=ada.headers)).status_code == 204

    assert (await book(client, erin, house.id, at(3)))["property_id"] == house.id


async def test_a_canceled_viewing_of_a_removed_listing_cannot_be_moved_again(client):
    (ada, carol, _, _), (flat, _), v = await a_listing_with_viewings(client)
    assert (await client.delete(f"{PROPERTIES}/{flat.id}", headers=ada.headers)).status_code == 204
    url = f"{APPOINTMENTS}/{v['pending']['id']}"

    assert_error(await client.patch(f"{url}/confirm", headers=ada.headers), 409, "conflict")
    again = await client.delete(url, headers=carol.headers)  # a repeat of the cancel
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "canceled"
    assert (await events(client, carol)).count("appointment.canceled") == 1


async def test_an_admin_deleting_a_listing_cancels_its_viewings_too(client):
    (ada, carol, dan, _), (flat, _), v = await a_listing_with_viewings(client)
    root = await admin(client)

    assert (await client.delete(f"{PROPERTIES}/{flat.id}", headers=root.headers)).status_code == 204

    for name in ("pending", "confirmed"):
        row = await Appointment.get(id=v[name]["id"])
        assert (row.status, row.property_id) == ("canceled", None)
    assert (await events(client, carol))[0] == "appointment.canceled"
    assert (await events(client, dan))[0] == "appointment.canceled"
    assert "appointment.canceled" not in await events(client, ada)


async def test_another_agent_cannot_delete_and_nothing_is_canceled(client):
    (_, carol, _, _), (flat, _), v = await a_listing_with_viewings(client)
    bola = await agent(client, "bola@example.com")
    response = await client.delete(f"{PROPERTIES}/{flat.id}", headers=bola.headers)

    assert_error(response, 403, "forbidden")

    assert (await Appointment.get(id=v["pending"]["id"])).status == "pending"
    assert "appointment.canceled" not in await events(client, carol)
