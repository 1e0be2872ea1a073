"""With SHEDA_WS_ORIGINS set, a websocket from another Origin is refused with HTTP 403 before
the upgrade, whatever its credentials; a handshake without Origin (a native or mobile app)
is not refused for it, and its credentials are checked as always (API.md "WebSocket
protocol"). The ``websockets`` client sends no Origin unless told to."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.chat.helpers import CHAT, WAIT, person, ping_pong, ws_url

ALLOWED = "https://app.example"


@pytest.fixture(scope="module")
def settings_overrides():
    return {"ws_origins": (ALLOWED,)}


async def test_allowed_origin_connects(client, server):
    me = await person(client, "me@example.com")
    async with connect(ws_url(server, token=me.token), origin=ALLOWED, open_timeout=WAIT) as ws:
        await ping_pong(ws)


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://app.example", "https://app.example.evil.test"]
)
async def test_other_origin_is_403(client, server, origin):
    me = await person(client, "me@example.com")
    with pytest.raises(InvalidStatus) as refusal:
        async with connect(ws_url(server, token=me.token), origin=origin, open_timeout=WAIT):
            pass
    assert refusal.value.response.status_code == 403


async def test_other_origin_with_ticket_is_403(client, server):
    me = await person(client, "me@example.com")
    response = await client.post(f"{CHAT}/ws-ticket", headers=me.headers)
    assert response.status_code == 200, response.text
    ticket = response.json()["ticket"]

    with pytest.raises(InvalidStatus) as refusal:
        async with connect(
            ws_url(server, ticket=ticket), origin="https://evil.example", open_timeout=WAIT
        ):
            pass
    assert refusal.value.response.status_code == 403


async def test_no_origin_connects_like_a_native_app(client, server):
    me = await person(client, "me@example.com")
    async with connect(ws_url(server, token=me.token), open_timeout=WAIT) as ws:
        await ping_pong(ws)
    response = await client.post(f"{CHAT}/ws-ticket", headers=me.headers)
    async with connect(ws_url(server, ticket=response.json()["ticket"]), open_timeout=WAIT) as ws:
        await ping_pong(ws)


@pytest.mark.parametrize("params", [{}, {"token": "not-a-token"}, {"ticket": "not-a-ticket"}])
async def test_no_origin_with_bad_credentials_is_401(server, params):
    with pytest.raises(InvalidStatus) as refusal:
        async with connect(ws_url(server, **params), open_timeout=WAIT):
            pass
    assert refusal.value.response.status_code == 401


async def test_rest_is_not_bound_by_ws_origins(client):
    # The websocket allow-list does not turn into a blanket Origin check on the API.
    me = await person(client, "me@example.com")
    response = await client.get(
        f"{CHAT}/unread-count", headers={**me.headers, "Origin": "https://evil.example"}
    )
    assert response.status_code == 200, response.text
