"""The whole auth flow through HTTP, registration validation, password handling, and
deactivated accounts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sheda.users.models import User
from tests.auth.helpers import ME, me_status, unverified_claims, verify_otp
from tests.support import assert_error, bearer, login, register

AUTH = "/api/v1/auth"
PAYMENT = "/api/v1/users/me/payment-account"
EMAIL = "ada@example.com"
PHONE = "+2348012345678"


async def try_login(client, username: str, password: str, **headers: str):
    return await client.post(
        f"{AUTH}/login", json={"username": username, "password": password}, headers=headers
    )


def assert_token_pair(body: dict[str, Any]) -> None:
    assert body["token_type"] == "bearer"
    assert isinstance(body["access_token"], str) and body["access_token"]
    assert isinstance(body["refresh_token"], str) and body["refresh_token"]


async def test_whole_auth_flow(client, mailbox):
    # register
    response = await client.post(
        f"{AUTH}/register",
        json={
            "email": "Ada@Example.com",
            "password": "correct horse",
            "username": "Ada_L",
            "fullname": "Ada Lovelace",
            "phone_number": PHONE,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert_token_pair(body)
    user = body["user"]
    assert isinstance(user["id"], int)
    assert user["email"] == EMAIL
    assert user["username"] == "ada_l"
    assert user["fullname"] == "Ada Lovelace"
    assert user["phone_number"] == PHONE
    assert user["user_type"] == "client"
    assert user["role"] == "user"
    assert user["verified"] is False
    assert user["is_active"] is True
    assert user["created_at"].endswith("Z")
    location = response.headers["location"]
    assert location.startswith("/api/v1/users/")
    located = await client.get(location, headers=bearer(body["access_token"]))
    assert located.status_code == 200, located.text
    assert located.json()["id"] == user["id"]

    # the verification mail arrives; its code verifies the address
    code = await mailbox.latest_code(EMAIL)
    verified = await verify_otp(client, EMAIL, code, "verify_email")
    assert verified.status_code == 200, verified.text
    assert verified.json()["user"]["verified"] is True
    me = await client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["verified"] is True
    assert me.json()["agent_profile"] is None

    # login by email, username and phone (JSON)
    for identifier in ("ADA@example.COM", "Ada_L", PHONE):
        signed_in = await try_login(client, identifier, "correct horse")
        assert signed_in.status_code == 200, (identifier, signed_in.text)
        assert_token_pair(signed_in.json())
        assert signed_in.json()["user"]["id"] == user["id"]
        assert signed_in.json()["user"]["verified"] is True

    # login as an OAuth2 password-flow form
    form = await client.post(
        f"{AUTH}/login",
        data={
            "grant_type": "password",
            "username": "ada_l",
            "password": "correct horse",
            "scope": "",
            "client_id": "swagger",
        },
    )
    assert form.status_code == 200, form.text
    assert_token_pair(form.json())
    tokens = form.json()

    # refresh
    refreshed = await client.post(
        f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    assert_token_pair(refreshed.json())
    tokens = refreshed.json()
    assert await me_status(client, tokens["access_token"]) == 200

    # a client may not use the agent-only payment account
    assert_error(
        await client.get(PAYMENT, headers=bearer(tokens["access_token"])), 403, "forbidden"
    )

    # switch to agent
    switched = await client.post(
        f"{AUTH}/switch-account",
        json={"user_type": "agent"},
        headers=bearer(tokens["access_token"]),
    )
    assert switched.status_code == 200, switched.text
    assert_token_pair(switched.json())
    old, tokens = tokens, switched.json()
    assert "agent" in unverified_claims(tokens["access_token"])["scopes"]
    assert "client" not in unverified_claims(tokens["access_token"])["scopes"]
    assert_error(await client.get(ME, headers=bearer(old["access_token"])), 401, "unauthorized")
    me = (await client.get(ME, headers=bearer(tokens["access_token"]))).json()
    assert me["user_type"] == "agent"
    assert me["agent_profile"] is not None

    # the agent's payment account: none yet, then PUT, then GET
    agent = bearer(tokens["access_token"])
    assert_error(await client.get(PAYMENT, headers=agent), 404, "not_found")
    account = {
        "bank_name": "Zenith Bank",
        "account_name": "Ada Lovelace",
        "account_number": "0123456789",
    }
    put = await client.put(PAYMENT, json=account, headers=agent)
    assert put.status_code == 200, put.text
    assert put.json() == account
    got = await client.get(PAYMENT, headers=agent)
    assert got.status_code == 200
    assert got.json() == account

    # and back to client
    switched = await client.post(
        f"{AUTH}/switch-account", json={"user_type": "client"}, headers=agent
    )
    assert switched.status_code == 200, switched.text
    old, tokens = tokens, switched.json()
    scopes = unverified_claims(tokens["access_token"])["scopes"]
    assert "client" in scopes and "agent" not in scopes
    assert_error(await client.get(ME, headers=bearer(old["access_token"])), 401, "unauthorized")
    assert (await client.get(ME, headers=bearer(tokens["access_token"]))).json()["user_type"] == (
        "client"
    )
    assert_error(
        await client.get(PAYMENT, headers=bearer(tokens["access_token"])), 403, "forbidden"
    )

    # password change: wrong current password, then right
    wrong = await client.post(
        f"{AUTH}/password/change",
        json={"current_password": "incorrect horse", "new_password": "battery staple"},
        headers=bearer(tokens["access_token"]),
    )
    assert_error(wrong, 400, "invalid_password")
    assert_error(await try_login(client, EMAIL, "battery staple"), 401, "unauthorized")
    changed = await client.post(
        f"{AUTH}/password/change",
        json={"current_password": "correct horse", "new_password": "battery staple"},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 204, changed.text
    assert await me_status(client, tokens["access_token"]) == 200
    assert (await try_login(client, EMAIL, "battery staple")).status_code == 200
    assert_error(await try_login(client, EMAIL, "correct horse"), 401, "unauthorized")

    # logout: the token dies at once
    logout = await client.post(f"{AUTH}/logout", headers=bearer(tokens["access_token"]))
    assert logout.status_code == 204, logout.text
    assert_error(await client.get(ME, headers=bearer(tokens["access_token"])), 401, "unauthorized")
    assert_error(
        await client.post(f"{AUTH}/refresh", json={"refresh_token": tokens["refresh_token"]}),
        401,
        "unauthorized",
    )


async def test_registering_as_agent_creates_the_agent_profile(client):
    auth = await register(client, EMAIL, user_type="agent")
    assert auth["user"]["user_type"] == "agent"
    assert auth["user"]["agent_profile"] is not None
    agent = bearer(auth["access_token"])
    assert_error(await client.get(PAYMENT, headers=agent), 404, "not_found")


# --- registration validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"email": "Dup@Example.com"}, {"email": "dup@EXAMPLE.com"}),
        (
            {"email": "a@example.com", "username": "Ada"},
            {"email": "b@example.com", "username": "ada"},
        ),
        (
            {"email": "a@example.com", "phone_number": PHONE},
            {"email": "b@example.com", "phone_number": PHONE},
        ),
    ],
    ids=["email", "username", "phone"],
)
async def test_duplicate_is_a_conflict(client, first, second):
    await register(client, first.pop("email"), **first)
    response = await client.post(f"{AUTH}/register", json={"password": "correct horse", **second})
    assert_error(response, 409, "conflict")
    assert await User.all().count() == 1


VALID = {"email": "ok@example.com", "password": "correct horse"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "body.email"),
        ({"email": None}, "body.email"),
        ({"password": "x" * 7}, "body.password"),
        ({"password": "x" * 129}, "body.password"),
        ({"password": None}, "body.password"),
        ({"username": "ab"}, "body.username"),
        ({"username": "a" * 31}, "body.username"),
        ({"username": "bad name"}, "body.username"),
        ({"username": "ada@home"}, "body.username"),
        ({"phone_number": "08012345678"}, "body.phone_number"),
        ({"phone_number": "+0123456789"}, "body.phone_number"),
        ({"phone_number": "+234 801 234 5678"}, "body.phone_number"),
        ({"user_type": "admin"}, "body.user_type"),
        ({"nickname": "ada"}, "body.nickname"),
        ({"role": "admin"}, "body.role"),
        ({"verified": True}, "body.verified"),
        ({"is_active": True}, "body.is_active"),
    ],
)
async def test_invalid_registration_is_a_422(client, changes, field):
    payload = {**VALID, **changes}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = await client.post(f"{AUTH}/register", json=payload)
    body = assert_error(response, 422, "validation_error")
    assert body["errors"], body
    for error in body["errors"]:
        assert error["field"].startswith("body."), error
        assert isinstance(error["message"], str) and error["message"]
    assert field in [error["field"] for error in body["errors"]]
    assert await User.all().count() == 0


async def test_malformed_json_is_a_400(client):
    response = await client.post(
        f"{AUTH}/register", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "bad_request")


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "x" * 8,
        "x" * 128,
        "ü" * 50 + "密" * 49 + "🏠",  # 100 characters, 251 bytes in UTF-8
        "  spaces count too  ",
    ],
    ids=["8-chars", "128-chars", "100-multibyte", "spaces"],
)
async def test_any_password_of_8_to_128_characters_works(client, password):
    auth = await register(client, EMAIL, password=password)
    signed_in = await login(client, EMAIL, password)
    assert signed_in["user"]["id"] == auth["user"]["id"]


@pytest.mark.parametrize(
    ("password", "almost"),
    [
        ("a" * 72 + "X", "a" * 72 + "Y"),
        ("é" * 40 + "1", "é" * 40 + "2"),  # differs at byte 81
        ("  spaces count too  ", "spaces count too"),
    ],
    ids=["ascii-after-72", "multibyte-after-72", "stripped"],
)
async def test_a_nearly_right_password_is_refused(client, password, almost):
    await register(client, EMAIL, password=password)
    assert_error(await try_login(client, EMAIL, almost), 401, "unauthorized")
    assert (await try_login(client, EMAIL, password)).status_code == 200


async def test_unknown_user_and_wrong_password_answer_alike(client):
    await register(client, EMAIL, username="ada", phone_number=PHONE)
    pinned = {"X-Request-ID": "pinned-request-id"}
    responses = [
        await try_login(client, "nobody@example.com", "correct horse", **pinned),
        await try_login(client, "nobody", "correct horse", **pinned),
        await try_login(client, EMAIL, "wrong password", **pinned),
        await try_login(client, "ada", "wrong password", **pinned),
        await try_login(client, PHONE, "wrong password", **pinned),
    ]
    for response in responses:
        assert_error(response, 401, "unauthorized")
    assert len({response.content for response in responses}) == 1


async def test_names_longer_than_any_account_answer_like_unknown_ones(client):
    """A username over 30 characters or a phone over 16 (the columns' lengths) used to be a
    500 on PostgreSQL; they name nobody, so they are the same 401 as any unknown name, in
    JSON and in the OAuth2 form."""
    await register(client, EMAIL, username="ada", phone_number=PHONE)
    pinned = {"X-Request-ID": "pinned-request-id"}
    reference = await try_login(client, "nobody", "correct horse", **pinned)
    assert_error(reference, 401, "unauthorized")
    for name in ["a" * 31, "ada" + "x" * 250, "+" + "1" * 16, "+234" + "9" * 250]:
        response = await try_login(client, name, "correct horse", **pinned)
        assert response.content == reference.content, name
        form = await client.post(
            f"{AUTH}/login", data={"username": name, "password": "correct horse"}, headers=pinned
        )
        assert form.content == reference.content, name
    await login(client, "ada", "correct horse")  # the real account still signs in


async def test_login_validation(client):
    response = await client.post(f"{AUTH}/login", json={"username": EMAIL})
    body = assert_error(response, 422, "validation_error")
    assert "body.password" in [error["field"] for error in body["errors"]]
    response = await client.post(f"{AUTH}/login", data={"password": "correct horse"})
    body = assert_error(response, 422, "validation_error")
    assert "body.username" in [error["field"] for error in body["errors"]]


async def test_change_to_an_invalid_new_password_is_a_422(client):
    auth = await register(client, EMAIL)
    response = await client.post(
        f"{AUTH}/password/change",
        json={"current_password": "correct horse", "new_password": "short"},
        headers=bearer(auth["access_token"]),
    )
    body = assert_error(response, 422, "validation_error")
    assert "body.new_password" in [error["field"] for error in body["errors"]]
    await login(client, EMAIL, "correct horse")


# --- deactivated accounts -------------------------------------------------------------------------


async def test_deactivated_account_is_forbidden(client):
    auth = await register(client, EMAIL)
    await User.filter(id=auth["user"]["id"]).update(is_active=False)
    assert_error(await try_login(client, EMAIL, "correct horse"), 403, "forbidden")
    assert_error(await client.get(ME, headers=bearer(auth["access_token"])), 403, "forbidden")
    switched = await client.post(
        f"{AUTH}/switch-account",
        json={"user_type": "agent"},
        headers=bearer(auth["access_token"]),
    )
    assert_error(switched, 403, "forbidden")
    # the token stays valid: reactivated, the same token works again
    await User.filter(id=auth["user"]["id"]).update(is_active=True)
    assert await me_status(client, auth["access_token"]) == 200


async def test_deactivated_account_keeps_its_refresh_token(client):
    auth = await register(client, EMAIL)
    await User.filter(id=auth["user"]["id"]).update(is_active=False)
    refused = await client.post(f"{AUTH}/refresh", json={"refresh_token": auth["refresh_token"]})
    assert_error(refused, 403, "forbidden")
    await User.filter(id=auth["user"]["id"]).update(is_active=True)
    refreshed = await client.post(f"{AUTH}/refresh", json={"refresh_token": auth["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert await me_status(client, refreshed.json()["access_token"]) == 200


async def test_concurrent_registrations_of_one_email_make_one_account(client):
    responses = await asyncio.gather(
        *(
            client.post(
                f"{AUTH}/register",
                json={"email": f"{case}@example.com", "password": "correct horse"},
            )
            for case in ("same", "SAME", "Same", "same", "sAme")
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409, 409, 409, 409], [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "conflict")
    assert await User.filter(email="same@example.com").count() == 1
