"""Helpers shared by the auth tests: one-time codes through the real mailbox, and reading
token claims the way a client would (without the server's secret)."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.support import LiveServer, Mailbox, bearer

ME = "/api/v1/users/me"


async def settle_mail(server: LiveServer) -> None:
    """Wait until every mail the server queued so far has reached the SMTP server."""
    await server.app.ctx.runtime.mailer.drain()


async def send_otp(client: httpx.AsyncClient, email: str, purpose: str) -> httpx.Response:
    return await client.post("/api/v1/auth/otp/send", json={"email": email, "purpose": purpose})


async def verify_otp(
    client: httpx.AsyncClient, email: str, code: str, purpose: str, **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/otp/verify",
        json={"email": email, "otp": code, "purpose": purpose},
        headers=headers or None,
    )


async def fresh_code(
    client: httpx.AsyncClient, server: LiveServer, mailbox: Mailbox, email: str, purpose: str
) -> str:
    """Ask for a code through otp/send and read it from the mail that arrives."""
    await settle_mail(server)
    before = len(mailbox.to(email))
    response = await send_otp(client, email, purpose)
    assert response.status_code == 202, response.text
    return await mailbox.latest_code(email, count=before + 1)


async def reset_token_for(
    client: httpx.AsyncClient, server: LiveServer, mailbox: Mailbox, email: str
) -> str:
    """The real reset flow up to the reset token: otp/send → mail → otp/verify."""
    code = await fresh_code(client, server, mailbox, email, "reset_password")
    response = await verify_otp(client, email, code, "reset_password")
    assert response.status_code == 200, response.text
    token: str = response.json()["reset_token"]
    return token


async def me_status(client: httpx.AsyncClient, access_token: str) -> int:
    return (await client.get(ME, headers=bearer(access_token))).status_code


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims
