"""Forged, expired, revoked and misused tokens on an authenticated route, refresh-token
rotation and reuse detection, logout, and the claims of an access token.

Forged tokens start from the claims of a real access token, so each one differs from a
token the server accepts in exactly the property under test (the first test shows that a
re-signed copy of real claims is accepted)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from sheda.users.models import Role, User
from tests.auth.helpers import ME, me_status, reset_token_for, unverified_claims
from tests.support import assert_error, bearer, login, register

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PASSWORD_CHANGE = "/api/v1/auth/password/change"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(claims: dict[str, Any]) -> str:
    header = {"alg": "none", "typ": "JWT"}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


async def real_claims(client) -> tuple[dict[str, Any], str]:
    auth = await register(client, "tok@example.com", username="tok")
    return unverified_claims(auth["access_token"]), auth["access_token"]


async def assert_unauthorized(client, token: str) -> None:
    assert_error(await client.get(ME, headers=bearer(token)), 401, "unauthorized")


async def refresh(client, refresh_token: str):
    return await client.post(REFRESH, json={"refresh_token": refresh_token})


# --- forged tokens ---------------------------------------------------------------------------


async def test_real_claims_signed_with_the_server_key_are_accepted(client, server):
    claims, _ = await real_claims(client)
    token = jwt.encode(claims, server.settings.secret_key, algorithm="HS256")
    response = await client.get(ME, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["email"] == "tok@example.com"


@pytest.mark.parametrize("sub", [str(2**70), str(2**31), "0", "-1", "\u00b2", " 1", "1.0", 1])
async def test_signed_token_whose_sub_is_no_user_id_is_refused(client, server, sub):
    """Needs the key, so defence in depth: `sub` = 2**70 used to be a 500 on PostgreSQL."""
    claims, _ = await real_claims(client)
    claims["sub"] = sub
    await assert_unauthorized(client, jwt.encode(claims, server.settings.secret_key, "HS256"))


async def test_alg_none_token_is_refused(client):
    claims, _ = await real_claims(client)
    await assert_unauthorized(client, unsigned_token(claims))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_other_algorithm_with_the_right_key_is_refused(client, server):
    claims, _ = await real_claims(client)
    token = jwt.encode(claims, server.settings.secret_key, algorithm="HS512")
    await assert_unauthorized(client, token)


async def test_token_signed_with_a_wrong_key_is_refused(client):
    claims, _ = await real_claims(client)
    token = jwt.encode(claims, "not-the-server-key-" + "z" * 40, algorithm="HS256")
    await assert_unauthorized(client, token)


async def test_expired_token_is_refused(client, server):
    claims, _ = await real_claims(client)
    now = int(time.time())
    claims.update(iat=now - 120, exp=now - 60)
    await assert_unauthorized(client, jwt.encode(claims, server.settings.secret_key, "HS256"))


async def test_token_without_exp_is_refused(client, server):
    claims, _ = await real_claims(client)
    del claims["exp"]
    await assert_unauthorized(client, jwt.encode(claims, server.settings.secret_key, "HS256"))


async def test_tampered_payload_is_refused(client):
    claims, token = await real_claims(client)
    header, _, signature = token.split(".")
    claims["scopes"] = ["client", "admin"]
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    await assert_unauthorized(client, forged)


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Basic dG9rOnBhc3M="],
)
async def test_missing_or_malformed_authorization_is_refused(client, header):
    headers = {} if header is None else {"Authorization": header}
    assert_error(await client.get(ME, headers=headers), 401, "unauthorized")


async def test_access_token_under_another_scheme_is_refused(client):
    auth = await register(client, "tok@example.com")
    response = await client.get(ME, headers={"Authorization": f"Token {auth['access_token']}"})
    assert_error(response, 401, "unauthorized")


# --- tokens used for the wrong thing ---------------------------------------------------------


@pytest.mark.parametrize("scopes", [["otp"], ["client", "otp"], [], ["admin"]])
async def test_session_token_without_an_account_scope_is_refused(client, server, scopes):
    # Correctly signed, naming a live session: only the scopes differ. An OTP-step token, or
    # one that acts as no account type, serves no authenticated route (API.md, token scopes).
    claims, _ = await real_claims(client)
    claims["scopes"] = scopes
    token = jwt.encode(claims, server.settings.secret_key, algorithm="HS256")
    await assert_unauthorized(client, token)
    response = await client.get("/api/v1/notifications", headers=bearer(token))
    assert_error(response, 401, "unauthorized")
    status = await _socket_handshake_status(server, token)
    assert status == 401


async def _socket_handshake_status(server, token: str) -> int:
    url = server.url.replace("http://", "ws://") + f"/api/v1/chat/ws?token={token}"
    try:
        async with connect(url, open_timeout=5):
            return 101
    except InvalidStatus as refusal:
        return refusal.response.status_code



async def test_refresh_token_is_not_an_access_token(client):
    auth = await register(client, "tok@example.com")
    await assert_unauthorized(client, auth["refresh_token"])


async def test_reset_token_only_works_for_the_reset(client, server, mailbox):
    await register(client, "tok@example.com")
    reset_token = await reset_token_for(client, server, mailbox, "tok@example.com")
    assert unverified_claims(reset_token)["scopes"] == ["otp"]
    calls = [
        ("GET", ME, None),
        ("POST", LOGOUT, {}),
        ("POST", PASSWORD_CHANGE, {"current_password": "x", "new_password": "new password 1"}),
        ("POST", "/api/v1/auth/switch-account", {"user_type": "agent"}),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=bearer(reset_token))
        assert_error(response, 401, "unauthorized")
    # the token was not spent by those calls, and it still does what it was made for
    response = await client.post(
        "/api/v1/auth/password/reset",
        json={"reset_token": reset_token, "new_password": "brand new password"},
    )
    assert response.status_code == 204, response.text


# --- revocation --------------------------------------------------------------------------------


async def test_logout_ends_the_access_token_and_its_refresh_tokens(client):
    auth = await register(client, "tok@example.com")
    assert await me_status(client, auth["access_token"]) == 200
    response = await client.post(LOGOUT, headers=bearer(auth["access_token"]))
    assert response.status_code == 204, response.text
    assert response.content == b""
    await assert_unauthorized(client, auth["access_token"])
    assert_error(await refresh(client, auth["refresh_token"]), 401, "unauthorized")
    assert_error(
        await client.post(LOGOUT, headers=bearer(auth["access_token"])), 401, "unauthorized"
    )


async def test_password_change_ends_the_other_sessions_only(client):
    await register(client, "tok@example.com")
    session_a = await login(client, "tok@example.com")
    session_b = await login(client, "tok@example.com")
    response = await client.post(
        PASSWORD_CHANGE,
        json={"current_password": "correct horse", "new_password": "battery staple"},
        headers=bearer(session_a["access_token"]),
    )
    assert response.status_code == 204, response.text
    await assert_unauthorized(client, session_b["access_token"])
    assert_error(await refresh(client, session_b["refresh_token"]), 401, "unauthorized")
    # session A goes on, refresh included
    assert await me_status(client, session_a["access_token"]) == 200
    rotated = await refresh(client, session_a["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    assert await me_status(client, rotated.json()["access_token"]) == 200


async def test_logout_with_the_refresh_token_of_another_own_session_ends_both(client):
    await register(client, "tok@example.com")
    session_a = await login(client, "tok@example.com")
    session_b = await login(client, "tok@example.com")
    session_c = await login(client, "tok@example.com")
    response = await client.post(
        LOGOUT,
        json={"refresh_token": session_b["refresh_token"]},
        headers=bearer(session_a["access_token"]),
    )
    assert response.status_code == 204, response.text
    for session in (session_a, session_b):
        await assert_unauthorized(client, session["access_token"])
        assert_error(await refresh(client, session["refresh_token"]), 401, "unauthorized")
    assert await me_status(client, session_c["access_token"]) == 200


async def test_logout_with_someone_elses_refresh_token_does_not_end_their_session(client):
    await register(client, "tok@example.com")
    victim = await register(client, "victim@example.com")
    attacker = await login(client, "tok@example.com")
    response = await client.post(
        LOGOUT,
        json={"refresh_token": victim["refresh_token"]},
        headers=bearer(attacker["access_token"]),
    )
    assert response.status_code == 204, response.text
    await assert_unauthorized(client, attacker["access_token"])
    assert await me_status(client, victim["access_token"]) == 200
    assert (await refresh(client, victim["refresh_token"])).status_code == 200


# --- refresh rotation --------------------------------------------------------------------------


async def test_refresh_returns_a_new_working_pair(client):
    auth = await register(client, "tok@example.com")
    response = await refresh(client, auth["refresh_token"])
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "bearer"
    assert pair["refresh_token"] != auth["refresh_token"]
    assert pair["access_token"] != auth["access_token"]
    assert await me_status(client, pair["access_token"]) == 200
    again = await refresh(client, pair["refresh_token"])
    assert again.status_code == 200, again.text


async def test_reusing_a_refresh_token_ends_the_whole_family(client):
    auth = await register(client, "tok@example.com")
    first = (await refresh(client, auth["refresh_token"])).json()
    second = (await refresh(client, first["refresh_token"])).json()
    assert await me_status(client, second["access_token"]) == 200

    # an old token of the chain comes back: someone else holds a copy
    assert_error(await refresh(client, first["refresh_token"]), 401, "unauthorized")

    # the newest pair of that chain is dead too
    assert_error(await refresh(client, second["refresh_token"]), 401, "unauthorized")
    await assert_unauthorized(client, second["access_token"])
    await assert_unauthorized(client, auth["access_token"])


async def test_reuse_in_one_session_leaves_other_sessions_alone(client):
    auth = await register(client, "tok@example.com")
    other = await login(client, "tok@example.com")
    await refresh(client, auth["refresh_token"])
    assert_error(await refresh(client, auth["refresh_token"]), 401, "unauthorized")
    assert await me_status(client, other["access_token"]) == 200
    assert (await refresh(client, other["refresh_token"])).status_code == 200


async def test_concurrent_refreshes_with_one_token_make_one_pair_and_end_the_session(client):
    auth = await register(client, "tok@example.com")
    responses = await asyncio.gather(*(refresh(client, auth["refresh_token"]) for _ in range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 401, 401, 401, 401], [r.text for r in responses]
    for response in responses:
        if response.status_code == 401:
            assert_error(response, 401, "unauthorized")
    # a replay was seen, so the pair that won is part of a revoked family
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert_error(await refresh(client, winner["refresh_token"]), 401, "unauthorized")


async def test_unknown_refresh_token_is_refused(client):
    await register(client, "tok@example.com")
    assert_error(await refresh(client, "x" * 43), 401, "unauthorized")


# --- claims ------------------------------------------------------------------------------------


async def test_access_token_claims(client):
    auth = await register(client, "tok@example.com")
    header = jwt.get_unverified_header(auth["access_token"])
    assert header["alg"] == "HS256"
    claims = unverified_claims(auth["access_token"])
    assert isinstance(claims["sub"], str)
    assert claims["sub"] == str(auth["user"]["id"])
    assert claims["typ"] == "access"
    assert "client" in claims["scopes"]
    assert "agent" not in claims["scopes"]
    assert "admin" not in claims["scopes"]
    assert isinstance(claims["jti"], str) and claims["jti"]
    assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int)
    assert abs(claims["iat"] - time.time()) < 60
    assert 899 <= claims["exp"] - claims["iat"] <= 901  # default lifetime: 15 minutes
    assert auth["expires_in"] == 900
    other = await login(client, "tok@example.com")
    assert unverified_claims(other["access_token"])["jti"] != claims["jti"]


async def test_agent_registration_gets_agent_scope(client):
    auth = await register(client, "agent@example.com", user_type="agent")
    scopes = unverified_claims(auth["access_token"])["scopes"]
    assert "agent" in scopes and "client" not in scopes


@pytest.mark.parametrize(("role", "scope"), [(Role.ADMIN, "admin"), (Role.MODERATOR, "moderator")])
async def test_role_shows_in_tokens_issued_after_promotion(client, role, scope):
    auth = await register(client, "tok@example.com")
    assert scope not in unverified_claims(auth["access_token"])["scopes"]
    await User.filter(id=auth["user"]["id"]).update(role=role)
    after_login = await login(client, "tok@example.com")
    assert set(unverified_claims(after_login["access_token"])["scopes"]) == {"client", scope}
    after_refresh = (await refresh(client, auth["refresh_token"])).json()
    assert scope in unverified_claims(after_refresh["access_token"])["scopes"]
