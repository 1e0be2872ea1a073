"""Rate limits with small, module-wide limits: every 429 has the error body and an integer
Retry-After in seconds."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sheda.config import RateLimit
from tests.auth.helpers import reset_token_for, send_otp, settle_mail
from tests.support import assert_error, login, register

AUTH = "/api/v1/auth"
EMAIL = "rl@example.com"
PHONE = "+2348012345678"


@pytest.fixture(scope="module")
def settings_overrides() -> dict[str, Any]:
    return {
        "rate_login_account": RateLimit(3, 60),
        "rate_login_ip": RateLimit(6, 60),
        "rate_register_ip": RateLimit(3, 3600),
        "rate_otp_email": RateLimit(2, 3600),
        "rate_otp_ip": RateLimit(8, 3600),
        "rate_reset_ip": RateLimit(3, 3600),
        "otp_resend_cooldown": 1,
    }


def assert_rate_limited(response, window: int) -> int:
    assert_error(response, 429, "rate_limited")
    raw = response.headers["retry-after"]
    assert raw.isdigit(), raw
    assert 0 < int(raw) <= window
    return int(raw)


async def try_login(client, username: str, password: str, **headers: str):
    return await client.post(
        f"{AUTH}/login", json={"username": username, "password": password}, headers=headers
    )


# --- login ----------------------------------------------------------------------------------


async def test_failed_logins_lock_the_account_even_for_the_right_password(client):
    await register(client, EMAIL)
    for _ in range(3):
        assert_error(await try_login(client, EMAIL, "wrong password"), 401, "unauthorized")
    assert_rate_limited(await try_login(client, EMAIL, "correct horse"), 60)
    # another account is not affected
    await register(client, "other@example.com")
    await login(client, "other@example.com")


async def test_a_successful_login_is_not_a_failure(client):
    await register(client, EMAIL)
    for _ in range(2):
        assert_error(await try_login(client, EMAIL, "wrong password"), 401, "unauthorized")
    await login(client, EMAIL)
    assert_error(await try_login(client, EMAIL, "wrong password"), 401, "unauthorized")
    await login(client, EMAIL)


async def test_failures_count_per_account_whatever_the_identifier(client):
    await register(client, EMAIL, username="rl_user", phone_number=PHONE)
    for identifier in (EMAIL, "rl_user", PHONE):
        assert_error(await try_login(client, identifier, "wrong password"), 401, "unauthorized")
    assert_rate_limited(await try_login(client, "RL_User", "correct horse"), 60)


async def test_login_attempts_per_ip(client):
    await register(client, EMAIL)
    for n in range(6):
        # a forged X-Forwarded-For does not make a new client: no proxy is trusted here
        response = await try_login(
            client, EMAIL, "correct horse", **{"X-Forwarded-For": f"10.0.0.{n}"}
        )
        assert response.status_code == 200, response.text
    assert_rate_limited(
        await try_login(client, EMAIL, "correct horse", **{"X-Forwarded-For": "10.0.0.99"}), 60
    )


# --- register ----------------------------------------------------------------------------------


async def test_registrations_per_ip(client):
    for n in range(3):
        await register(client, f"user{n}@example.com")
    response = await client.post(
        f"{AUTH}/register", json={"email": "user9@example.com", "password": "correct horse"}
    )
    assert_rate_limited(response, 3600)
    refused = await client.post(
        f"{AUTH}/login", json={"username": "user9@example.com", "password": "correct horse"}
    )
    assert_error(refused, 401, "unauthorized")  # the refused registration made no account


# --- one-time codes ----------------------------------------------------------------------------


async def test_otp_quota_per_email_and_purpose_ignores_cooldown_suppressed_sends(
    client, server, mailbox
):
    await register(client, EMAIL)
    await settle_mail(server)
    mailbox.clear()

    assert (await send_otp(client, EMAIL, "reset_password")).status_code == 202  # 1st of 2
    for _ in range(2):  # within the cooldown: nothing sent, nothing counted
        assert (await send_otp(client, EMAIL, "reset_password")).status_code == 202
    await asyncio.sleep(1.1)
    assert (await send_otp(client, EMAIL, "reset_password")).status_code == 202  # 2nd of 2
    await settle_mail(server)
    assert len(mailbox.to(EMAIL)) == 2
    await asyncio.sleep(1.1)
    assert_rate_limited(await send_otp(client, EMAIL, "reset_password"), 3600)
    await settle_mail(server)
    assert len(mailbox.to(EMAIL)) == 2

    # the quota is per (email, purpose)
    assert (await send_otp(client, EMAIL, "verify_email")).status_code == 202
    assert (await send_otp(client, "other@example.com", "reset_password")).status_code == 202


async def test_otp_sends_per_ip(client):
    for n in range(8):
        response = await send_otp(client, f"nobody{n}@example.com", "reset_password")
        assert response.status_code == 202, response.text
    assert_rate_limited(await send_otp(client, "nobody9@example.com", "reset_password"), 3600)


# --- password reset ----------------------------------------------------------------------------


async def test_password_resets_per_ip(client, server, mailbox):
    await register(client, EMAIL)
    token = await reset_token_for(client, server, mailbox, EMAIL)
    for _ in range(3):
        response = await client.post(
            f"{AUTH}/password/reset",
            json={"reset_token": "not-a-token", "new_password": "brand new password"},
        )
        assert_error(response, 400, "invalid_token")
    response = await client.post(
        f"{AUTH}/password/reset", json={"reset_token": token, "new_password": "brand new password"}
    )
    assert_rate_limited(response, 3600)
    await login(client, EMAIL, "correct horse")  # the refused reset changed nothing
