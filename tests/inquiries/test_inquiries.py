"""POST /api/v1/inquiries: anyone may ask about an active listing (API.md "Inquiries")."""

from __future__ import annotations

import pytest

from sheda.inquiries.models import Inquiry
from sheda.notifications.models import Notification
from tests.inquiries.helpers import INQUIRIES, account, agent, inquiry_body, listing
from tests.support import assert_error, bearer

INQUIRY_KEYS = {
    "id",
    "property_id",
    "user_id",
    "full_name",
    "email",
    "phone",
    "message",
    "inquiry_type",
    "preferred_contact_time",
    "status",
    "created_at",
    "updated_at",
}


async def test_anonymous_inquiry_is_created(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)

    response = await client.post(INQUIRIES, json=inquiry_body(flat.id))

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == INQUIRY_KEYS
    assert body["property_id"] == flat.id
    assert body["user_id"] is None
    assert body["status"] == "new"
    assert body["email"] == "ada@example.com"  # emails are kept lower-cased
    assert body["phone"] == "+2348012345678"
    assert body["inquiry_type"] == "site_visit"
    assert body["preferred_contact_time"] == "weekdays after 5pm"
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    row = await Inquiry.get(id=body["id"])
    assert row.user_id is None and row.full_name == "Ada Obi"


async def test_optional_fields_may_be_left_out(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    body = inquiry_body(flat.id, inquiry_type="general")
    del body["phone"], body["preferred_contact_time"]

    response = await client.post(INQUIRIES, json=body)

    assert response.status_code == 201, response.text
    assert response.json()["phone"] is None
    assert response.json()["preferred_contact_time"] is None


async def test_signed_in_asker_is_remembered(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    client_id, auth = await account(client, "client@example.com")

    response = await client.post(INQUIRIES, json=inquiry_body(flat.id), headers=auth)

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == client_id
    assert (await Inquiry.get(id=response.json()["id"])).user_id == client_id


async def test_an_invalid_token_still_asks_anonymously(client):
    # The route is public: a stale token must not stop a visitor from asking.
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)

    response = await client.post(
        INQUIRIES, json=inquiry_body(flat.id), headers=bearer("not-a-token")
    )

    assert response.status_code == 201, response.text
    assert response.json()["user_id"] is None


async def test_agent_is_notified_after_the_inquiry_is_stored(client):
    agent_id, agent_auth = await agent(client, "agent@example.com")
    flat = await listing(agent_id, title="Sunny loft")
    asker_id, asker_auth = await account(client, "client@example.com")

    response = await client.post(INQUIRIES, json=inquiry_body(flat.id), headers=asker_auth)
    assert response.status_code == 201, response.text
    inquiry_id = response.json()["id"]

    stored = await Notification.filter(user_id=agent_id)
    assert len(stored) == 1
    assert stored[0].event == "inquiry.created"
    assert stored[0].data["inquiry_id"] == inquiry_id
    assert stored[0].data["property_id"] == flat.id
    assert "Sunny loft" in stored[0].data["summary"]
    assert not await Notification.exists(user_id=asker_id)

    listed = await client.get("/api/v1/notifications", headers=agent_auth)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [n["event"] for n in items] == ["inquiry.created"]
    assert items[0]["data"]["inquiry_id"] == inquiry_id
    assert items[0]["data"]["property_id"] == flat.id
    assert isinstance(items[0]["data"]["summary"], str) and items[0]["data"]["summary"]
    assert items[0]["read_at"] is None


async def test_each_inquiry_notifies_its_own_listings_agent(client):
    first_id, _ = await agent(client, "first@example.com")
    second_id, _ = await agent(client, "second@example.com")
    first_flat, second_flat = await listing(first_id), await listing(second_id)

    for flat in (first_flat, second_flat, second_flat):
        response = await client.post(INQUIRIES, json=inquiry_body(flat.id))
        assert response.status_code == 201, response.text

    assert await Notification.filter(user_id=first_id).count() == 1
    assert await Notification.filter(user_id=second_id).count() == 2


# --- the per-IP limit -----------------------------------------------------------------------


async def test_sixth_inquiry_within_the_hour_is_429(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)

    for _ in range(5):  # the default: 5 per hour per IP
        response = await client.post(INQUIRIES, json=inquiry_body(flat.id))
        assert response.status_code == 201, response.text
    refused = await client.post(INQUIRIES, json=inquiry_body(flat.id))

    assert_error(refused, 429, "rate_limited")
    retry_after = int(refused.headers["retry-after"])
    assert 0 < retry_after <= 3600
    assert await Inquiry.all().count() == 5
    assert await Notification.filter(user_id=agent_id).count() == 5


async def test_a_token_does_not_lift_the_limit(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    _, auth = await account(client, "client@example.com")

    statuses = [
        (await client.post(INQUIRIES, json=inquiry_body(flat.id), headers=auth)).status_code
        for _ in range(6)
    ]

    assert statuses == [201] * 5 + [429]


async def test_invalid_bodies_do_not_use_up_the_limit(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)

    for _ in range(6):
        bad = await client.post(INQUIRIES, json=inquiry_body(flat.id, email="nope"))
        assert_error(bad, 422, "validation_error")
    response = await client.post(INQUIRIES, json=inquiry_body(flat.id))

    assert response.status_code == 201, response.text


# --- unknown and hidden listings ---------------------------------------------------------------


async def test_unknown_property_is_404(client):
    response = await client.post(INQUIRIES, json=inquiry_body(999_999))

    assert_error(response, 404, "not_found")
    assert await Inquiry.all().count() == 0


async def test_inactive_property_is_404_even_for_its_agent(client):
    agent_id, agent_auth = await agent(client, "agent@example.com")
    hidden = await listing(agent_id, is_active=False)

    assert_error(await client.post(INQUIRIES, json=inquiry_body(hidden.id)), 404, "not_found")
    response = await client.post(INQUIRIES, json=inquiry_body(hidden.id), headers=agent_auth)
    assert_error(response, 404, "not_found")
    assert await Inquiry.all().count() == 0
    assert await Notification.all().count() == 0


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "body.email"),
        ({"phone": "08012345678"}, "body.phone"),
        ({"inquiry_type": "purchase"}, "body.inquiry_type"),
        ({"status": "converted"}, "body.status"),  # a field the caller may not set
        ({"user_id": 1}, "body.user_id"),
        ({"full_name": ""}, "body.full_name"),
        ({"full_name": "x" * 121}, "body.full_name"),
        ({"message": "   "}, "body.message"),
        ({"property_id": "abc"}, "body.property_id"),
        ({"property_id": 0}, "body.property_id"),
        ({"property_id": 2**31}, "body.property_id"),
    ],
)
async def test_invalid_inquiry_is_422(client, changes, field):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)

    response = await client.post(INQUIRIES, json={**inquiry_body(flat.id), **changes})

    body = assert_error(response, 422, "validation_error")
    assert field in {error["field"] for error in body["errors"]}, body
    assert await Inquiry.all().count() == 0


