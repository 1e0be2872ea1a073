"""Helpers for the chat tests: accounts through the real auth API, websockets opened with the
`websockets` client against the live server, frame expectations with bounded waits, REST
sends, and the SQL statement counter of the inquiry tests."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.frames import checked
from tests.inquiries.helpers import sql_statements
from tests.support import LiveServer, bearer, login, register

__all__ = ["sql_statements"]

CHAT = "/api/v1/chat"
WS_PATH = f"{CHAT}/ws"
WAIT = 5.0  # the longest a test waits for a frame that must come

# API.md "Chat": the message object, and the server → client frames.
MESSAGE_KEYS = {
    "id",
    "conversation_id",
    "seq",
    "sender_id",
    "receiver_id",
    "message",
    "property_id",
    "client_id",
    "created_at",
    "timestamp",
    "read_at",
}
MESSAGE_FRAME_KEYS = {
    "type",
    "id",
    "conversation_id",
    "seq",
    "sender_info",
    "receiver_id",
    "message",
    "property_id",
    "client_id",
    "created_at",
}
SENDER_INFO_KEYS = {"id", "username", "avatar_url"}
ACK_KEYS = {
    "type",
    "status",
    "message_id",
    "client_id",
    "property_id",
    "conversation_id",
    "seq",
    "created_at",
}
ERROR_KEYS = {"type", "code", "detail", "client_id"}


@dataclass
class Person:
    id: int
    email: str
    username: str | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def person(client: httpx.AsyncClient, email: str, **extra: Any) -> Person:
    body = await register(client, email, **extra)
    user = body["user"]
    return Person(user["id"], email, user["username"], body["access_token"])


async def second_session(client: httpx.AsyncClient, who: Person) -> Person:
    """The same account signed in again: another session with its own token."""
    tokens = await login(client, who.email)
    return Person(who.id, who.email, who.username, tokens["access_token"])


def ws_url(server: LiveServer, **params: str) -> str:
    base = server.url.replace("http://", "ws://", 1) + WS_PATH
    return f"{base}?{urlencode(params)}" if params else base


def open_ws(server: LiveServer, token: str | None = None, **options: Any) -> Any:
    """``connect`` to the chat socket with ``?token=`` (usable with ``await`` or ``async with``)."""
    params = {"token": token} if token is not None else {}
    options.setdefault("open_timeout", WAIT)
    options.setdefault("close_timeout", 2)
    return connect(ws_url(server, **params), **options)


async def send_json(ws: ClientConnection, frame: Any) -> None:
    await ws.send(json.dumps(frame))


async def recv(ws: ClientConnection, timeout: float = WAIT) -> dict[str, Any]:
    """The next frame, parsed and checked against the AsyncAPI document; fails when none
    comes within ``timeout``."""
    try:
        raw = await asyncio.wait_for(ws.recv(), timeout)
    except TimeoutError:
        raise AssertionError(f"no frame within {timeout} s") from None
    return checked(raw)


async def expect(ws: ClientConnection, kind: str, timeout: float = WAIT) -> dict[str, Any]:
    """The next frame, which must be of type ``kind``."""
    frame = await recv(ws, timeout)
    assert frame.get("type") == kind, frame
    return frame


async def until(ws: ClientConnection, kind: str, timeout: float = WAIT) -> dict[str, Any]:
    """The first frame of type ``kind``, skipping others (frames this test does not study)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await recv(ws, max(0.0, deadline - time.monotonic()))
        if frame.get("type") == kind:
            return frame


async def ping_pong(ws: ClientConnection) -> None:
    """The socket is open and answers; every frame queued for it before is seen first."""
    await send_json(ws, {"type": "ping"})
    assert await recv(ws) == {"type": "pong"}


async def closed_with(ws: ClientConnection, timeout: float = WAIT) -> int | None:
    """Read until the server closes the socket; the close code the client saw."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the socket was not closed within {timeout} s")
            await asyncio.wait_for(ws.recv(), left)
    except ConnectionClosed:
        return ws.close_code
    except TimeoutError:
        raise AssertionError(f"the socket was not closed within {timeout} s") from None


async def send_ws(
    ws: ClientConnection, receiver: Person | int, message: str = "hello", **extra: Any
) -> dict[str, Any]:
    """A message frame; returns its ack (frames of other types before it are skipped)."""
    receiver_id = receiver if isinstance(receiver, int) else receiver.id
    frame = {"type": "message", "receiver_id": receiver_id, "message": message, **extra}
    await send_json(ws, frame)
    return await until(ws, "ack")


async def send_rest(
    client: httpx.AsyncClient,
    sender: Person,
    receiver: Person | int,
    message: str = "hello",
    **extra: Any,
) -> httpx.Response:
    receiver_id = receiver if isinstance(receiver, int) else receiver.id
    return await client.post(
        f"{CHAT}/messages",
        json={"receiver_id": receiver_id, "message": message, **extra},
        headers=sender.headers,
    )


async def sent(
    client: httpx.AsyncClient,
    sender: Person,
    receiver: Person | int,
    message: str = "hello",
    **extra: Any,
) -> dict[str, Any]:
    response = await send_rest(client, sender, receiver, message, **extra)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def history(
    client: httpx.AsyncClient, who: Person, other: Person | int, **params: Any
) -> list[dict[str, Any]]:
    other_id = other if isinstance(other, int) else other.id
    response = await client.get(
        f"{CHAT}/chat-history/{other_id}", params=params, headers=who.headers
    )
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    assert isinstance(body, list)
    return body


async def conversations(client: httpx.AsyncClient, who: Person, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{CHAT}/conversations", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "next_cursor"}
    return body


async def unread(client: httpx.AsyncClient, who: Person) -> dict[str, Any]:
    response = await client.get(f"{CHAT}/unread-count", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"total_unread", "conversations_with_unread"}
    return body


def listing_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Bright two-bedroom flat",
        "description": "Close to the lagoon, with a borehole and steady power.",
        "property_type": "apartment",
        "listing_type": "rent",
        "price": 1500000,
        "address": "12 Admiralty Way, Lekki Phase 1",
        "city": "Lagos",
        "state": "Lagos",
        "bedrooms": 2,
        "bathrooms": 2,
        **overrides,
    }


async def create_listing(
    client: httpx.AsyncClient, agent: Person, **overrides: Any
) -> dict[str, Any]:
    """A real listing, made through the properties API by an agent."""
    response = await client.post(
        "/api/v1/properties", json=listing_body(**overrides), headers=agent.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_until(predicate: Any, timeout: float = WAIT) -> bool:
    """Poll an (async) predicate until it holds; False when it never did within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return True
        await asyncio.sleep(0.02)
    return False
