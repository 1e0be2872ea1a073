"""PATCH /inquiries/{id}/status and POST /inquiries/{id}/notes: the listing's agent (or an
admin) works a lead (API.md "Inquiries" and the state-machine conventions)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from sheda.inquiries import service
from sheda.inquiries.models import Inquiry, InquiryNote
from tests.inquiries.helpers import INQUIRIES, account, admin, agent, listing, stored_inquiry
from tests.support import assert_error, bearer


def status_url(inquiry_id: int) -> str:
    return f"{INQUIRIES}/{inquiry_id}/status"


def notes_url(inquiry_id: int) -> str:
    return f"{INQUIRIES}/{inquiry_id}/notes"


async def lead_of_agent(client, status: str = "new"):
    agent_id, auth = await agent(client, "agent@example.com")
    lead = await stored_inquiry((await listing(agent_id)).id, status=status)
    return agent_id, auth, lead


async def move(client, inquiry_id: int, status: str, auth):
    return await client.patch(status_url(inquiry_id), json={"status": status}, headers=auth)


# --- status transitions ---------------------------------------------------------------------


async def test_full_pipeline(client):
    _, auth, lead = await lead_of_agent(client)

    for status in ("contacted", "qualified", "converted"):
        response = await move(client, lead.id, status, auth)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
        assert response.json()["id"] == lead.id
        assert (await Inquiry.get(id=lead.id)).status == status


@pytest.mark.parametrize("start", ["new", "contacted", "qualified"])
async def test_lost_from_every_open_state(client, start):
    _, auth, lead = await lead_of_agent(client, status=start)

    response = await move(client, lead.id, "lost", auth)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "lost"
    assert (await Inquiry.get(id=lead.id)).status == "lost"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("converted", "contacted"),
        ("converted", "lost"),
        ("lost", "new"),
        ("lost", "contacted"),
        ("new", "qualified"),  # no skipping steps
        ("new", "converted"),
        ("contacted", "new"),  # no going back
        ("qualified", "contacted"),
    ],
)
async def test_other_moves_are_409(client, start, target):
    _, auth, lead = await lead_of_agent(client, status=start)

    response = await move(client, lead.id, target, auth)

    assert_error(response, 409, "conflict")
    assert (await Inquiry.get(id=lead.id)).status == start


async def test_repeating_the_current_status_changes_nothing(client):
    _, auth, lead = await lead_of_agent(client)
    first = await move(client, lead.id, "contacted", auth)
    assert first.status_code == 200, first.text

    again = await move(client, lead.id, "contacted", auth)

    assert again.status_code == 200, again.text
    assert again.json() == first.json()  # same object, same updated_at: no second change


async def test_move_updates_updated_at(client):
    _, auth, lead = await lead_of_agent(client)

    response = await move(client, lead.id, "contacted", auth)

    body = response.json()
    assert datetime.fromisoformat(body["updated_at"]) > datetime.fromisoformat(body["created_at"])
    stored = await Inquiry.get(id=lead.id)
    assert stored.updated_at > lead.updated_at


async def test_admin_may_move_any_lead(client):
    _, _, lead = await lead_of_agent(client)
    admin_auth = await admin(client)

    response = await move(client, lead.id, "contacted", admin_auth)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "contacted"


async def test_other_agent_and_client_get_404(client):
    _, _, lead = await lead_of_agent(client)
    _, other_agent = await agent(client, "other@example.com")
    _, some_client = await account(client, "client@example.com")

    for auth in (other_agent, some_client):
        assert_error(await move(client, lead.id, "contacted", auth), 404, "not_found")
    assert (await Inquiry.get(id=lead.id)).status == "new"


async def test_owner_acting_as_client_is_403(client):
    # Their own lead, so saying "switch accounts" reveals nothing.
    _, auth, lead = await lead_of_agent(client)
    switched = await client.post(
        "/api/v1/auth/switch-account", json={"user_type": "client"}, headers=auth
    )
    assert switched.status_code == 200, switched.text
    as_client = bearer(switched.json()["access_token"])

    assert_error(await move(client, lead.id, "contacted", as_client), 403, "forbidden")
    response = await client.post(notes_url(lead.id), json={"text": "hi"}, headers=as_client)
    assert_error(response, 403, "forbidden")
    assert (await Inquiry.get(id=lead.id)).status == "new"


async def test_unknown_or_malformed_id_is_404(client):
    _, auth, _ = await lead_of_agent(client)

    assert_error(await move(client, 999_999, "contacted", auth), 404, "not_found")
    for bad in ("abc", "0", "-1", str(2**31)):
        response = await client.patch(
            f"{INQUIRIES}/{bad}/status", json={"status": "contacted"}, headers=auth
        )
        assert_error(response, 404, "not_found")


async def test_status_needs_a_token(client):
    _, _, lead = await lead_of_agent(client)

    assert_error(await move(client, lead.id, "contacted", {}), 401, "unauthorized")


@pytest.mark.parametrize("body", [{"status": "won"}, {}, {"status": "lost", "note": "x"}])
async def test_bad_status_body_is_422(client, body):
    _, auth, lead = await lead_of_agent(client)

    response = await client.patch(status_url(lead.id), json=body, headers=auth)

    assert_error(response, 422, "validation_error")


def load_in_lockstep(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """Hold every request after it has loaded the lead until all ``count`` have, so each
    one decides from the same old status and only the conditional UPDATE can tell them
    apart (left alone, requests on one event loop rarely overlap that closely)."""
    real = service.workable_inquiry
    loaded = 0
    everyone = asyncio.Event()

    async def loader(**kwargs: Any) -> Inquiry:
        nonlocal loaded
        row = await real(**kwargs)
        loaded += 1
        if loaded == count:
            everyone.set()
        await asyncio.wait_for(everyone.wait(), timeout=10)
        return row

    monkeypatch.setattr(service, "workable_inquiry", loader)


@pytest.mark.parametrize("lockstep", [False, True])
async def test_concurrent_moves_change_the_row_once(client, monkeypatch, lockstep):
    _, auth, lead = await lead_of_agent(client)
    if lockstep:
        load_in_lockstep(monkeypatch, 20)

    responses = await asyncio.gather(*(move(client, lead.id, "contacted", auth) for _ in range(20)))

    assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
    stored = await Inquiry.get(id=lead.id)
    assert stored.status == "contacted"
    ok = [r.json() for r in responses if r.status_code == 200]
    assert ok
    # One UPDATE won; every other success reports that same change, not one of its own.
    assert {datetime.fromisoformat(body["updated_at"]) for body in ok} == {stored.updated_at}


async def test_concurrent_conflicting_moves_have_one_winner(client, monkeypatch):
    _, auth, lead = await lead_of_agent(client, status="qualified")
    targets = ["converted", "lost"] * 5
    load_in_lockstep(monkeypatch, len(targets))

    responses = await asyncio.gather(*(move(client, lead.id, t, auth) for t in targets))

    stored = await Inquiry.get(id=lead.id)
    assert stored.status in ("converted", "lost")
    for target, response in zip(targets, responses, strict=True):
        if target == stored.status:  # the winner, or a repeat of the winner's move
            assert response.status_code == 200, response.text
            assert response.json()["status"] == stored.status
        else:
            assert_error(response, 409, "conflict")


# --- notes ---------------------------------------------------------------------------------------


async def test_note_is_created(client):
    agent_id, auth, lead = await lead_of_agent(client)

    response = await client.post(
        notes_url(lead.id), json={"text": " Called, no answer "}, headers=auth
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "author_id", "text", "created_at"}
    assert body["author_id"] == agent_id
    assert body["text"] == "Called, no answer"
    assert body["created_at"].endswith("Z")
    note = await InquiryNote.get(id=body["id"])
    assert note.inquiry_id == lead.id and note.author_id == agent_id


async def test_notes_are_separate_rows(client):
    _, auth, lead = await lead_of_agent(client)

    bodies = []
    for text in ("first call", "second call"):
        response = await client.post(notes_url(lead.id), json={"text": text}, headers=auth)
        assert response.status_code == 201, response.text
        bodies.append(response.json())

    assert bodies[0]["id"] != bodies[1]["id"]
    notes = await InquiryNote.filter(inquiry_id=lead.id).order_by("id")
    assert [n.text for n in notes] == ["first call", "second call"]


async def test_admin_note_is_authored_by_the_admin(client):
    _, _, lead = await lead_of_agent(client)
    admin_auth = await admin(client)
    me = (await client.get("/api/v1/users/me", headers=admin_auth)).json()

    response = await client.post(notes_url(lead.id), json={"text": "checked"}, headers=admin_auth)

    assert response.status_code == 201, response.text
    assert response.json()["author_id"] == me["id"]


async def test_other_agent_cannot_add_notes(client):
    _, _, lead = await lead_of_agent(client)
    _, other = await agent(client, "other@example.com")

    response = await client.post(notes_url(lead.id), json={"text": "mine now"}, headers=other)

    assert_error(response, 404, "not_found")
    assert await InquiryNote.all().count() == 0


@pytest.mark.parametrize(
    "body", [{"text": ""}, {"text": "   "}, {"text": "x" * 4001}, {}, {"text": "a", "author_id": 1}]
)
async def test_bad_note_is_422(client, body):
    _, auth, lead = await lead_of_agent(client)

    response = await client.post(notes_url(lead.id), json=body, headers=auth)

    assert_error(response, 422, "validation_error")
    assert await InquiryNote.all().count() == 0


async def test_note_of_4000_characters_is_fine(client):
    _, auth, lead = await lead_of_agent(client)

    response = await client.post(notes_url(lead.id), json={"text": "x" * 4000}, headers=auth)

    assert response.status_code == 201, response.text