@pytest.mark.parametrize(
    "missing", ["property_id", "full_name", "email", "message", "inquiry_type"]
)
async def test_required_fields_are_required(client, missing):
    agent_id, _ = await agent(client, "agent@example.com")
    body = inquiry_body((await listing(agent_id)).id)
    del body[missing]

    response = await client.post(INQUIRIES, json=body)

    errors = assert_error(response, 422, "validation_error")["errors"]
    assert f"body.{missing}" in {error["field"] for error in errors}


async def test_malformed_json_is_400(client):
    response = await client.post(
        INQUIRIES, content=b"{nope", headers={"content-type": "application/json"}
    )

    assert_error(response, 400, "bad_request")


# --- a signed-in asker's details ---------------------------------------------------------------


async def test_a_signed_in_asker_need_not_repeat_name_email_and_phone(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    asker, auth = await account(
        client, "Carol@Example.com", fullname="Carol Eze", phone_number="+2348011112222"
    )
    body = {"property_id": flat.id, "message": "Still free?", "inquiry_type": "callback"}

    response = await client.post(INQUIRIES, json=body, headers=auth)

    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["full_name"], made["email"], made["phone"]) == (
        "Carol Eze", "carol@example.com", "+2348011112222"
    )
    assert made["user_id"] == asker
    # The agent's notification names the asker by the account's name too.
    notification = await Notification.get(user_id=agent_id)
    assert notification.data["summary"].startswith("Carol Eze ")


async def test_what_the_body_says_wins_over_the_account(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    _, auth = await account(client, "carol@example.com", fullname="Carol Eze")

    response = await client.post(
        INQUIRIES,
        json=inquiry_body(flat.id, full_name="C. Eze (office)", email="office@example.com"),
        headers=auth,
    )

    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["full_name"], made["email"], made["phone"]) == (
        "C. Eze (office)", "office@example.com", "+2348012345678"
    )


async def test_an_account_without_a_name_is_called_by_its_username(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    _, auth = await account(client, "dan@example.com", username="dan_o")
    _, unnamed = await account(client, "eve@example.com")
    body = {"property_id": flat.id, "message": "Hi", "inquiry_type": "general"}

    by_username = await client.post(INQUIRIES, json=body, headers=auth)
    by_address = await client.post(INQUIRIES, json=body, headers=unnamed)

    assert by_username.json()["full_name"] == "dan_o"
    assert by_address.json()["full_name"] == "eve"
    assert by_address.json()["phone"] is None


async def test_without_a_token_name_and_email_are_required(client):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    body = {"property_id": flat.id, "message": "Hi", "inquiry_type": "general"}

    response = await client.post(INQUIRIES, json=body)

    errors = assert_error(response, 422, "validation_error")["errors"]
    assert {error["field"] for error in errors} == {"body.full_name", "body.email"}
    assert await Inquiry.all().count() == 0
    for _ in range(5):  # the refusal spent none of the IP's five an hour
        assert (await client.post(INQUIRIES, json=inquiry_body(flat.id))).status_code == 201


@pytest.mark.parametrize("email", ["client7@demo.sheda.local", "Agent1@DEMO.sheda.local"])
async def test_demo_account_addresses_are_accepted(client, email):
    # seed-demo's clients have @demo.sheda.local addresses, which registration refuses
    # (a special-use domain); a lead from one of them must not be.
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)

    response = await client.post(INQUIRIES, json=inquiry_body(flat.id, email=email))

    assert response.status_code == 201, response.text
    assert response.json()["email"] == email.lower()


@pytest.mark.parametrize("email", ["x@other.local", "a b@demo.sheda.local", "@demo.sheda.local"])
async def test_other_special_use_addresses_are_still_refused(client, email):
    agent_id, _ = await agent(client, "agent@example.com")
    flat = await listing(agent_id)
    response = await client.post(INQUIRIES, json=inquiry_body(flat.id, email=email))
    assert_error(response, 422, "validation_error")
