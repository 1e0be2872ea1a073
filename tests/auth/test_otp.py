"""One-time codes: tries, expiry, single use under concurrency, identical refusals, resend
cooldown, replacement by a newer code, the password reset flow, hashed storage."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import jwt
import pytest

from sheda.auth.models import OtpCode, ResetGrant
from sheda.common.clock import utcnow
from tests.auth.helpers import (
    ME,
    fresh_code,
    me_status,
    reset_token_for,
    send_otp,
    settle_mail,
    verify_otp,
)
from tests.support import assert_error, bearer, login, register

RESET = "/api/v1/auth/password/reset"
SENT = {"detail": "If the account exists, a code was sent"}
EMAIL = "otp@example.com"


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {"otp_resend_cooldown": 1}


def other_code(code: str, shift: int = 1) -> str:
    return f"{(int(code) + shift) % 1_000_000:06d}"


async def signup(client, mailbox, email: str = EMAIL) -> tuple[dict[str, Any], str]:
    """Register; returns the auth body and the verification code from the mail."""
    auth = await register(client, email)
    return auth, await mailbox.latest_code(email)


async def is_verified(client, auth: dict[str, Any]) -> bool:
    response = await client.get(ME, headers=bearer(auth["access_token"]))
    assert response.status_code == 200, response.text
    verified: bool = response.json()["verified"]
    return verified


async def reset(client, token: str, new_password: str = "brand new password"):
    return await client.post(RESET, json={"reset_token": token, "new_password": new_password})


# --- tries, expiry, single use -----------------------------------------------------------------


async def test_right_code_verifies_the_email(client, mailbox):
    auth, code = await signup(client, mailbox)
    assert not await is_verified(client, auth)
    response = await verify_otp(client, EMAIL, code, "verify_email")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["email"] == EMAIL
    assert body["user"]["verified"] is True
    assert await is_verified(client, auth)


async def test_right_code_after_four_wrong_tries_still_works(client, mailbox):
    auth, code = await signup(client, mailbox)
    for shift in range(1, 5):
        assert_error(
            await verify_otp(client, EMAIL, other_code(code, shift), "verify_email"),
            400,
            "invalid_otp",
        )
    response = await verify_otp(client, EMAIL, code, "verify_email")
    assert response.status_code == 200, response.text
    assert await is_verified(client, auth)


async def test_sixth_try_is_refused_even_with_the_right_code(client, mailbox):
    auth, code = await signup(client, mailbox)
    for shift in range(1, 6):
        assert_error(
            await verify_otp(client, EMAIL, other_code(code, shift), "verify_email"),
            400,
            "invalid_otp",
        )
    assert_error(await verify_otp(client, EMAIL, code, "verify_email"), 400, "invalid_otp")
    assert not await is_verified(client, auth)


async def test_expired_code_is_refused(client, mailbox):
    auth, code = await signup(client, mailbox)
    aged = await OtpCode.filter(user_id=auth["user"]["id"]).update(
        expires_at=utcnow() - timedelta(seconds=1)
    )
    assert aged == 1
    assert_error(await verify_otp(client, EMAIL, code, "verify_email"), 400, "invalid_otp")
    assert not await is_verified(client, auth)


async def test_twenty_concurrent_right_answers_make_one_success(client, mailbox):
    auth, code = await signup(client, mailbox)
    responses = await asyncio.gather(
        *(verify_otp(client, EMAIL, code, "verify_email") for _ in range(20))
    )
    ok = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code != 200]
    assert len(ok) == 1, [r.text for r in responses]
    assert len(refused) == 19
    for response in refused:
        assert_error(response, 400, "invalid_otp")
    assert await is_verified(client, auth)


async def test_used_email_code_cannot_be_reused(client, mailbox):
    _, code = await signup(client, mailbox)
    assert (await verify_otp(client, EMAIL, code, "verify_email")).status_code == 200
    assert_error(await verify_otp(client, EMAIL, code, "verify_email"), 400, "invalid_otp")


async def test_used_reset_code_cannot_be_reused(client, server, mailbox):
    await signup(client, mailbox)
    code = await fresh_code(client, server, mailbox, EMAIL, "reset_password")
    first = await verify_otp(client, EMAIL, code, "reset_password")
    assert first.status_code == 200, first.text
    assert first.json()["reset_token"]
    assert_error(await verify_otp(client, EMAIL, code, "reset_password"), 400, "invalid_otp")


async def test_every_refusal_has_the_same_body(client, server, mailbox):
    """Unknown email, wrong, expired, used, exhausted or other-purpose codes: the same bytes
    (the request id is pinned so that the bodies can be compared whole)."""
    pinned = {"X-Request-ID": "pinned-request-id"}

    _, live_code = await signup(client, mailbox, "live@example.com")
    _, used_code = await signup(client, mailbox, "used@example.com")
    assert (await verify_otp(client, "used@example.com", used_code, "verify_email")).is_success
    old, old_code = await signup(client, mailbox, "old@example.com")
    await OtpCode.filter(user_id=old["user"]["id"]).update(expires_at=utcnow() - timedelta(days=1))
    _, dead_code = await signup(client, mailbox, "dead@example.com")
    for shift in range(1, 6):
        await verify_otp(client, "dead@example.com", other_code(dead_code, shift), "verify_email")

    cases = [
        ("nobody@example.com", "123456", "verify_email"),
        ("nobody@example.com", "123456", "reset_password"),
        ("live@example.com", other_code(live_code), "verify_email"),
        ("live@example.com", live_code, "reset_password"),  # no reset code was ever sent
        ("used@example.com", used_code, "verify_email"),
        ("old@example.com", old_code, "verify_email"),
        ("dead@example.com", dead_code, "verify_email"),
    ]
    responses = [await verify_otp(client, *case, **pinned) for case in cases]
    for response in responses:
        body = assert_error(response, 400, "invalid_otp")
        assert body["request_id"] == "pinned-request-id"
    bodies = {response.content for response in responses}
    assert len(bodies) == 1, bodies
    assert len({r.headers["content-type"] for r in responses}) == 1
    # the live code was not spent by the wrong-purpose try, and still works
    assert (await verify_otp(client, "live@example.com", live_code, "verify_email")).is_success


# --- sending ---------------------------------------------------------------------------------


async def test_send_answers_alike_for_unknown_emails_and_sends_nothing(client, server, mailbox):
    await register(client, "known@example.com")
    await settle_mail(server)
    mailbox.clear()

    unknown = await send_otp(client, "nobody@example.com", "reset_password")
    known = await send_otp(client, "known@example.com", "reset_password")
    for response in (unknown, known):
        assert response.status_code == 202, response.text
        assert response.json() == SENT
    assert unknown.content == known.content

    await settle_mail(server)
    assert [m["To"] for m in mailbox.messages] == ["known@example.com"]


async def test_resend_within_the_cooldown_sends_nothing_and_keeps_the_code(client, server, mailbox):
    await signup(client, mailbox)
    code = await fresh_code(client, server, mailbox, EMAIL, "reset_password")
    again = await send_otp(client, EMAIL, "reset_password")
    assert again.status_code == 202
    assert again.json() == SENT
    await settle_mail(server)
    assert len(mailbox.to(EMAIL)) == 2  # the verification mail and one reset mail
    # the suppressed send made no new code: the mailed one still works
    assert (await verify_otp(client, EMAIL, code, "reset_password")).status_code == 200


async def test_newer_code_replaces_the_older_one(client, server, mailbox):
    await signup(client, mailbox)
    older = await fresh_code(client, server, mailbox, EMAIL, "reset_password")
    newer = older
    while newer == older:  # one chance in a million that two codes are equal
        await asyncio.sleep(1.1)  # past the resend cooldown (1 s here)
        newer = await fresh_code(client, server, mailbox, EMAIL, "reset_password")
    assert_error(await verify_otp(client, EMAIL, older, "reset_password"), 400, "invalid_otp")
    assert (await verify_otp(client, EMAIL, newer, "reset_password")).status_code == 200


async def test_codes_are_stored_hashed(client, server, mailbox):
    auth, verify_code = await signup(client, mailbox)
    reset_code = await fresh_code(client, server, mailbox, EMAIL, "reset_password")
    rows = await OtpCode.filter(user_id=auth["user"]["id"]).values()
    assert len(rows) == 2
    for row in rows:
        assert row["code_hash"]
        for value in row.values():
            assert verify_code not in str(value)
            assert reset_code not in str(value)


# --- password reset ----------------------------------------------------------------------------


async def test_password_reset_flow(client, server, mailbox):
    auth, _ = await signup(client, mailbox)
    other_session = await login(client, EMAIL)
    token = await reset_token_for(client, server, mailbox, EMAIL)

    assert (await reset(client, token, "brand new password")).status_code == 204
    assert_error(await reset(client, token, "another new password"), 400, "invalid_token")

    for session in (auth, other_session):
        assert_error(
            await client.get(ME, headers=bearer(session["access_token"])), 401, "unauthorized"
        )
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert_error(refreshed, 401, "unauthorized")

    fresh = await login(client, EMAIL, "brand new password")
    assert await me_status(client, fresh["access_token"]) == 200
    refused = await client.post(
        "/api/v1/auth/login", json={"username": EMAIL, "password": "correct horse"}
    )
    assert_error(refused, 401, "unauthorized")
    # the second, refused reset did not change the password either
    refused = await client.post(
        "/api/v1/auth/login", json={"username": EMAIL, "password": "another new password"}
    )
    assert_error(refused, 401, "unauthorized")


async def test_reset_token_claims(client, server, mailbox):
    auth, _ = await signup(client, mailbox)
    token = await reset_token_for(client, server, mailbox, EMAIL)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scopes"] == ["otp"]
    assert claims["sub"] == str(auth["user"]["id"])
    assert 599 <= claims["exp"] - claims["iat"] <= 601  # 10 minutes


async def test_expired_reset_token_is_refused(client, server, mailbox):
    auth, _ = await signup(client, mailbox)
    token = await reset_token_for(client, server, mailbox, EMAIL)
    aged = await ResetGrant.filter(user_id=auth["user"]["id"]).update(
        expires_at=utcnow() - timedelta(seconds=1)
    )
    assert aged == 1
    assert_error(await reset(client, token), 400, "invalid_token")
    assert await me_status(client, auth["access_token"]) == 200  # nothing was revoked
    await login(client, EMAIL, "correct horse")


async def test_wrong_reset_tokens_are_refused(client, server, mailbox):
    auth, _ = await signup(client, mailbox)
    real = await reset_token_for(client, server, mailbox, EMAIL)
    claims = jwt.decode(real, options={"verify_signature": False})
    wrong_key = jwt.encode(claims, "not-the-server-key-" + "q" * 40, algorithm="HS256")
    for token in ("garbage", auth["access_token"], auth["refresh_token"], wrong_key):
        assert_error(await reset(client, token), 400, "invalid_token")
    await login(client, EMAIL, "correct horse")
    # none of them spent the real token
    assert (await reset(client, real)).status_code == 204


async def test_emails_are_matched_without_regard_to_case(client, server, mailbox):
    await signup(client, mailbox)
    await settle_mail(server)
    assert (await send_otp(client, "OTP@Example.COM", "reset_password")).status_code == 202
    code = await mailbox.latest_code(EMAIL, count=2)  # sent to the stored address
    # the cooldown is shared by every spelling
    assert (await send_otp(client, "otp@EXAMPLE.com", "reset_password")).status_code == 202
    await settle_mail(server)
    assert len(mailbox.to(EMAIL)) == 2  # the verification mail and one reset mail
    response = await verify_otp(client, "Otp@Example.Com", code, "reset_password")
    assert response.status_code == 200, response.text


async def test_the_code_mailed_at_registration_starts_the_cooldown(client, server, mailbox):
    _, first = await signup(client, mailbox)
    right_after = await send_otp(client, EMAIL, "verify_email")
    assert right_after.status_code == 202 and right_after.json() == SENT
    await settle_mail(server)
    assert len(mailbox.to(EMAIL)) == 1  # no second code within the cooldown (1 s here)
    await asyncio.sleep(1.1)
    second = await fresh_code(client, server, mailbox, EMAIL, "verify_email")
    assert len(mailbox.to(EMAIL)) == 2
    # the resend is a newer code that replaces the registration's
    if second != first:
        assert_error(await verify_otp(client, EMAIL, first, "verify_email"), 400, "invalid_otp")
    assert (await verify_otp(client, EMAIL, second, "verify_email")).status_code == 200
