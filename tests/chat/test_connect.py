"""Opening the chat socket (API.md "Chat" → "WebSocket protocol", "Roles…"): credentials by
?token=, ?ticket= or the bearer subprotocol; refusals are plain HTTP before the upgrade."""

from __future__ import annotations

import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from sheda.chat.models import Message
from sheda.security.tokens import issue_access_token
from sheda.users.models import User
from tests.chat.helpers import (
    CHAT,
    WAIT,
    expect,
    open_ws,
    person,
    ping_pong,
    send_json,
    ws_url,
)
from tests.support import assert_error


async def refused(url: str, **options) -> int:
    """The HTTP status of a refused handshake (fails if the socket opens)."""
    with pytest.raises(InvalidStatus) as refusal:
        async with connect(url, open_timeout=WAIT, **options):
            pass
    return refusal.value.response.status_code


async def ticket(client, who) -> str:
    response = await client.post(f"{CHAT}/ws-ticket", headers=who.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"ticket", "expires_in"}
    assert body["expires_in"] == 30
    assert isinstance(body["ticket"], str) and body["ticket"]
    return body["ticket"]


# --- the ways in ---------------------------------------------------------------------------------


async def test_token_in_query(client, server):
    me = await person(client, "me@example.com")
    async with open_ws(server, me.token) as ws:
        assert ws.subprotocol is None  # offered none, so none selected
        await ping_pong(ws)


async def test_bearer_subprotocol_is_selected(client, server):
    me = await person(client, "me@example.com")
    async with connect(ws_url(server), subprotocols=["bearer", me.token], open_timeout=WAIT) as ws:
        assert ws.subprotocol == "bearer"
        assert ws.response.headers["Sec-WebSocket-Protocol"] == "bearer"
        await ping_pong(ws)


async def test_token_query_with_bearer_offered_selects_bearer(client, server):
    me = await person(client, "me@example.com")
    url = ws_url(server, token=me.token)
    async with connect(url, subprotocols=["bearer"], open_timeout=WAIT) as ws:
        assert ws.subprotocol == "bearer"
        await ping_pong(ws)


async def test_ticket_connects_once(client, server):
    me = await person(client, "me@example.com")
    single = await ticket(client, me)

    async with connect(ws_url(server, ticket=single), open_timeout=WAIT) as ws:
        await ping_pong(ws)
        # the ticket's socket belongs to the ticket's user: a message goes out as them
        other = await person(client, "other@example.com")
        await send_json(ws, {"receiver_id": other.id, "message": "via ticket"})
        ack = await expect(ws, "ack")
        assert (await Message.get(id=ack["message_id"])).sender_id == me.id

    assert await refused(ws_url(server, ticket=single)) == 401


async def test_two_tickets_are_independent(client, server):
    me = await person(client, "me@example.com")
    first, second = await ticket(client, me), await ticket(client, me)
    assert first != second
    async with connect(ws_url(server, ticket=second), open_timeout=WAIT) as ws:
        await ping_pong(ws)
    async with connect(ws_url(server, ticket=first), open_timeout=WAIT) as ws:
        await ping_pong(ws)


async def test_ticket_dies_with_logout(client, server):
    me = await person(client, "me@example.com")
    unused = await ticket(client, me)
    response = await client.post("/api/v1/auth/logout", json={}, headers=me.headers)
    assert response.status_code == 204, response.text

    assert await refused(ws_url(server, ticket=unused)) == 401


async def test_ticket_needs_a_token(client):
    assert_error(await client.post(f"{CHAT}/ws-ticket"), 401, "unauthorized")


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"token": "not-a-jwt"},
        {"token": ""},
        {"ticket": "made-up-ticket"},
    ],
    ids=["nothing", "garbage-token", "empty-token", "unknown-ticket"],
)
async def test_bad_credentials_are_401(server, params):
    assert await refused(ws_url(server, **params)) == 401


async def test_token_signed_with_another_key_is_401(client, server):
    me = await person(client, "me@example.com")
    claims = jwt.decode(me.token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256")
    assert await refused(ws_url(server, token=forged)) == 401


async def test_expired_token_is_401(client, server):
    me = await person(client, "me@example.com")
    claims = jwt.decode(me.token, options={"verify_signature": False})
    expired = issue_access_token(
        server.settings.secret_key,
        user_id=me.id,
        session_id=claims["sid"],
        scopes=claims["scopes"],
        ttl=-60,
    )
    assert await refused(ws_url(server, token=expired)) == 401
    # the same session with a live token still gets in: only the expiry was refused
    async with open_ws(server, me.token) as ws:
        await ping_pong(ws)


async def test_revoked_token_is_401(client, server):
    me = await person(client, "me@example.com")
    response = await client.post("/api/v1/auth/logout", json={}, headers=me.headers)
    assert response.status_code == 204, response.text

    assert await refused(ws_url(server, token=me.token)) == 401
    assert await refused(ws_url(server), subprotocols=["bearer", me.token]) == 401


async def test_bad_bearer_subprotocol_is_401(server):
    assert await refused(ws_url(server), subprotocols=["bearer", "not-a-jwt"]) == 401


async def test_deactivated_account_is_403(client, server):
    me = await person(client, "me@example.com")
    single = await ticket(client, me)
    await User.filter(id=me.id).update(is_active=False)

    assert await refused(ws_url(server, token=me.token)) == 403
    assert await refused(ws_url(server), subprotocols=["bearer", me.token]) == 403
    assert await refused(ws_url(server, ticket=single)) == 403


async def test_deleted_account_is_401(client, server):
    me = await person(client, "me@example.com")
    response = await client.delete("/api/v1/users/me", headers=me.headers)
    assert response.status_code == 204, response.text

    assert await refused(ws_url(server, token=me.token)) == 401
