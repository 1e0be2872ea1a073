"""Sockets follow their session (API.md "Roles…", "WebSocket protocol"): logout and password
change close them with 4001, an admin's deactivation with 4003, and other sessions' sockets
stay open."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from sheda.users.models import User
from tests.chat.helpers import (
    CHAT,
    WAIT,
    closed_with,
    open_ws,
    person,
    ping_pong,
    second_session,
    send_ws,
    wait_until,
    ws_url,
)
from tests.support import bearer, login

CLOSE_WITHIN = 1.0  # seconds, from the HTTP answer to the close frame at the client


async def refused_status(server, token: str) -> int:
    with pytest.raises(InvalidStatus) as refusal:
        async with connect(ws_url(server, token=token), open_timeout=WAIT):
            pass
    return refusal.value.response.status_code


async def test_logout_closes_that_sessions_sockets_with_4001(client, server):
    phone = await person(client, "me@example.com")
    laptop = await second_session(client, phone)
    async with (
        open_ws(server, phone.token) as p1,
        open_ws(server, phone.token) as p2,
        open_ws(server, laptop.token) as other,
    ):
        response = await client.post("/api/v1/auth/logout", json={}, headers=phone.headers)
        assert response.status_code == 204, response.text

        assert await closed_with(p1, CLOSE_WITHIN) == 4001
        assert await closed_with(p2, CLOSE_WITHIN) == 4001
        await ping_pong(other)  # the other session's socket is untouched
    assert await refused_status(server, phone.token) == 401
    assert await wait_until(lambda: server.app.ctx.runtime.hub.socket_count() == 0)


async def test_logout_with_another_sessions_refresh_token_closes_both(client, server):
    first = await person(client, "me@example.com")
    tokens = await login(client, "me@example.com")
    second = bearer(tokens["access_token"])
    third = await second_session(client, first)
    async with (
        open_ws(server, first.token) as a,
        open_ws(server, tokens["access_token"]) as b,
        open_ws(server, third.token) as c,
    ):
        response = await client.post(
            "/api/v1/auth/logout",
            json={"refresh_token": tokens["refresh_token"]},
            headers=first.headers,
        )
        assert response.status_code == 204, response.text
        assert await closed_with(a, CLOSE_WITHIN) == 4001
        assert await closed_with(b, CLOSE_WITHIN) == 4001
        await ping_pong(c)
    assert (await client.get(f"{CHAT}/unread-count", headers=second)).status_code == 401


async def test_password_change_closes_the_other_sessions_sockets(client, server):
    current = await person(client, "me@example.com")
    other = await second_session(client, current)
    friend = await person(client, "friend@example.com")
    async with (
        open_ws(server, current.token) as mine,
        open_ws(server, other.token) as theirs,
    ):
        response = await client.post(
            "/api/v1/auth/password/change",
            json={"current_password": "correct horse", "new_password": "battery staple"},
            headers=current.headers,
        )
        assert response.status_code == 204, response.text

        assert await closed_with(theirs, CLOSE_WITHIN) == 4001
        await ping_pong(mine)
        await send_ws(mine, friend, "still here")  # and it still sends
    assert await refused_status(server, other.token) == 401
    async with open_ws(server, current.token) as again:
        await ping_pong(again)


async def test_admin_deactivation_closes_every_socket_with_4003(client, server):
    target = await person(client, "target@example.com")
    other_session = await second_session(client, target)
    bystander = await person(client, "bystander@example.com")
    admin = await person(client, "root@example.com")
    await User.filter(id=admin.id).update(role="admin")
    admin_headers = bearer((await login(client, "root@example.com"))["access_token"])

    async with (
        open_ws(server, target.token) as t1,
        open_ws(server, other_session.token) as t2,
        open_ws(server, bystander.token) as b,
    ):
        response = await client.patch(
            f"/api/v1/admin/users/{target.id}", json={"is_active": False}, headers=admin_headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["is_active"] is False

        assert await closed_with(t1, CLOSE_WITHIN) == 4003
        assert await closed_with(t2, CLOSE_WITHIN) == 4003
        await ping_pong(b)
    assert await refused_status(server, target.token) == 403

    response = await client.patch(
        f"/api/v1/admin/users/{target.id}", json={"is_active": True}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    async with open_ws(server, target.token) as again:  # its tokens stayed valid
        await ping_pong(again)


async def test_closed_socket_leaves_the_hub(client, server):
    me = await person(client, "me@example.com")
    friend = await person(client, "friend@example.com")
    hub = server.app.ctx.runtime.hub
    async with open_ws(server, me.token) as ws:
        await ping_pong(ws)
        assert hub.socket_count() == 1
        response = await client.post("/api/v1/auth/logout", json={}, headers=me.headers)
        assert response.status_code == 204, response.text
        assert await closed_with(ws, CLOSE_WITHIN) == 4001
    assert await wait_until(lambda: hub.socket_count() == 0)
    # a message to the logged-out user is still stored and acked for the sender
    async with open_ws(server, friend.token) as f:
        ack = await send_ws(f, me, "you there?")
        assert ack["seq"] == 1
        await ping_pong(f)


async def test_logout_of_a_ticket_socket_closes_it(client, server):
    me = await person(client, "me@example.com")
    response = await client.post(f"{CHAT}/ws-ticket", headers=me.headers)
    assert response.status_code == 200, response.text
    async with connect(ws_url(server, ticket=response.json()["ticket"]), open_timeout=WAIT) as ws:
        await ping_pong(ws)
        response = await client.post("/api/v1/auth/logout", json={}, headers=me.headers)
        assert response.status_code == 204, response.text
        assert await closed_with(ws, CLOSE_WITHIN) == 4001
