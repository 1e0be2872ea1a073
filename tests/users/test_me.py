"""GET, PATCH and DELETE /api/v1/users/me (API.md "Users", "Conventions")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sheda.auth.models import AuthSession
from sheda.users.models import AgentProfile, User
from tests.support import ME_KEYS, assert_error, bearer, login, register

ME = "/api/v1/users/me"


async def _account(
    client: httpx.AsyncClient, email: str = "ada@example.com", **extra: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    body = await register(client, email, **extra)
    return body["user"], bearer(body["access_token"])


def _row(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "username": user.username,
        "role": user.role,
        "verified": user.verified,
        "is_active": user.is_active,
        "phone_number": user.phone_number,
        "fullname": user.fullname,
    }


# --- GET /me --------------------------------------------------------------------------------


async def test_me_has_exactly_the_contract_keys(client):
    user, auth = await _account(
        client, username="Ada_L", fullname="Ada Lovelace", phone_number="+2348012345678"
    )
    response = await client.get(ME, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ME_KEYS
    assert body["id"] == user["id"]
    assert body["email"] == "ada@example.com"
    assert body["username"] == "ada_l"
    assert body["fullname"] == "Ada Lovelace"
    assert body["phone_number"] == "+2348012345678"
    assert body["avatar_url"] is None
    assert body["location"] is None
    assert body["bio"] is None
    assert body["user_type"] == "client"
    assert body["role"] == "user"
    assert body["verified"] is False
    assert body["is_active"] is True
    assert body["agent_profile"] is None
    assert isinstance(body["created_at"], str) and body["created_at"].endswith("Z")


async def test_me_of_an_agent_carries_its_agent_profile(client):
    _, auth = await _account(client, "agent@example.com", user_type="agent")
    body = (await client.get(ME, headers=auth)).json()
    assert set(body) == ME_KEYS
    assert body["user_type"] == "agent"
    assert isinstance(body["agent_profile"], dict)
    assert body["agent_profile"]["agency_name"] is None


async def test_me_without_token_is_401(client):
    assert_error(await client.get(ME), 401, "unauthorized")
    assert_error(await client.get(ME, headers=bearer("not-a-jwt")), 401, "unauthorized")


# --- PATCH /me ------------------------------------------------------------------------------


async def test_patch_allowed_fields_returns_the_me_body(client):
    user, auth = await _account(client)
    changes = {
        "username": "Countess",
        "fullname": "Augusta Ada King",
        "phone_number": "+447700900123",
        "location": "London",
        "bio": "Wrote the first program.",
    }
    response = await client.patch(ME, json=changes, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ME_KEYS
    assert body["username"] == "countess"
    assert body["fullname"] == "Augusta Ada King"
    assert body["phone_number"] == "+447700900123"
    assert body["location"] == "London"
    assert body["bio"] == "Wrote the first program."
    assert body == (await client.get(ME, headers=auth)).json()
    row = await User.get(id=user["id"])
    assert (row.username, row.location, row.bio) == ("countess", "London", body["bio"])


async def test_patch_with_no_fields_changes_nothing(client):
    _, auth = await _account(client, username="ada")
    before = (await client.get(ME, headers=auth)).json()
    response = await client.patch(ME, json={}, headers=auth)
    assert response.status_code == 200
    assert response.json() == before


async def test_patch_can_clear_optional_text(client):
    _, auth = await _account(client)
    await client.patch(ME, json={"bio": "hello", "location": "Lagos"}, headers=auth)
    response = await client.patch(ME, json={"bio": None}, headers=auth)
    assert response.status_code == 200
    assert response.json()["bio"] is None
    assert response.json()["location"] == "Lagos"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", "admin"),
        ("verified", True),
        ("is_active", False),
        ("rating", 5),
        ("kyc_status", "verified"),
        ("email", "other@example.com"),
        ("id", 999),
        ("password_hash", "x"),
    ],
)
async def test_patch_privileged_field_is_422_and_changes_nothing(client, field, value):
    user, auth = await _account(client)
    before = _row(await User.get(id=user["id"]))
    # Mixed with an allowed field: the whole request is refused, not half applied.
    response = await client.patch(ME, json={field: value, "bio": "sneaky"}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert f"body.{field}" in {item["field"] for item in body["errors"]}
    row = await User.get(id=user["id"])
    assert _row(row) == before
    assert row.bio is None


@pytest.mark.parametrize(("field", "value"), [("rating", 5), ("kyc_status", "verified")])
async def test_agent_cannot_set_its_own_rating_or_kyc(client, field, value):
    user, auth = await _account(client, "agent@example.com", user_type="agent")
    response = await client.patch(ME, json={field: value}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert f"body.{field}" in {item["field"] for item in body["errors"]}
    profile = await AgentProfile.get(user_id=user["id"])
    assert profile.rating is None
    assert profile.kyc_status == "unverified"


@pytest.mark.parametrize("field", ["agency_name", "license_number"])
async def test_agent_fields_on_a_client_are_422(client, field):
    user, auth = await _account(client)
    response = await client.patch(ME, json={field: "Acme"}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert f"body.{field}" in {item["field"] for item in body["errors"]}
    assert not await AgentProfile.exists(user_id=user["id"])


async def test_agent_fields_on_an_agent_are_saved_in_agent_profile(client):
    user, auth = await _account(client, "agent@example.com", user_type="agent")
    response = await client.patch(
        ME, json={"agency_name": "Acme Homes", "license_number": "LIC-42"}, headers=auth
    )
    assert response.status_code == 200, response.text
    profile = response.json()["agent_profile"]
    assert profile["agency_name"] == "Acme Homes"
    assert profile["license_number"] == "LIC-42"
    assert (await client.get(ME, headers=auth)).json()["agent_profile"] == profile
    row = await AgentProfile.get(user_id=user["id"])
    assert (row.agency_name, row.license_number) == ("Acme Homes", "LIC-42")


async def test_patch_duplicate_username_is_409(client):
    await register(client, "first@example.com", username="taken_name")
    user, auth = await _account(client, "second@example.com", username="mine")
    # Usernames are case-insensitive: another spelling of the same name is still taken.
    for attempt in ("taken_name", "Taken_Name"):
        assert_error(
            await client.patch(ME, json={"username": attempt}, headers=auth), 409, "conflict"
        )
    assert (await User.get(id=user["id"])).username == "mine"


async def test_patch_own_username_again_is_fine(client):
    _, auth = await _account(client, username="mine")
    response = await client.patch(ME, json={"username": "mine"}, headers=auth)
    assert response.status_code == 200
    assert response.json()["username"] == "mine"


async def test_patch_duplicate_phone_is_409(client):
    await register(client, "first@example.com", phone_number="+2348012345678")
    _, auth = await _account(client, "second@example.com")
    response = await client.patch(ME, json={"phone_number": "+2348012345678"}, headers=auth)
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize(
    "phone", ["08012345678", "+0123456789", "+234 801 234 5678", "+1", "phone"]
)
async def test_patch_bad_phone_is_422(client, phone):
    user, auth = await _account(client)
    response = await client.patch(ME, json={"phone_number": phone}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert "body.phone_number" in {item["field"] for item in body["errors"]}
    assert (await User.get(id=user["id"])).phone_number is None


@pytest.mark.parametrize("username", ["ab", "has space", "x" * 31, "bad-dash", "émile"])
async def test_patch_bad_username_is_422(client, username):
    _, auth = await _account(client, username="good_name")
    response = await client.patch(ME, json={"username": username}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert "body.username" in {item["field"] for item in body["errors"]}


async def test_patch_malformed_json_is_400(client):
    user, auth = await _account(client)
    response = await client.patch(
        ME,
        content=b'{"bio": "unterminated',
        headers={**auth, "Content-Type": "application/json"},
    )
    body = assert_error(response, 400, "bad_request")
    assert "Traceback" not in body["detail"]
    assert (await User.get(id=user["id"])).bio is None


@pytest.mark.parametrize("payload", [b'["bio", "x"]', b'"bio"', b"42", b"null"])
async def test_patch_non_object_json_is_422(client, payload):
    user, auth = await _account(client)
    response = await client.patch(
        ME, content=payload, headers={**auth, "Content-Type": "application/json"}
    )
    assert_error(response, 422, "validation_error")
    assert (await User.get(id=user["id"])).bio is None


# --- DELETE /me -----------------------------------------------------------------------------


async def test_delete_me_revokes_sessions_and_frees_email_and_username(client):
    first = await register(client, "ada@example.com", username="ada", phone_number="+2348011112222")
    other_session = await login(client, "ada@example.com")
    old_id = first["user"]["id"]

    response = await client.delete(ME, headers=bearer(first["access_token"]))
    assert response.status_code == 204
    assert response.content == b""

    # Every session of the account ends: both access tokens and both refresh tokens.
    for tokens in (first, other_session):
        assert_error(
            await client.get(ME, headers=bearer(tokens["access_token"])), 401, "unauthorized"
        )
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert_error(refreshed, 401, "unauthorized")
    assert_error(
        await client.post(
            "/api/v1/auth/login", json={"username": "ada@example.com", "password": "correct horse"}
        ),
        401,
        "unauthorized",
    )

    # The same email and username register again at once, as a new account.
    again = await register(client, "ada@example.com", username="ada", phone_number="+2348011112222")
    assert again["user"]["id"] != old_id
    assert again["user"]["email"] == "ada@example.com"
    assert again["user"]["username"] == "ada"
    assert again["user"]["phone_number"] == "+2348011112222"

    # The old row is kept (soft delete), marked deleted.
    old = await User.get(id=old_id)
    assert old.deleted_at is not None
    assert await AuthSession.filter(user_id=old_id, revoked_at=None).count() == 0

    # The deleted account has no public profile any more.
    response = await client.get(f"/api/v1/users/{old_id}", headers=bearer(again["access_token"]))
    assert_error(response, 404, "not_found")
    # The new account works normally.
    assert (await client.get(ME, headers=bearer(again["access_token"]))).json()["id"] == again[
        "user"
    ]["id"]


async def test_delete_me_twice_with_old_token_is_401(client):
    _, auth = await _account(client)
    assert (await client.delete(ME, headers=auth)).status_code == 204
    assert_error(await client.delete(ME, headers=auth), 401, "unauthorized")
