"""GET /api/v1/users/{id} (public profile) and the agent payment account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sheda.users.models import AgentProfile, PaymentAccount
from tests.chat.helpers import create_listing, open_ws, person, wait_until
from tests.support import assert_error, bearer, login, register

PUBLIC_KEYS = {
    "id",
    "username",
    "fullname",
    "avatar_url",
    "user_type",
    "agent_profile",
    "online",
    "last_seen",
}
PAYMENT = "/api/v1/users/me/payment-account"
ACCOUNT = {
    "bank_name": "First Bank",
    "account_name": "Ada Homes Ltd",
    "account_number": "0123456789",
}


async def _account(
    client: httpx.AsyncClient, email: str, **extra: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    body = await register(client, email, **extra)
    return body["user"], bearer(body["access_token"])


# --- public profile -------------------------------------------------------------------------


async def test_public_profile_of_a_client_has_no_contact_data(client):
    target, _ = await _account(
        client,
        "target@example.com",
        username="target",
        fullname="Tee Target",
        phone_number="+2348012345678",
    )
    _, auth = await _account(client, "viewer@example.com")
    response = await client.get(f"/api/v1/users/{target['id']}", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["last_seen"] is None  # never signed in yet
    await login(client, "target@example.com")
    response = await client.get(f"/api/v1/users/{target['id']}", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PUBLIC_KEYS
    assert "email" not in body and "phone_number" not in body
    assert body["id"] == target["id"]
    assert body["username"] == "target"
    assert body["fullname"] == "Tee Target"
    assert body["user_type"] == "client"
    assert body["agent_profile"] is None
    assert isinstance(body["online"], bool)
    assert isinstance(body["last_seen"], str) and body["last_seen"].endswith("Z")
    assert "target@example.com" not in response.text
    assert "2348012345678" not in response.text


async def test_public_profile_of_an_agent(client):
    agent, agent_auth = await _account(
        client, "agent@example.com", username="agent", user_type="agent"
    )
    await client.patch(
        "/api/v1/users/me",
        json={"agency_name": "Acme Homes", "license_number": "SECRET-LIC"},
        headers=agent_auth,
    )
    await AgentProfile.filter(user_id=agent["id"]).update(kyc_status="verified")
    await client.put(PAYMENT, json=ACCOUNT, headers=agent_auth)
    _, auth = await _account(client, "viewer@example.com")

    response = await client.get(f"/api/v1/users/{agent['id']}", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PUBLIC_KEYS
    assert body["user_type"] == "agent"
    profile = body["agent_profile"]
    assert set(profile) == {"agency_name", "rating", "listings_count"}
    assert profile["agency_name"] == "Acme Homes"
    assert profile["rating"] is None
    assert profile["listings_count"] == 0
    # No bank data and no other private profile data.
    for private in ("agent@example.com", "0123456789", "First Bank", "SECRET-LIC"):
        assert private not in response.text


async def test_agent_rating_is_shown_as_a_number(client):
    agent, _ = await _account(client, "agent@example.com", user_type="agent")
    await AgentProfile.filter(user_id=agent["id"]).update(rating="4.50")
    _, auth = await _account(client, "viewer@example.com")
    body = (await client.get(f"/api/v1/users/{agent['id']}", headers=auth)).json()
    assert body["agent_profile"]["rating"] == 4.5


async def test_own_public_profile(client):
    me, auth = await _account(client, "me@example.com", username="me_me")
    body = (await client.get(f"/api/v1/users/{me['id']}", headers=auth)).json()
    assert set(body) == PUBLIC_KEYS
    assert body["username"] == "me_me"


async def test_unknown_user_is_404(client):
    me, auth = await _account(client, "me@example.com")
    assert_error(
        await client.get(f"/api/v1/users/{me['id'] + 1000}", headers=auth), 404, "not_found"
    )


@pytest.mark.parametrize("raw_id", ["abc", "1.5", "1e3", "%20"])
async def test_non_numeric_id_is_404_json(client, raw_id):
    _, auth = await _account(client, "me@example.com")
    response = await client.get(f"/api/v1/users/{raw_id}", headers=auth)
    assert_error(response, 404, "not_found")


async def test_out_of_range_id_is_404(client):
    _, auth = await _account(client, "me@example.com")
    for huge in (2**31, 2**63, 10**20):
        response = await client.get(f"/api/v1/users/{huge}", headers=auth)
        assert_error(response, 404, "not_found")


async def test_public_profile_needs_a_token(client):
    target, _ = await _account(client, "target@example.com")
    assert_error(await client.get(f"/api/v1/users/{target['id']}"), 401, "unauthorized")


# --- payment account ------------------------------------------------------------------------


async def test_client_may_not_use_the_payment_account(client):
    me, auth = await _account(client, "client@example.com")
    assert_error(await client.get(PAYMENT, headers=auth), 403, "forbidden")
    assert_error(await client.put(PAYMENT, json=ACCOUNT, headers=auth), 403, "forbidden")
    assert not await PaymentAccount.exists(user_id=me["id"])


async def test_payment_account_needs_a_token(client):
    assert_error(await client.get(PAYMENT), 401, "unauthorized")
    assert_error(await client.put(PAYMENT, json=ACCOUNT), 401, "unauthorized")


async def test_agent_payment_account_round_trip(client):
    agent, auth = await _account(client, "agent@example.com", user_type="agent")
    assert_error(await client.get(PAYMENT, headers=auth), 404, "not_found")

    response = await client.put(PAYMENT, json=ACCOUNT, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == ACCOUNT

    response = await client.get(PAYMENT, headers=auth)
    assert response.status_code == 200
    assert response.json() == ACCOUNT
    row = await PaymentAccount.get(user_id=agent["id"])
    assert (row.bank_name, row.account_name, row.account_number) == (
        "First Bank",
        "Ada Homes Ltd",
        "0123456789",
    )

    # A second PUT replaces it (still one row).
    changed = {**ACCOUNT, "bank_name": "Second Bank", "account_number": "9876543210"}
    response = await client.put(PAYMENT, json=changed, headers=auth)
    assert response.status_code == 200
    assert response.json() == changed
    assert (await client.get(PAYMENT, headers=auth)).json() == changed
    assert await PaymentAccount.filter(user_id=agent["id"]).count() == 1


async def test_payment_accounts_are_per_agent(client):
    _, first = await _account(client, "one@example.com", user_type="agent")
    _, second = await _account(client, "two@example.com", user_type="agent")
    await client.put(PAYMENT, json=ACCOUNT, headers=first)
    assert_error(await client.get(PAYMENT, headers=second), 404, "not_found")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**ACCOUNT, "user_id": 1}, "body.user_id"),
        ({**ACCOUNT, "iban": "DE00"}, "body.iban"),
        ({"bank_name": "First Bank", "account_name": "Ada"}, "body.account_number"),
        ({**ACCOUNT, "account_number": "12"}, "body.account_number"),
        ({**ACCOUNT, "account_number": "0123-4567"}, "body.account_number"),
        ({**ACCOUNT, "bank_name": ""}, "body.bank_name"),
    ],
)
async def test_bad_payment_account_is_422(client, payload, field):
    agent, auth = await _account(client, "agent@example.com", user_type="agent")
    response = await client.put(PAYMENT, json=payload, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert field in {item["field"] for item in body["errors"]}
    assert not await PaymentAccount.exists(user_id=agent["id"])


async def test_agent_who_switched_to_client_may_not_use_it(client):
    _, auth = await _account(client, "agent@example.com", user_type="agent")
    switched = await client.post(
        "/api/v1/auth/switch-account", json={"user_type": "client"}, headers=auth
    )
    assert switched.status_code == 200, switched.text
    client_auth = bearer(switched.json()["access_token"])
    assert_error(await client.get(PAYMENT, headers=client_auth), 403, "forbidden")


async def test_public_profile_shows_presence(client, server):
    # API.md: the public profile's ``online``; the hub knows it (any socket of the user,
    # on any worker), and so does the listing page's agent.
    agent = await person(client, "agent@example.com", user_type="agent")
    viewer = await person(client, "viewer@example.com")
    listing = await create_listing(client, agent)

    async def online() -> tuple[bool, bool]:
        profile = await client.get(f"/api/v1/users/{agent.id}", headers=viewer.headers)
        page = await client.get(f"/api/v1/properties/{listing['id']}")
        assert profile.status_code == page.status_code == 200, (profile.text, page.text)
        return profile.json()["online"], page.json()["agent"]["online"]

    assert await online() == (False, False)
    async with open_ws(server, agent.token), open_ws(server, agent.token) as second:
        assert await online() == (True, True)
        await second.close()  # one socket left: still online
        assert await wait_until(lambda: _is(online, (True, True)))
    assert await wait_until(lambda: _is(online, (False, False)))


async def _is(probe: Any, expected: tuple[bool, bool]) -> bool:
    return bool(await probe() == expected)
