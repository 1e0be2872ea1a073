"""The loop's clean-up (DESIGN.md "The background loop"): expired one-time codes and reset
grants, expired refresh tokens, and sessions that were revoked or expired are deleted; live
ones stay and keep working over HTTP (API.md "Auth")."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sheda.auth.models import AuthSession, OtpCode, OtpPurpose, RefreshToken, ResetGrant
from sheda.jobs.loop import tick
from sheda.security import tokens
from tests.jobs.helpers import now
from tests.support import bearer, login, register

ME = "/api/v1/users/me"
AUTH = "/api/v1/auth"
PAST = timedelta(minutes=1)


async def session_of(refresh_token: str) -> AuthSession:
    """The session a refresh token belongs to."""
    stored = await RefreshToken.get(token_hash=tokens.sha256_hex(refresh_token))
    session = await AuthSession.get(id=stored.session_id)
    return session


async def reset_token(client, mailbox, email: str, mails_before: int) -> str:
    response = await client.post(
        f"{AUTH}/otp/send", json={"email": email, "purpose": "reset_password"}
    )
    assert response.status_code == 202, response.text
    code = await mailbox.latest_code(email, mails_before + 1)
    response = await client.post(
        f"{AUTH}/otp/verify", json={"email": email, "otp": code, "purpose": "reset_password"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["reset_token"])


async def refresh(client, refresh_token: str):
    return await client.post(f"{AUTH}/refresh", json={"refresh_token": refresh_token})


async def test_what_has_ended_is_deleted_and_what_lives_keeps_working(client, server, mailbox):
    # Ana's first session: its refresh token rotated; the spent one then expires.
    ana = await register(client, "ana@example.com")
    live_access = ana["access_token"]
    rotated = await refresh(client, ana["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    live_refresh = rotated.json()["refresh_token"]
    spent = await RefreshToken.get(token_hash=tokens.sha256_hex(ana["refresh_token"]))
    await RefreshToken.filter(id=spent.id).update(expires_at=now() - PAST)
    live_session = await session_of(live_refresh)
    # A second session, logged out; a third, expired.
    out = await login(client, "ana@example.com")
    response = await client.post(f"{AUTH}/logout", headers=bearer(out["access_token"]), json={})
    assert response.status_code == 204, response.text
    logged_out = await session_of(out["refresh_token"])
    stale = await login(client, "ana@example.com")
    expired_session = await session_of(stale["refresh_token"])
    await AuthSession.filter(id=expired_session.id).update(expires_at=now() - PAST)
    # Ana's verification code is live; Bob's has expired. Each earns a reset grant, and
    # Bob's expires.
    ana_code = await OtpCode.get(user_id=ana["user"]["id"], purpose=OtpPurpose.VERIFY_EMAIL)
    bob = await register(client, "bob@example.com")
    bob_code = await OtpCode.get(user_id=bob["user"]["id"], purpose=OtpPurpose.VERIFY_EMAIL)
    await OtpCode.filter(id=bob_code.id).update(expires_at=now() - PAST)
    ana_reset = await reset_token(client, mailbox, "ana@example.com", 1)
    bob_reset = await reset_token(client, mailbox, "bob@example.com", 1)
    ana_grant = await ResetGrant.get(user_id=ana["user"]["id"])
    bob_grant = await ResetGrant.get(user_id=bob["user"]["id"])
    await ResetGrant.filter(jti=bob_grant.jti).update(expires_at=now() - PAST)
    doomed_tokens = await RefreshToken.filter(
        session_id__in=[logged_out.id, expired_session.id]
    ).values_list("id", flat=True)
    assert len(doomed_tokens) == 2

    result = await tick(server.app.ctx.runtime)

    # Deleted directly: 1 code, 1 grant, 1 refresh token, 2 sessions. The two sessions'
    # own refresh tokens go with them (ON DELETE CASCADE); whether the count includes
    # those is the job's choice, so both readings are accepted.
    assert result["purge_credentials"] in (5, 7)
    assert not await OtpCode.exists(id=bob_code.id)
    assert await OtpCode.exists(id=ana_code.id)
    assert not await ResetGrant.exists(jti=bob_grant.jti)
    assert await ResetGrant.exists(jti=ana_grant.jti)
    assert not await RefreshToken.exists(id=spent.id)
    assert not await RefreshToken.exists(id__in=list(doomed_tokens))
    assert await RefreshToken.exists(token_hash=tokens.sha256_hex(live_refresh))
    assert not await AuthSession.exists(id=logged_out.id)
    assert not await AuthSession.exists(id=expired_session.id)
    assert await AuthSession.exists(id=live_session.id)
    assert await AuthSession.filter(user_id=bob["user"]["id"]).count() == 1

    # The live session still works, the ended ones still do not.
    assert (await client.get(ME, headers=bearer(live_access))).status_code == 200
    assert (await client.get(ME, headers=bearer(out["access_token"]))).status_code == 401
    assert (await client.get(ME, headers=bearer(stale["access_token"]))).status_code == 401
    assert (await client.get(ME, headers=bearer(bob["access_token"]))).status_code == 200
    assert (await refresh(client, out["refresh_token"])).status_code == 401
    assert (await refresh(client, stale["refresh_token"])).status_code == 401
    assert (await refresh(client, ana["refresh_token"])).status_code == 401  # spent, gone
    renewed = await refresh(client, live_refresh)
    assert renewed.status_code == 200, renewed.text
    assert (await client.get(ME, headers=bearer(renewed.json()["access_token"]))).status_code == 200
    # Ana's live grant still resets her password; Bob's expired one does not.
    response = await client.post(
        f"{AUTH}/password/reset", json={"reset_token": bob_reset, "new_password": "a new one!"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_token"
    response = await client.post(
        f"{AUTH}/password/reset", json={"reset_token": ana_reset, "new_password": "a new one!"}
    )
    assert response.status_code == 204, response.text


async def test_the_count_is_the_rows_deleted(client, server):
    """Nothing cascades here: the count is exactly what was due."""
    ana = await register(client, "ana@example.com")
    user_id = ana["user"]["id"]
    await OtpCode.filter(user_id=user_id).update(expires_at=now() - PAST)
    await RefreshToken.all().update(expires_at=now() - PAST)
    for minutes in (1, 60):
        await ResetGrant.create(
            jti=uuid.uuid4().hex, user_id=user_id, expires_at=now() - timedelta(minutes=minutes)
        )
    live_grant = await ResetGrant.create(
        jti=uuid.uuid4().hex, user_id=user_id, expires_at=now() + timedelta(minutes=5)
    )

    assert (await tick(server.app.ctx.runtime))["purge_credentials"] == 1 + 1 + 2
    assert await OtpCode.all().count() == 0
    assert await RefreshToken.all().count() == 0
    assert [g.jti for g in await ResetGrant.all()] == [live_grant.jti]
    assert await AuthSession.all().count() == 1  # the session itself has not ended

    assert (await tick(server.app.ctx.runtime))["purge_credentials"] == 0


async def test_live_credentials_are_never_touched(client, server):
    people = [await register(client, f"user{i}@example.com") for i in range(3)]
    before = {
        "codes": await OtpCode.all().count(),
        "tokens": await RefreshToken.all().count(),
        "sessions": await AuthSession.all().count(),
    }
    assert before == {"codes": 3, "tokens": 3, "sessions": 3}
    assert (await tick(server.app.ctx.runtime))["purge_credentials"] == 0
    assert {
        "codes": await OtpCode.all().count(),
        "tokens": await RefreshToken.all().count(),
        "sessions": await AuthSession.all().count(),
    } == before
    for person in people:
        response = await client.get(ME, headers=bearer(person["access_token"]))
        assert response.status_code == 200, response.text
