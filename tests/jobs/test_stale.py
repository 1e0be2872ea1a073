"""Viewings whose time came while still pending are canceled by the loop, both parties told
once (DESIGN.md "The background loop"; API.md "Appointments", "Notifications"). Confirmed
viewings in the past and pending ones still ahead are left alone."""

from __future__ import annotations

from datetime import timedelta

from sheda.appointments.models import Appointment
from sheda.jobs.loop import tick
from tests.deals import APPOINTMENTS, account, act, agent, at, book, listing
from tests.jobs.helpers import move_viewing_to, notifications, now, status_of, told

EVENT = "appointment.canceled"


async def test_pending_viewings_past_their_time_are_canceled(client, server):
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    flat = await listing(ada.id, title="Garden flat")
    long_gone = await book(client, carol, flat.id, at(2, hour=9))
    just_started = await book(client, carol, flat.id, at(2, hour=11))
    confirmed = await book(client, carol, flat.id, at(2, hour=13))
    await act(client, ada, "PATCH", f"{APPOINTMENTS}/{confirmed['id']}/confirm")
    ahead = await book(client, carol, flat.id, at(2, hour=15))
    # Their times come (the API refuses booking in the past). None overlap.
    await move_viewing_to(long_gone["id"], now() - timedelta(hours=6))
    await move_viewing_to(confirmed["id"], now() - timedelta(hours=4))
    await move_viewing_to(just_started["id"], now() - timedelta(minutes=1))

    result = await tick(server.app.ctx.runtime)

    assert result["cancel_stale_appointments"] == 2
    assert await status_of(Appointment, long_gone["id"]) == "canceled"
    assert await status_of(Appointment, just_started["id"]) == "canceled"
    assert await status_of(Appointment, confirmed["id"]) == "confirmed"
    assert await status_of(Appointment, ahead["id"]) == "pending"
    response = await client.get(f"{APPOINTMENTS}/{long_gone['id']}", headers=carol.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"

    for person in (carol, ada):
        items = await notifications(client, person)
        for stale in (long_gone, just_started):
            (note,) = told(items, EVENT, "appointment_id", stale["id"])
            assert note["data"]["property_id"] == flat.id
        for kept in (confirmed, ahead):
            assert told(items, EVENT, "appointment_id", kept["id"]) == []
        assert len([n for n in items if n["event"] == EVENT]) == 2

    # A second tick finds nothing and tells nobody anything.
    counts = [len(await notifications(client, p)) for p in (carol, ada)]
    assert (await tick(server.app.ctx.runtime))["cancel_stale_appointments"] == 0
    assert [len(await notifications(client, p)) for p in (carol, ada)] == counts


async def test_a_canceled_stale_viewing_cannot_be_confirmed_late(client, server):
    """Once the loop has canceled it, the agent's late confirmation is a 409 (API.md: a
    transition from a state that does not allow it)."""
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    flat = await listing(ada.id)
    viewing = await book(client, carol, flat.id, at(2))
    await move_viewing_to(viewing["id"], now() - timedelta(hours=1))
    assert (await tick(server.app.ctx.runtime))["cancel_stale_appointments"] == 1
    response = await client.patch(f"{APPOINTMENTS}/{viewing['id']}/confirm", headers=ada.headers)
    assert response.status_code == 409, response.text
    assert await status_of(Appointment, viewing["id"]) == "canceled"


async def test_other_states_in_the_past_are_untouched(client, server):
    """Rejected, canceled and completed viewings whose time passed stay as they are."""
    ada = await agent(client)
    carol = await account(client, "carol@example.com")
    flat = await listing(ada.id)
    kept = {}
    for hour, move in ((9, "reject"), (11, "cancel"), (13, "complete")):
        viewing = await book(client, carol, flat.id, at(2, hour=hour))
        url = f"{APPOINTMENTS}/{viewing['id']}"
        if move == "reject":
            await act(client, ada, "PATCH", f"{url}/reject")
        elif move == "cancel":
            await act(client, carol, "DELETE", url)
        else:
            await act(client, ada, "PATCH", f"{url}/confirm")
            await move_viewing_to(viewing["id"], now() - timedelta(hours=2))
            await act(client, ada, "PATCH", f"{url}/complete")
        await move_viewing_to(viewing["id"], now() - timedelta(hours=hour))
        kept[viewing["id"]] = await status_of(Appointment, viewing["id"])
    assert sorted(kept.values()) == ["canceled", "completed", "rejected"]
    before = [len(await notifications(client, p)) for p in (carol, ada)]

    assert (await tick(server.app.ctx.runtime))["cancel_stale_appointments"] == 0

    assert {i: await status_of(Appointment, i) for i in kept} == kept
    assert [len(await notifications(client, p)) for p in (carol, ada)] == before
